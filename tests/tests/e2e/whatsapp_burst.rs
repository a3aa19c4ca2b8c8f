//! A burst of 1,000 inbound WhatsApp messages with the whole stack restarted in the middle (on
//! PostgreSQL + NATS JetStream, where events outlive the process): the sidecar re-sends what it is
//! unsure of, as it does after a restart, and every message is stored exactly once.

use agentlocator_tests::{
    Bus, Db, TestEnv, TestStack, count_whatsapp_messages, distinct_whatsapp_ids, sidecar_envelope,
    wait_for_count,
};
use futures::{StreamExt, stream};
use std::time::Duration;

const SECRET: &str = "bridge-secret-for-tests-0123456789";
const TOTAL: usize = 1_000;

/// Posts messages `range` with a few in flight at once; every post must be accepted.
async fn post_all(stack: &TestStack, business: &str, range: std::ops::Range<usize>) {
    let client = reqwest::Client::new();
    let url = stack.url("/webhook/whatsapp_incoming");
    stream::iter(range)
        .map(|n| {
            let (client, url) = (client.clone(), url.clone());
            let body = sidecar_envelope(business, "BURST", n);
            async move {
                let res = client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("x-bridge-secret", SECRET)
                    .body(body)
                    .send()
                    .await
                    .expect("post");
                assert_eq!(res.status(), 202, "message {n}");
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
}

fn env_with(vars: std::collections::HashMap<String, String>, nats_root: String) -> TestEnv {
    let dir = tempfile::tempdir().unwrap();
    let mut vars = vars;
    vars.insert("DATA_DIR".into(), dir.path().display().to_string());
    TestEnv {
        vars,
        dir,
        nats_root,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_with_a_restart_stores_each_message_once() {
    let mut env = TestEnv::new(Db::Postgres, Bus::Nats);
    env.vars.insert("WA_BRIDGE_SECRET".into(), SECRET.into());
    let (vars, root) = (env.vars.clone(), env.nats_root.clone());
    let stack = TestStack::start_in(env).await;
    agentlocator::demo(&stack.config).await.unwrap();
    let business = stack.demo_business().await;
    let db = stack.db().await;
    let before = count_whatsapp_messages(&db, &business).await;

    // The first 600 go in; the stack stops while crm-svc is still working through them.
    post_all(&stack, &business, 0..600).await;
    stack.stop().await.unwrap();

    // Restarted on the same database and stream; the sidecar re-sends the last 100 it was unsure
    // of, then the rest.
    let stack = TestStack::start_in(env_with(vars, root)).await;
    post_all(&stack, &business, 500..TOTAL).await;

    let expected = before + TOTAL as i64;
    let got = wait_for_count(expected, Duration::from_secs(180), || {
        let (db, business) = (db.clone(), business.clone());
        async move { count_whatsapp_messages(&db, &business).await }
    })
    .await;
    assert_eq!(got, expected, "every message stored");
    // Nothing more arrives later (duplicates would show up as extra rows).
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        count_whatsapp_messages(&db, &business).await,
        expected,
        "and stored once"
    );
    assert_eq!(
        distinct_whatsapp_ids(&db, &business).await,
        expected,
        "one row per WhatsApp message id"
    );
    stack.stop().await.unwrap();
}
