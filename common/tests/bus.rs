//! One suite, two buses: every test runs against the in-process bus and against a real NATS
//! JetStream server (`AL_TEST_NATS_URL`, default nats://127.0.0.1:4222). The NATS runs fail —
//! they are never skipped — when the server is unreachable.

use agentlocator_common::bus::{
    ConsumerSpec, Delivery, EventBus, MemoryBus, NatsBus, Subscription,
};
use agentlocator_proto::{
    Event, new_event,
    v1::{TaskEvent, TaskEventKind, WhatsAppEvent, WhatsAppEventKind, event::Payload},
};
use futures::StreamExt;
use std::{collections::HashSet, time::Duration};

const WAIT: Duration = Duration::from_secs(10);

/// A bus under test plus whatever must be cleaned up after it.
struct Harness {
    bus: Box<dyn EventBus>,
    cleanup: Option<(async_nats::jetstream::Context, String)>,
}

impl Harness {
    async fn memory() -> Self {
        Harness {
            bus: Box::new(MemoryBus::new("al")),
            cleanup: None,
        }
    }

    async fn nats() -> Self {
        let url =
            std::env::var("AL_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
        // A root of its own gives this test a stream of its own on the shared server.
        let root = format!("t{}", uuid::Uuid::now_v7().simple());
        let bus = NatsBus::connect(&url, &root)
            .await
            .unwrap_or_else(|e| panic!("NATS must be running for this test ({url}): {e}"));
        let stream = bus.stream_name().to_string();
        let client = async_nats::connect(&url).await.unwrap();
        Harness {
            bus: Box::new(bus),
            cleanup: Some((async_nats::jetstream::new(client), stream)),
        }
    }

    async fn finish(self) {
        if let Some((js, stream)) = self.cleanup {
            let _ = js.delete_stream(&stream).await;
        }
    }
}

fn task_event(business: &str, title: &str) -> Event {
    new_event(
        business,
        Payload::Task(TaskEvent {
            kind: TaskEventKind::Created as i32,
            title: title.into(),
            ..Default::default()
        }),
    )
}

fn wa_event(business: &str) -> Event {
    new_event(
        business,
        Payload::Whatsapp(WhatsAppEvent {
            kind: WhatsAppEventKind::Received as i32,
            body: "שלום".into(),
            ..Default::default()
        }),
    )
}

async fn next(sub: &mut Subscription) -> Delivery {
    tokio::time::timeout(WAIT, sub.next())
        .await
        .expect("no delivery within the wait")
        .expect("subscription ended")
        .expect("delivery error")
}

async fn nothing_within(sub: &mut Subscription, d: Duration) {
    if let Ok(Some(x)) = tokio::time::timeout(d, sub.next()).await {
        panic!("unexpected delivery: {:?}", x.map(|d| d.event.id.clone()));
    }
}

fn spec(name: &str, filter: &str) -> ConsumerSpec {
    let mut s = ConsumerSpec::new(name, filter);
    s.ack_wait = Duration::from_secs(2);
    s
}

async fn delivers_in_order_with_subject(h: &Harness) {
    let events: Vec<Event> = (0..5).map(|i| task_event("b1", &format!("t{i}"))).collect();
    for e in &events {
        h.bus.publish(e).await.unwrap();
    }
    let mut sub = h.bus.subscribe(spec("c1", ">")).await.unwrap();
    for e in &events {
        let d = next(&mut sub).await;
        assert_eq!(d.event, *e);
        assert_eq!(d.subject, "b1.task.created");
        assert_eq!(d.delivery_count, 1);
        d.ack().await.unwrap();
    }
    nothing_within(&mut sub, Duration::from_millis(300)).await;
}

async fn same_id_twice_is_stored_once(h: &Harness) {
    let e = task_event("b1", "dup");
    h.bus.publish(&e).await.unwrap();
    h.bus.publish(&e).await.unwrap();
    let mut sub = h.bus.subscribe(spec("c1", ">")).await.unwrap();
    next(&mut sub).await.ack().await.unwrap();
    nothing_within(&mut sub, Duration::from_millis(500)).await;
}

async fn nak_and_drop_redeliver(h: &Harness) {
    let e = task_event("b1", "retry");
    h.bus.publish(&e).await.unwrap();
    let mut sub = h.bus.subscribe(spec("c1", ">")).await.unwrap();
    let d = next(&mut sub).await;
    d.nak(None);
    let d = next(&mut sub).await;
    assert_eq!(d.event.id, e.id);
    assert_eq!(d.delivery_count, 2);
    drop(d); // neither acked nor nak'd: must come back
    let d = next(&mut sub).await;
    assert_eq!(d.event.id, e.id);
    assert_eq!(d.delivery_count, 3);
    d.ack().await.unwrap();
    nothing_within(&mut sub, Duration::from_millis(500)).await;
}

async fn filters_select_subjects(h: &Harness) {
    let t = task_event("b1", "x");
    let w = wa_event("b1");
    let other = wa_event("b2");
    for e in [&t, &w, &other] {
        h.bus.publish(e).await.unwrap();
    }
    let mut wa = h.bus.subscribe(spec("wa", "*.whatsapp.>")).await.unwrap();
    let mut b1 = h.bus.subscribe(spec("b1", "b1.>")).await.unwrap();
    let got: Vec<String> = vec![next(&mut wa).await, next(&mut wa).await]
        .into_iter()
        .map(|d| d.event.id.clone())
        .collect();
    assert_eq!(got, vec![w.id.clone(), other.id.clone()]);
    let got: Vec<String> = vec![next(&mut b1).await, next(&mut b1).await]
        .into_iter()
        .map(|d| d.event.id.clone())
        .collect();
    assert_eq!(got, vec![t.id.clone(), w.id.clone()]);
}

async fn one_name_shares_work_two_names_each_get_all(h: &Harness) {
    let n = 40;
    for i in 0..n {
        h.bus
            .publish(&task_event("b1", &format!("{i}")))
            .await
            .unwrap();
    }
    // Two replicas of one service share the durable consumer "svc".
    let mut r1 = h.bus.subscribe(spec("svc", ">")).await.unwrap();
    let mut r2 = h.bus.subscribe(spec("svc", ">")).await.unwrap();
    // Another service sees every event on its own.
    let mut other = h.bus.subscribe(spec("other", ">")).await.unwrap();
    let mut seen = HashSet::new();
    while seen.len() < n {
        let d = tokio::select! {
            d = next(&mut r1) => d,
            d = next(&mut r2) => d,
        };
        assert!(
            seen.insert(d.event.id.clone()),
            "delivered twice to one durable consumer"
        );
        d.ack().await.unwrap();
    }
    nothing_within(&mut r1, Duration::from_millis(300)).await;
    nothing_within(&mut r2, Duration::from_millis(300)).await;
    let mut other_seen = HashSet::new();
    for _ in 0..n {
        let d = next(&mut other).await;
        other_seen.insert(d.event.id.clone());
        d.ack().await.unwrap();
    }
    assert_eq!(seen, other_seen);
}

async fn acked_events_stay_acked_across_resubscribe(h: &Harness) {
    let events: Vec<Event> = (0..6).map(|i| task_event("b1", &format!("{i}"))).collect();
    for e in &events {
        h.bus.publish(e).await.unwrap();
    }
    let mut sub = h.bus.subscribe(spec("durable", ">")).await.unwrap();
    for e in &events[..3] {
        let d = next(&mut sub).await;
        assert_eq!(d.event.id, e.id);
        d.ack().await.unwrap();
    }
    drop(sub); // the service stops
    let mut sub = h.bus.subscribe(spec("durable", ">")).await.unwrap();
    let mut rest = HashSet::new();
    for _ in 3..6 {
        let d = next(&mut sub).await;
        rest.insert(d.event.id.clone());
        d.ack().await.unwrap();
    }
    let expected: HashSet<String> = events[3..].iter().map(|e| e.id.clone()).collect();
    assert_eq!(rest, expected);
    nothing_within(&mut sub, Duration::from_millis(2500)).await;
}

async fn invalid_events_are_refused(h: &Harness) {
    let mut e = task_event("b.1", "x");
    assert!(h.bus.publish(&e).await.is_err());
    e.business_id = "b1".into();
    e.payload = None;
    assert!(h.bus.publish(&e).await.is_err());
    h.bus.check().await.unwrap();
}

/// Fan-out: two subscribers with the same name each get every new event (not shared work), and
/// neither sees what was published before it subscribed.
async fn fan_out_subscribers_each_get_every_new_event(h: &Harness) {
    let old = task_event("b1", "before");
    h.bus.publish(&old).await.unwrap();
    let mut a = h
        .bus
        .subscribe(ConsumerSpec::fan_out("notify", "*.task.>"))
        .await
        .unwrap();
    let mut b = h
        .bus
        .subscribe(ConsumerSpec::fan_out("notify", "*.task.>"))
        .await
        .unwrap();
    let events: Vec<Event> = (0..4).map(|i| task_event("b1", &format!("f{i}"))).collect();
    h.bus.publish(&wa_event("b1")).await.unwrap();
    for e in &events {
        h.bus.publish(e).await.unwrap();
    }
    for sub in [&mut a, &mut b] {
        for e in &events {
            let d = next(sub).await;
            assert_eq!(d.event.id, e.id);
            d.ack().await.unwrap();
        }
        nothing_within(sub, Duration::from_millis(300)).await;
    }
    // A durable consumer created now still starts from the oldest event.
    let mut durable = h.bus.subscribe(spec("durable", "*.task.>")).await.unwrap();
    assert_eq!(next(&mut durable).await.event.id, old.id);
}

macro_rules! both_buses {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    let h = super::Harness::memory().await;
                    super::$name(&h).await;
                    h.finish().await;
                }
            )*
        }
        mod nats {
            $(
                #[tokio::test]
                async fn $name() {
                    let h = super::Harness::nats().await;
                    super::$name(&h).await;
                    h.finish().await;
                }
            )*
        }
    };
}

both_buses!(
    delivers_in_order_with_subject,
    same_id_twice_is_stored_once,
    nak_and_drop_redeliver,
    filters_select_subjects,
    one_name_shares_work_two_names_each_get_all,
    acked_events_stay_acked_across_resubscribe,
    invalid_events_are_refused,
    fan_out_subscribers_each_get_every_new_event,
);
