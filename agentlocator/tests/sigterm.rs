//! The real binary under a real signal: `agentlocator up` on PostgreSQL + NATS JetStream is sent
//! SIGTERM while it is storing a backlog of events. It must exit 0, and after a restart every
//! event is stored exactly once — an acknowledged event is never lost, an unacknowledged one is
//! redelivered, and a redelivered one is not stored twice.

use agentlocator_common::bus::{EventBus, NatsBus};
use agentlocator_tests::{
    Bus, Db, TestEnv, count_whatsapp_messages, distinct_whatsapp_ids, nats_url, process,
    wait_for_count, whatsapp_received,
};
use std::{process::Child, time::Duration};

const N: usize = 2_000;

fn spawn_up(env: &TestEnv) -> Child {
    process::spawn_up(env!("CARGO_BIN_EXE_agentlocator"), env).0
}

async fn wait_exit(mut child: Child, timeout: Duration) -> std::process::ExitStatus {
    process::wait_exit(&mut child, timeout).await
}

#[tokio::test]
async fn sigterm_mid_backlog_exits_0_and_loses_nothing_postgres_nats() {
    let env = TestEnv::new(Db::Postgres, Bus::Nats);
    let db = crm_svc::test_support::connect(env.config().database.url()).await;
    let business = crm_svc::test_support::create_business(&db, "עסק בדיקה").await;
    let business_id = business.id.as_str().to_string();
    let bus = NatsBus::connect(&nats_url(), &env.nats_root)
        .await
        .expect("NATS");
    for n in 0..N {
        bus.publish(&whatsapp_received(&business_id, n))
            .await
            .unwrap();
    }

    let child = spawn_up(&env);
    // Let it work through part of the backlog, then stop it mid-way.
    let started = wait_for_count(50, Duration::from_secs(60), || {
        count_whatsapp_messages(&db, &business_id)
    })
    .await;
    assert!(
        started >= 50,
        "the stack did not start consuming ({started} stored)"
    );
    process::signal(&child, "TERM");
    let status = wait_exit(child, Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
    let at_stop = count_whatsapp_messages(&db, &business_id).await;
    assert!(
        at_stop < N as i64,
        "stopped mid-backlog (stored {at_stop} of {N}); raise N if this machine is that fast"
    );

    // Restart: the rest arrives, nothing twice.
    let child = spawn_up(&env);
    let n = wait_for_count(N as i64, Duration::from_secs(120), || {
        count_whatsapp_messages(&db, &business_id)
    })
    .await;
    process::signal(&child, "TERM");
    let status = wait_exit(child, Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
    assert_eq!(n, N as i64, "every event stored after restart");
    assert_eq!(count_whatsapp_messages(&db, &business_id).await, N as i64);
    assert_eq!(distinct_whatsapp_ids(&db, &business_id).await, N as i64);
}
