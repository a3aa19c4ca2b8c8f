//! Failed sign-ins are throttled per (email, client address) and per address: 429
//! `too_many_attempts` with `Retry-After`; a success clears the account's count.

use agentlocator_tests::{Bus, Db, TEST_PASSWORD, TestStack};
use serde_json::{Value, json};

/// Signs in as `email` with `password` from `client` (the test talks to the gateway over loopback,
/// i.e. as a proxy would, so the client is the `X-Forwarded-For` address).
async fn login(
    stack: &TestStack,
    client: &str,
    email: &str,
    password: &str,
) -> (u16, Option<u64>, Value) {
    let res = reqwest::Client::new()
        .post(stack.url("/api/auth/login"))
        .header("x-forwarded-for", format!("198.51.100.200, {client}"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login request");
    let status = res.status().as_u16();
    let retry_after = res.headers().get("retry-after").map(|v| {
        v.to_str()
            .unwrap()
            .parse::<u64>()
            .expect("Retry-After seconds")
    });
    (status, retry_after, res.json().await.expect("JSON body"))
}

async fn failed_logins_are_throttled(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    let business = stack.demo_business().await;
    let dana = stack.new_user(&business, "agent").await;
    let a = "203.0.113.10";

    // Four failures, then a success: the count starts again.
    for _ in 0..4 {
        assert_eq!(login(&stack, a, &dana, "wrong").await.0, 401);
    }
    let (s, _, body) = login(&stack, a, &dana, TEST_PASSWORD).await;
    assert_eq!(s, 200, "{body}");

    // Five failures lock (dana, a): even the right password is refused, with Retry-After.
    for _ in 0..5 {
        assert_eq!(login(&stack, a, &dana, "wrong").await.0, 401);
    }
    let (s, retry_after, body) = login(&stack, a, &dana, TEST_PASSWORD).await;
    assert_eq!(s, 429, "{body}");
    assert_eq!(body["error"], "too_many_attempts");
    let retry_after = retry_after.expect("Retry-After");
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    assert_eq!(body["retry_after"], retry_after);
    // The email in another case is the same account.
    assert_eq!(
        login(&stack, a, &dana.to_uppercase(), TEST_PASSWORD)
            .await
            .0,
        429
    );
    // Another address is not locked for dana, and other accounts still sign in from `a`.
    assert_eq!(
        login(&stack, "203.0.113.11", &dana, TEST_PASSWORD).await.0,
        200
    );
    let ron = stack.new_user(&business, "agent").await;
    assert_eq!(login(&stack, a, &ron, TEST_PASSWORD).await.0, 200);

    // One address sweeping many emails is locked as a whole after 30 failures. (Every request
    // here also carries the same spoofed left-hand X-Forwarded-For entry, which is ignored:
    // otherwise all of them would be one address.)
    let b = "203.0.113.20";
    for i in 0..30 {
        let (s, _, body) = login(&stack, b, &format!("guess{i}@test.local"), "x").await;
        assert_eq!(s, 401, "attempt {i}: {body}");
    }
    let (s, _, body) = login(&stack, b, &ron, TEST_PASSWORD).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (429, Some("too_many_attempts"))
    );

    // Validation errors are not counted as failures.
    for _ in 0..10 {
        assert_eq!(login(&stack, "203.0.113.30", &ron, "").await.0, 422);
    }
    assert_eq!(
        login(&stack, "203.0.113.30", &ron, TEST_PASSWORD).await.0,
        200
    );
    stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn failed_logins_are_throttled_sqlite() {
    failed_logins_are_throttled(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn failed_logins_are_throttled_postgres_nats() {
    failed_logins_are_throttled(Db::Postgres, Bus::Nats).await;
}
