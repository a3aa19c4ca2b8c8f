//! One suite, three buses: every test runs against the in-process bus in memory, the in-process
//! bus with its journal on disk (the embedded default), and a real NATS JetStream server
//! (`AL_TEST_NATS_URL`, default nats://127.0.0.1:4222). The NATS runs fail — they are never
//! skipped — when the server is unreachable. The journal's own tests (restarts, a second
//! process) follow the suite.

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
    _dir: Option<tempfile::TempDir>,
}

impl Harness {
    async fn memory() -> Self {
        Harness {
            bus: Box::new(MemoryBus::new("al")),
            cleanup: None,
            _dir: None,
        }
    }

    async fn journal() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Harness {
            bus: Box::new(MemoryBus::open("al", &dir.path().join("events.db")).unwrap()),
            cleanup: None,
            _dir: Some(dir),
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
            _dir: None,
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
        mod journal {
            $(
                #[tokio::test]
                async fn $name() {
                    let h = super::Harness::journal().await;
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

/// The journal's own guarantees, across a restart: the bus is dropped (every handle, so its writer
/// stops and the file is closed) and opened again on the same file.
mod journal_restart {
    use super::*;
    use std::path::Path;

    fn open(path: &Path) -> MemoryBus {
        MemoryBus::open("al", path).expect("open the journal")
    }

    /// Opens `path` again once the previous bus's writer has let go of the file.
    async fn reopen(path: &Path) -> MemoryBus {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || open(&path))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn unacked_events_come_back_after_a_restart_and_acked_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.db");
        let events: Vec<Event> = (0..6).map(|i| task_event("b1", &format!("r{i}"))).collect();
        {
            let bus = open(&path);
            for e in &events {
                bus.publish(e).await.unwrap();
            }
            let mut sub = bus.subscribe(spec("crm", ">")).await.unwrap();
            // 0 and 2 acked; 1 and 3 delivered but not acked when the process stops.
            let mut held = Vec::new();
            for e in events.iter().take(4) {
                let d = next(&mut sub).await;
                assert_eq!(d.event.id, e.id);
                held.push(d);
            }
            for (i, d) in held.into_iter().enumerate() {
                if i % 2 == 0 {
                    d.ack().await.unwrap();
                }
            }
        }
        let bus = reopen(&path).await;
        let mut sub = bus.subscribe(spec("crm", ">")).await.unwrap();
        for i in [1, 3, 4, 5] {
            let d = next(&mut sub).await;
            assert_eq!(d.event.id, events[i].id, "event {i}");
            assert_eq!(d.subject, "b1.task.created");
            d.ack().await.unwrap();
        }
        nothing_within(&mut sub, Duration::from_millis(300)).await;
        // A re-publication of a stored id is still recognised.
        bus.publish(&events[0]).await.unwrap();
        nothing_within(&mut sub, Duration::from_millis(300)).await;
        // A consumer the journal never saw starts from the oldest retained event.
        let mut other = bus.subscribe(spec("other", ">")).await.unwrap();
        assert_eq!(next(&mut other).await.event.id, events[0].id);
    }

    #[tokio::test]
    async fn everything_acked_before_a_restart_stays_acked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.db");
        {
            let bus = open(&path);
            let mut sub = bus.subscribe(spec("crm", "*.task.>")).await.unwrap();
            for i in 0..50 {
                bus.publish(&task_event("b1", &format!("a{i}")))
                    .await
                    .unwrap();
                // Events the consumer's filter skips must not hold it back either.
                bus.publish(&wa_event("b1")).await.unwrap();
            }
            for _ in 0..50 {
                next(&mut sub).await.ack().await.unwrap();
            }
        }
        let bus = reopen(&path).await;
        let mut sub = bus.subscribe(spec("crm", "*.task.>")).await.unwrap();
        nothing_within(&mut sub, Duration::from_millis(500)).await;
        let late = task_event("b1", "after the restart");
        bus.publish(&late).await.unwrap();
        assert_eq!(next(&mut sub).await.event.id, late.id);
    }

    #[tokio::test]
    async fn concurrent_publishes_are_all_stored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.db");
        let events: Vec<Event> = (0..200)
            .map(|i| task_event("b1", &format!("c{i}")))
            .collect();
        {
            let bus = std::sync::Arc::new(open(&path));
            futures::stream::iter(events.clone())
                .map(|e| {
                    let bus = bus.clone();
                    async move { bus.publish(&e).await.unwrap() }
                })
                .buffer_unordered(32)
                .collect::<Vec<()>>()
                .await;
        }
        let bus = reopen(&path).await;
        let mut sub = bus.subscribe(spec("crm", ">")).await.unwrap();
        let mut got = HashSet::new();
        for _ in 0..events.len() {
            let d = next(&mut sub).await;
            got.insert(d.event.id.clone());
            d.ack().await.unwrap();
        }
        let expected: HashSet<String> = events.iter().map(|e| e.id.clone()).collect();
        assert_eq!(got, expected);
        nothing_within(&mut sub, Duration::from_millis(300)).await;
    }

    #[tokio::test]
    async fn a_second_process_on_the_same_journal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.db");
        let bus = open(&path);
        bus.publish(&task_event("b1", "x")).await.unwrap();
        let second = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || MemoryBus::open("al", &path))
                .await
                .unwrap()
        };
        let err = second.expect_err("the journal is in use");
        assert!(err.to_string().contains("another"), "{err}");
        bus.check().await.unwrap();
    }
}
