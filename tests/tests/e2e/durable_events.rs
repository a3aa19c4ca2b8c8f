//! Events survive a stopped consumer: 1,000 WhatsApp messages published to NATS JetStream while
//! crm-svc is down are all stored exactly once after it starts — including re-publications of
//! the same event and retries that carry the same provider message id under a new event id.

use agentlocator_common::bus::{EventBus, NatsBus};
use agentlocator_tests::{
    Bus, Db, TestEnv, count_whatsapp_messages, distinct_whatsapp_ids, nats_url, wait_for_count,
    whatsapp_received,
};
use std::{sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;

const N: usize = 1_000;

async fn run_crm(
    db: crm_svc::Db,
    bus: Arc<NatsBus>,
) -> (
    CancellationToken,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let stop = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = tokio::spawn(crm_svc::run(
        db,
        bus,
        listener,
        crm_svc::Settings::default(),
        stop.clone(),
    ));
    (stop, handle)
}

#[tokio::test]
async fn events_published_while_crm_is_stopped_are_stored_exactly_once_postgres_nats() {
    let env = TestEnv::new(Db::Postgres, Bus::Nats);
    let config = env.config();
    let db = crm_svc::test_support::connect(config.database.url()).await;
    let business = crm_svc::test_support::create_business(&db, "עסק בדיקה").await;
    let business_id = business.id.as_str().to_string();
    let bus = Arc::new(
        NatsBus::connect(&nats_url(), &env.nats_root)
            .await
            .expect("NATS"),
    );

    // crm-svc has run once (its durable consumer exists), then stops.
    let (stop, handle) = run_crm(db.clone(), bus.clone()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.cancel();
    handle.await.unwrap().expect("crm-svc stops cleanly");

    // While it is down: 1,000 messages, 100 of them published twice with the same event id,
    // and 50 sender retries (same provider message id, new event id).
    let events: Vec<_> = (0..N).map(|n| whatsapp_received(&business_id, n)).collect();
    for e in &events {
        bus.publish(e).await.unwrap();
    }
    for e in events.iter().take(100) {
        bus.publish(e).await.unwrap();
    }
    for n in 0..50 {
        bus.publish(&whatsapp_received(&business_id, n * 7))
            .await
            .unwrap();
    }
    assert_eq!(
        count_whatsapp_messages(&db, &business_id).await,
        0,
        "nothing stored while down"
    );

    let (stop, handle) = run_crm(db.clone(), bus.clone()).await;
    let n = wait_for_count(N as i64, Duration::from_secs(90), || {
        count_whatsapp_messages(&db, &business_id)
    })
    .await;
    assert_eq!(n, N as i64, "every message stored");
    // Let anything still in flight land, then check nothing was stored twice.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(count_whatsapp_messages(&db, &business_id).await, N as i64);
    assert_eq!(distinct_whatsapp_ids(&db, &business_id).await, N as i64);
    stop.cancel();
    handle.await.unwrap().expect("crm-svc stops cleanly");
}
