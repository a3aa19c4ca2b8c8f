use crate::eventually;
use agentlocator_common::bus::{ConsumerSpec, EventBus, MemoryBus, SharedBus};
use agentlocator_proto::{
    new_event,
    v1::{TaskEvent, TaskEventKind, event::Payload},
};
use crm_svc::{
    Db, backend_test,
    customers::{self, NewCustomer},
    outbox::queries as outbox,
    outbox::{relay_once, run},
    test_support::create_business,
};
use futures::StreamExt;
use std::{collections::HashSet, sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;

async fn relay_publishes_in_order_and_marks(db: Db) {
    let b = create_business(&db, "עסק").await;
    for (name, phone) in [("א", "050-0000001"), ("ב", "050-0000002")] {
        customers::create(
            &db,
            &b.id,
            NewCustomer {
                name: name.into(),
                phone: phone.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let bus = MemoryBus::new("al");
    let mut seen = bus.subscribe(ConsumerSpec::new("test", ">")).await.unwrap();

    let pass = relay_once(&db, &bus).await.unwrap();
    assert_eq!((pass.published, pass.dropped, pass.full), (2, 0, false));
    let rows = db.run(outbox::all).await.unwrap();
    assert!(rows.iter().all(|r| r.published_at.is_some()));
    for row in &rows {
        let d = seen.next().await.unwrap().unwrap();
        assert_eq!(d.event.id, row.id, "published oldest first");
        assert_eq!(format!("al.{}", d.subject), row.subject);
        d.ack().await.unwrap();
    }
    assert_eq!(relay_once(&db, &bus).await.unwrap().published, 0);
}
backend_test!(relay_publishes_in_order_and_marks => relay_marks_sqlite, relay_marks_postgres);

async fn two_relays_at_once_lose_nothing(db: Db) {
    let b = create_business(&db, "עסק").await;
    let events: Vec<_> = (0..230)
        .map(|i| {
            new_event(
                b.id.as_str(),
                Payload::Task(TaskEvent {
                    kind: TaskEventKind::Created as i32,
                    task_id: format!("t{i}"),
                    ..Default::default()
                }),
            )
        })
        .collect();
    let expected: HashSet<String> = events.iter().map(|e| e.id.clone()).collect();
    db.transaction(move |conn| {
        for e in &events {
            outbox::enqueue(conn, e)?;
        }
        Ok(())
    })
    .await
    .unwrap();

    let bus = MemoryBus::new("al");
    let mut seen = bus.subscribe(ConsumerSpec::new("test", ">")).await.unwrap();
    loop {
        let (a, b) = tokio::join!(relay_once(&db, &bus), relay_once(&db, &bus));
        if a.unwrap().published + b.unwrap().published == 0 {
            break;
        }
    }
    let mut got = HashSet::new();
    while let Ok(Some(d)) = tokio::time::timeout(Duration::from_millis(300), seen.next()).await {
        let d = d.unwrap();
        assert!(
            got.insert(d.event.id.clone()),
            "the bus de-duplicates re-published ids"
        );
        d.ack().await.unwrap();
    }
    assert_eq!(got, expected);
    assert!(
        db.run(|c| outbox::unpublished(c, 1000))
            .await
            .unwrap()
            .is_empty()
    );
}
backend_test!(two_relays_at_once_lose_nothing => two_relays_sqlite, two_relays_postgres);

async fn running_relay_publishes_when_poked_and_stops(db: Db) {
    let b = create_business(&db, "עסק").await;
    let bus: SharedBus = Arc::new(MemoryBus::new("al"));
    let mut seen = bus
        .subscribe(ConsumerSpec::new("test", "*.customer.created"))
        .await
        .unwrap();
    let stop = CancellationToken::new();
    let relay = tokio::spawn(run(db.clone(), bus.clone(), stop.clone()));

    let c = customers::create(
        &db,
        &b.id,
        NewCustomer {
            name: "א".into(),
            phone: "050-0000001".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let d = tokio::time::timeout(Duration::from_secs(5), seen.next())
        .await
        .expect("published")
        .unwrap()
        .unwrap();
    match &d.event.payload {
        Some(Payload::Customer(ce)) => assert_eq!(ce.customer_id, c.id.as_str()),
        other => panic!("unexpected {other:?}"),
    }
    d.ack().await.unwrap();
    let dbc = db.clone();
    eventually("the row marked published", move || {
        let dbc = dbc.clone();
        async move {
            dbc.run(|c| outbox::unpublished(c, 10))
                .await
                .unwrap()
                .is_empty()
                .then_some(())
        }
    })
    .await;

    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), relay)
        .await
        .expect("relay stops on cancellation")
        .unwrap()
        .unwrap();
}
backend_test!(running_relay_publishes_when_poked_and_stops => relay_run_sqlite, relay_run_postgres);
