use crate::eventually;
use agentlocator_common::bus::{ConsumerSpec, EventBus, MemoryBus, SharedBus};
use agentlocator_proto::{
    Event, new_event,
    v1::{CallEvent, CallEventKind, WhatsAppEvent, WhatsAppEventKind, event::Payload},
};
use crm_svc::{
    Db, backend_test, calls,
    calls::queries as call,
    customers::queries as customer,
    customers::{self, NewCustomer},
    enums::{CustomerSource, CustomerStatus, TranscriptStatus},
    event_consumer::queries as processed_event,
    event_consumer::{self, CONSUMER_NAME, Outcome},
    ids::BusinessId,
    outbox::queries as outbox,
    test_support::create_business,
    whatsapp::queries as whatsapp_message,
};
use futures::StreamExt;
use std::{sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;

fn call_event(
    business: &BusinessId,
    kind: CallEventKind,
    sid: &str,
    f: impl FnOnce(&mut CallEvent),
) -> Event {
    let mut c = CallEvent {
        kind: kind as i32,
        call_sid: sid.into(),
        direction: "inbound".into(),
        from_number: "+972501234567".into(),
        to_number: "+97231234567".into(),
        ..Default::default()
    };
    f(&mut c);
    new_event(business.as_str(), Payload::Call(c))
}

fn whatsapp_event(
    business: &BusinessId,
    kind: WhatsAppEventKind,
    pid: &str,
    f: impl FnOnce(&mut WhatsAppEvent),
) -> Event {
    let mut w = WhatsAppEvent {
        kind: kind as i32,
        provider_message_id: pid.into(),
        direction: "inbound".into(),
        from_number: "972521112233".into(),
        to_number: "+97231234567".into(),
        body: "שלום, אפשר לקבוע תור?".into(),
        ..Default::default()
    };
    f(&mut w);
    new_event(business.as_str(), Payload::Whatsapp(w))
}

/// Publishes `events` on a fresh in-process bus and hands each delivery to the consumer, as its
/// loop does; the outcomes in order. With `settled`, also checks that nothing is delivered again
/// (every delivery was acked).
async fn consume(db: &Db, events: &[&Event], settled: bool) -> Vec<Outcome> {
    let bus = MemoryBus::new("al");
    for e in events {
        bus.publish(e).await.unwrap();
    }
    let mut deliveries = bus
        .subscribe(ConsumerSpec::new(CONSUMER_NAME, ">"))
        .await
        .unwrap();
    let mut outcomes = vec![];
    for _ in events {
        let d = deliveries.next().await.unwrap().unwrap();
        outcomes.push(event_consumer::handle_delivery(db, d).await);
    }
    if settled {
        assert!(
            tokio::time::timeout(Duration::from_millis(300), deliveries.next())
                .await
                .is_err()
        );
    }
    outcomes
}

async fn the_same_event_twice_is_applied_once(db: Db) {
    let b = create_business(&db, "עסק").await;
    let bus = MemoryBus::new("al");
    let event = call_event(&b.id, CallEventKind::Started, "CA1", |_| {});
    bus.publish(&event).await.unwrap();
    let mut deliveries = bus
        .subscribe(ConsumerSpec::new(CONSUMER_NAME, ">"))
        .await
        .unwrap();

    // First delivery: the effect commits but the ack is lost (the delivery is dropped → nak).
    let first = deliveries.next().await.unwrap().unwrap();
    let e = first.event.clone();
    let outcome = db
        .transaction(move |conn| event_consumer::apply(conn, &e))
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Applied);
    drop(first);

    // Redelivered: recognised as a duplicate, acked, nothing new.
    let second = tokio::time::timeout(Duration::from_secs(5), deliveries.next())
        .await
        .expect("redelivery")
        .unwrap()
        .unwrap();
    assert_eq!(second.event.id, event.id);
    assert_eq!(second.delivery_count, 2);
    assert_eq!(
        event_consumer::handle_delivery(&db, second).await,
        Outcome::Duplicate
    );

    let bid = b.id.clone();
    let (calls, customers, processed) = db
        .run(move |conn| {
            let c = customer::find_by_phone(conn, &bid, "+972501234567")?.expect("lead created");
            Ok((
                call::list_by_customer(conn, &bid, &c.id)?.len(),
                customer::count(conn, &bid)?,
                processed_event::count(conn, CONSUMER_NAME)?,
            ))
        })
        .await
        .unwrap();
    assert_eq!((calls, customers, processed), (1, 1, 1));
    // Acked: nothing more arrives.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), deliveries.next())
            .await
            .is_err()
    );
}
backend_test!(the_same_event_twice_is_applied_once => consumer_idempotent_sqlite, consumer_idempotent_postgres);

async fn call_lifecycle_builds_one_call_on_a_new_lead(db: Db) {
    let b = create_business(&db, "עסק").await;
    let bus: SharedBus = Arc::new(MemoryBus::new("al"));
    let stop = CancellationToken::new();
    let consumer = tokio::spawn(event_consumer::run(db.clone(), bus.clone(), stop.clone()));

    let sid = "CA42";
    let events = [
        call_event(&b.id, CallEventKind::Started, sid, |c| {
            c.status = "ringing".into();
            c.from_number = "050-765-4321".into();
        }),
        call_event(&b.id, CallEventKind::Recorded, sid, |c| {
            c.recording_url = "https://api.twilio.com/rec/RE1".into();
        }),
        call_event(&b.id, CallEventKind::Transcribed, sid, |c| {
            c.transcript = "אני רוצה לקבוע תור".into()
        }),
        call_event(&b.id, CallEventKind::Answered, sid, |c| {
            c.transcript = "אני רוצה לקבוע תור".into();
            c.ai_reply = "בשמחה! מתי נוח לך?".into()
        }),
        call_event(&b.id, CallEventKind::Answered, sid, |c| {
            c.transcript = "ביום ראשון בבוקר".into();
            c.ai_reply = "קבעתי לך ליום ראשון.".into()
        }),
        call_event(&b.id, CallEventKind::Completed, sid, |c| {
            c.status = "completed".into();
            c.duration_seconds = 73;
        }),
    ];
    for e in &events {
        bus.publish(e).await.unwrap();
    }
    let d = db.clone();
    let done = eventually("the completed call", move || {
        let d = d.clone();
        async move {
            let c = d
                .run(|conn| call::find_by_sid(conn, "CA42"))
                .await
                .unwrap()?;
            (c.status == "completed").then_some(c)
        }
    })
    .await;
    assert_eq!(done.duration_seconds, 73);
    assert!(done.ended_at.is_some());
    assert_eq!(
        done.recording_url.as_deref(),
        Some("https://api.twilio.com/rec/RE1")
    );
    assert_eq!(done.transcript.as_deref(), Some("אני רוצה לקבוע תור"));
    assert_eq!(done.transcript_status, TranscriptStatus::Done);
    let replies: Vec<String> = serde_json::from_str(&done.ai_replies).unwrap();
    assert_eq!(replies, ["בשמחה! מתי נוח לך?", "קבעתי לך ליום ראשון."]);
    // The turns, paired and in order: the next reply of this call is made with them.
    let turns = calls::conversation(&db, &b.id, sid, 20).await.unwrap();
    let pairs: Vec<(&str, &str)> = turns
        .iter()
        .map(|t| (t.caller_text.as_str(), t.ai_reply.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("אני רוצה לקבוע תור", "בשמחה! מתי נוח לך?"),
            ("ביום ראשון בבוקר", "קבעתי לך ליום ראשון.")
        ]
    );
    // Only the latest turns when asked for fewer; nothing for another business or call.
    let last = calls::conversation(&db, &b.id, sid, 1).await.unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].caller_text, "ביום ראשון בבוקר");
    let other = create_business(&db, "עסק אחר").await;
    assert!(
        calls::conversation(&db, &other.id, sid, 20)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        calls::conversation(&db, &b.id, "CA-none", 20)
            .await
            .unwrap()
            .is_empty()
    );

    let bid = b.id.clone();
    let lead = db
        .run(move |conn| customer::find_by_phone(conn, &bid, "+972507654321"))
        .await
        .unwrap()
        .expect("a lead for the caller");
    assert_eq!(
        (lead.status, lead.source),
        (CustomerStatus::Lead, CustomerSource::Call)
    );
    assert_eq!(done.customer_id.as_ref(), Some(&lead.id));
    // The new lead announced itself through the outbox, in the consumer's transaction, and so
    // did the call's inbox conversation as it changed.
    let subjects: Vec<String> = db
        .run(outbox::all)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.subject)
        .collect();
    assert_eq!(subjects[0], format!("al.{}.customer.created", b.id));
    assert!(subjects.len() > 1, "{subjects:?}");
    assert!(
        subjects[1..]
            .iter()
            .all(|s| *s == format!("al.{}.conversation.updated", b.id)),
        "{subjects:?}"
    );

    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), consumer)
        .await
        .expect("consumer stops on cancellation")
        .unwrap()
        .unwrap();
}
backend_test!(call_lifecycle_builds_one_call_on_a_new_lead => call_lifecycle_sqlite, call_lifecycle_postgres);

async fn whatsapp_messages_attach_to_existing_customers(db: Db) {
    let b = create_business(&db, "עסק").await;
    let known = customers::create(
        &db,
        &b.id,
        NewCustomer {
            name: "רונית".into(),
            phone: "052-111-2233".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let bus: SharedBus = Arc::new(MemoryBus::new("al"));
    let stop = CancellationToken::new();
    let consumer = tokio::spawn(event_consumer::run(db.clone(), bus.clone(), stop.clone()));

    bus.publish(&whatsapp_event(
        &b.id,
        WhatsAppEventKind::Received,
        "wamid.1",
        |_| {},
    ))
    .await
    .unwrap();
    // The same provider message under another event id is not stored twice.
    bus.publish(&whatsapp_event(
        &b.id,
        WhatsAppEventKind::Received,
        "wamid.1",
        |_| {},
    ))
    .await
    .unwrap();
    bus.publish(&whatsapp_event(
        &b.id,
        WhatsAppEventKind::Sent,
        "wamid.2",
        |w| {
            w.direction = "outbound".into();
            w.from_number = "+97231234567".into();
            w.to_number = "+972521112233".into();
            w.body = "בטח, מחר ב-10?".into();
        },
    ))
    .await
    .unwrap();
    bus.publish(&whatsapp_event(
        &b.id,
        WhatsAppEventKind::Status,
        "wamid.2",
        |w| w.status = "read".into(),
    ))
    .await
    .unwrap();
    // An event of an unknown business is poison: logged, acked and dropped.
    bus.publish(&whatsapp_event(
        &BusinessId::from("ghost"),
        WhatsAppEventKind::Received,
        "wamid.3",
        |_| {},
    ))
    .await
    .unwrap();

    let (d, bid, cid) = (db.clone(), b.id.clone(), known.id.clone());
    let messages = eventually("both messages, the second read", move || {
        let (d, bid, cid) = (d.clone(), bid.clone(), cid.clone());
        async move {
            let m = d
                .run(move |conn| whatsapp_message::list_by_customer(conn, &bid, &cid))
                .await
                .unwrap();
            (m.len() == 2 && m.iter().any(|m| m.status == "read")).then_some(m)
        }
    })
    .await;
    let inbound = messages
        .iter()
        .find(|m| m.provider_message_id == "wamid.1")
        .unwrap();
    assert_eq!(
        (inbound.direction.as_str(), inbound.status.as_str()),
        ("inbound", "received")
    );
    let outbound = messages
        .iter()
        .find(|m| m.provider_message_id == "wamid.2")
        .unwrap();
    assert_eq!(outbound.direction, "outbound");
    let bid = b.id.clone();
    assert_eq!(
        db.run(move |conn| customer::count(conn, &bid))
            .await
            .unwrap(),
        1
    );

    stop.cancel();
    consumer.await.unwrap().unwrap();
}
backend_test!(whatsapp_messages_attach_to_existing_customers => whatsapp_sqlite, whatsapp_postgres);

async fn bad_events_are_dropped_not_retried(db: Db) {
    let b = create_business(&db, "עסק").await;
    let no_sid = call_event(&b.id, CallEventKind::Started, "", |_| {});
    let ghost = call_event(
        &BusinessId::from("ghost"),
        CallEventKind::Started,
        "CA9",
        |_| {},
    );
    let foreign = call_event(&b.id, CallEventKind::Started, "CA10", |c| {
        c.from_number = "anonymous".into()
    });
    let outcomes = consume(&db, &[&no_sid, &ghost, &foreign], true).await;
    // No call SID and unknown business: poison. A caller we cannot match is still a call.
    assert_eq!(
        outcomes,
        [Outcome::Poison, Outcome::Poison, Outcome::Applied]
    );
    let stored = db
        .run(|conn| call::find_by_sid(conn, "CA10"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.customer_id, None);
    assert_eq!(
        db.run(|conn| call::find_by_sid(conn, "CA9")).await.unwrap(),
        None
    );
}
backend_test!(bad_events_are_dropped_not_retried => poison_sqlite, poison_postgres);

async fn a_nul_in_an_event_is_poison_not_retried(db: Db) {
    let b = create_business(&db, "עסק").await;
    let message = whatsapp_event(&b.id, WhatsAppEventKind::Received, "WA-NUL", |w| {
        w.body = "שלום\0עולם".into()
    });
    let transcript = call_event(&b.id, CallEventKind::Transcribed, "CA-NUL", |c| {
        c.transcript = "\0".into()
    });
    // Acked, so not delivered again, and nothing was stored.
    assert_eq!(
        consume(&db, &[&message, &transcript], true).await,
        [Outcome::Poison, Outcome::Poison]
    );
    let bid = b.id.clone();
    let stored = db
        .run(move |conn| whatsapp_message::find_by_provider_id(conn, &bid, "WA-NUL"))
        .await
        .unwrap();
    assert!(stored.is_none());
    assert_eq!(
        db.run(|conn| call::find_by_sid(conn, "CA-NUL"))
            .await
            .unwrap(),
        None
    );
}
backend_test!(a_nul_in_an_event_is_poison_not_retried => nul_poison_sqlite, nul_poison_postgres);

async fn out_of_order_and_foreign_events(db: Db) {
    let b = create_business(&db, "עסק").await;
    let completed = call_event(&b.id, CallEventKind::Completed, "CA7", |c| {
        c.status = "completed".into();
        c.duration_seconds = 12;
    });
    let late_start = call_event(&b.id, CallEventKind::Started, "CA7", |c| {
        c.status = "ringing".into()
    });
    let task = new_event(
        b.id.as_str(),
        Payload::Task(agentlocator_proto::v1::TaskEvent {
            kind: agentlocator_proto::v1::TaskEventKind::Due as i32,
            ..Default::default()
        }),
    );
    let outcomes = consume(&db, &[&completed, &late_start, &task], false).await;
    assert_eq!(
        outcomes,
        [Outcome::Applied, Outcome::Applied, Outcome::Ignored]
    );
    let c = db
        .run(|conn| call::find_by_sid(conn, "CA7"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((c.status.as_str(), c.duration_seconds), ("completed", 12));
    assert!(c.ended_at.is_some());
    // Ignored events leave no trace.
    assert_eq!(
        db.run(|conn| processed_event::count(conn, CONSUMER_NAME))
            .await
            .unwrap(),
        2
    );
}
backend_test!(out_of_order_and_foreign_events => out_of_order_sqlite, out_of_order_postgres);
