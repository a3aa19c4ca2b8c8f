//! Two crm-svc replicas on one PostgreSQL and one NATS JetStream share the durable consumer:
//! 1,000 WhatsApp messages (100 of them published twice) from a handful of new senders are stored
//! exactly once in total, each sender becomes exactly one customer announced once, although both
//! replicas race to create the same customers.

use agentlocator_common::bus::{EventBus, NatsBus};
use agentlocator_tests::{
    Bus, Db, TestEnv, count_whatsapp_messages, distinct_whatsapp_ids, nats_url, wait_for_count,
    whatsapp_received,
};
use diesel::prelude::*;
use std::{sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;

const N: usize = 1_000;
/// `whatsapp_received` spreads its senders over seven phone numbers.
const SENDERS: i64 = 7;

/// One replica: its own connection pool and its own NATS connection, as a separate pod has.
async fn replica(
    env: &TestEnv,
    stop: &CancellationToken,
) -> tokio::task::JoinHandle<anyhow::Result<()>> {
    let db = crm_svc::test_support::connect(env.config().database.url()).await;
    let bus = Arc::new(
        NatsBus::connect(&nats_url(), &env.nats_root)
            .await
            .expect("NATS"),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    tokio::spawn(crm_svc::run(
        db,
        bus,
        listener,
        crm_svc::Settings::default(),
        stop.clone(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_store_every_event_exactly_once_postgres_nats() {
    let env = TestEnv::new(Db::Postgres, Bus::Nats);
    let db = crm_svc::test_support::connect(env.config().database.url()).await;
    let business = crm_svc::test_support::create_business(&db, "עסק בדיקה").await;
    let business_id = business.id.as_str().to_string();

    let stop = CancellationToken::new();
    let (a, b) = (replica(&env, &stop).await, replica(&env, &stop).await);

    let publisher = NatsBus::connect(&nats_url(), &env.nats_root)
        .await
        .expect("NATS");
    let events: Vec<_> = (0..N).map(|n| whatsapp_received(&business_id, n)).collect();
    for e in events.iter().chain(events.iter().take(100)) {
        publisher.publish(e).await.unwrap();
    }

    let n = wait_for_count(N as i64, Duration::from_secs(120), || {
        count_whatsapp_messages(&db, &business_id)
    })
    .await;
    assert_eq!(n, N as i64, "every message stored");
    // Let anything still in flight land, then check nothing was stored or announced twice.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(count_whatsapp_messages(&db, &business_id).await, N as i64);
    assert_eq!(distinct_whatsapp_ids(&db, &business_id).await, N as i64);

    let bid = business_id.clone();
    let (customers, announced, processed) = db
        .run(move |conn| {
            use crm_svc::schema::{customers, outbox, processed_events};
            let customers: i64 = customers::table
                .filter(customers::business_id.eq(&bid))
                .count()
                .get_result(conn)?;
            let announced: i64 = outbox::table
                .filter(outbox::subject.like("%.customer.created"))
                .count()
                .get_result(conn)?;
            let processed: i64 = processed_events::table
                .filter(processed_events::consumer.eq(crm_svc::event_consumer::CONSUMER_NAME))
                .count()
                .get_result(conn)?;
            Ok((customers, announced, processed))
        })
        .await
        .unwrap();
    assert_eq!(customers, SENDERS, "one customer per sender");
    assert_eq!(announced, SENDERS, "each new customer announced once");
    assert_eq!(processed, N as i64, "each event id handled once");

    stop.cancel();
    a.await.unwrap().expect("replica A stops cleanly");
    b.await.unwrap().expect("replica B stops cleanly");
}
