//! Hardening seen from outside, through the gateway of a whole stack: NUL characters are a 422
//! naming the field (PostgreSQL cannot store them) and a WhatsApp message holding one is stored
//! without it; request times outside 2000–2100 are a 422; `X-Forwarded-For` is believed only
//! from `TRUSTED_PROXIES` (the signer's address); one account guessed from ever new addresses is
//! spaced out while its owner still signs in from an address of theirs.

use agentlocator_tests::{
    Api, Bus, Db, TEST_PASSWORD, TestEnv, TestStack, count_whatsapp_messages, wait_for_count,
};
use serde_json::{Value, json};
use std::time::Duration;

#[track_caller]
fn assert_invalid((status, body): (u16, Value), field: &str) {
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "validation_error", "{body}");
    assert_eq!(body["field"], field, "{body}");
}

async fn nul_and_out_of_range_times_are_refused(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    let business = stack.demo_business().await;
    let api = Api::new(&stack, Some(stack.sign_in(&business, "agent").await));

    assert_invalid(
        api.post(
            "/api/crm/customers",
            json!({"name": "דנה\u{0}", "phone": "050-123-9876"}),
        )
        .await,
        "name",
    );
    assert_invalid(api.get("/api/crm/customers?q=%00").await, "q");
    let (s, c) = api
        .post(
            "/api/crm/customers",
            json!({"name": "דנה", "phone": "050-123-9876"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let customer = c["id"].as_str().unwrap().to_string();
    assert_invalid(
        api.patch(
            &format!("/api/crm/customers/{customer}"),
            json!({"notes": "a\u{0}b"}),
        )
        .await,
        "notes",
    );
    assert_invalid(
        api.post(
            "/api/invoices",
            json!({"customer_id": customer, "items": [
                {"description": "ok", "quantity": 1, "unit_price_agorot": 100},
                {"description": "\u{0}", "quantity": 1, "unit_price_agorot": 100}]}),
        )
        .await,
        "items[1].description",
    );
    let (_, stored) = api.get(&format!("/api/crm/customers/{customer}")).await;
    assert_eq!(stored["notes"], "", "{stored}");

    // Times: years 2000–2100 only, named in the answer.
    assert_invalid(
        api.post(
            "/api/tasks",
            json!({"title": "x", "due_at": "0001-01-01T00:00:00Z"}),
        )
        .await,
        "due_at",
    );
    assert_invalid(
        api.post(
            "/api/appointments",
            json!({"title": "x", "starts_at": "9999-12-31T09:00:00Z", "ends_at": "9999-12-31T10:00:00Z"}),
        )
        .await,
        "starts_at",
    );
    let (s, t) = api
        .post(
            "/api/tasks",
            json!({"title": "x", "due_at": "2030-01-01T09:00:00Z"}),
        )
        .await;
    assert_eq!(s, 201, "{t}");
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_and_out_of_range_times_are_refused_sqlite() {
    nul_and_out_of_range_times_are_refused(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_and_out_of_range_times_are_refused_postgres_nats() {
    nul_and_out_of_range_times_are_refused(Db::Postgres, Bus::Nats).await;
}

const BRIDGE_SECRET: &str = "bridge-secret-for-tests-0123456789";

/// A customer's WhatsApp message with a NUL in it is stored, without the NUL, on PostgreSQL (it
/// used to be retried by the CRM's consumer forever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whatsapp_message_with_nul_is_stored_without_it_postgres_nats() {
    let mut env = TestEnv::new(Db::Postgres, Bus::Nats);
    env.vars
        .insert("WA_BRIDGE_SECRET".into(), BRIDGE_SECRET.into());
    let stack = TestStack::start_in(env).await;
    let business = stack.demo_business().await;
    let api = Api::new(&stack, Some(stack.sign_in(&business, "agent").await));
    let crm = stack.db().await;
    let count = || {
        let (crm, business) = (crm.clone(), business.clone());
        async move { count_whatsapp_messages(&crm, &business).await }
    };
    let before = count().await;
    let upsert = json!({"id": "env-nul", "business_id": business, "event": "messages.upsert",
        "occurred_at": "2026-11-24T08:00:00.000Z",
        "data": {"type": "notify", "messages": [
            {"key": {"remoteJid": "972547770091@s.whatsapp.net", "fromMe": false, "id": "WA-NUL-1"},
             "message": {"conversation": "שלום\u{0}עולם"}, "messageTimestamp": 1764000000}]}});
    let res = reqwest::Client::new()
        .post(stack.url("/webhook/whatsapp_incoming"))
        .header("x-bridge-secret", BRIDGE_SECRET)
        .json(&upsert)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    assert_eq!(
        wait_for_count(before + 1, Duration::from_secs(10), count).await,
        before + 1
    );
    let (_, page) = api.get("/api/crm/customers?q=054-777-0091").await;
    let customer = page["items"][0]["id"].as_str().expect("lead").to_string();
    let (_, thread) = api
        .get(&format!("/api/customers/{customer}/whatsapp"))
        .await;
    assert_eq!(thread["items"][0]["body"], "שלוםעולם", "{thread}");
    stack.stop().await.unwrap();
}

/// A 1×1 PNG.
const PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

/// With no trusted proxy, a signer's `X-Forwarded-For` is ignored: the signer is the peer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signers_address_is_the_peer_unless_it_is_a_trusted_proxy() {
    let mut env = TestEnv::new(Db::Sqlite, Bus::Memory);
    env.vars.insert("TRUSTED_PROXIES".into(), "none".into());
    let stack = TestStack::start_in(env).await;
    let business = stack.demo_business().await;
    let api = Api::new(&stack, Some(stack.sign_in(&business, "agent").await));
    let (_, c) = api
        .post(
            "/api/crm/customers",
            json!({"name": "שירה", "phone": "058-123-4567"}),
        )
        .await;
    let (s, contract) = api
        .post(
            "/api/contracts",
            json!({"customer_id": c["id"], "title": "הסכם", "body": "גוף"}),
        )
        .await;
    assert_eq!(s, 201, "{contract}");
    let contract = contract["id"].as_str().unwrap();
    let (s, link) = api
        .post(
            &format!("/api/contracts/{contract}/signature-link"),
            json!({}),
        )
        .await;
    assert_eq!(s, 201, "{link}");
    let signing = format!("/api/public/signatures/{}", link["token"].as_str().unwrap());
    // The signer signs what the signing page showed them.
    let (s, shown) = Api::new(&stack, None).get(&signing).await;
    assert_eq!(s, 200, "{shown}");
    let res = reqwest::Client::new()
        .post(stack.url(&signing))
        .header("x-forwarded-for", "203.0.113.9")
        .json(
            &json!({"signer_name": "שירה", "image_png_base64": PNG_BASE64,
            "document_sha256": shown["document_sha256"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let receipt: Value = res.json().await.unwrap();
    let stored = crm_svc::signatures::get(
        &stack.db().await,
        &business.as_str().into(),
        &receipt["signature_id"].as_str().unwrap().into(),
    )
    .await
    .unwrap();
    assert_eq!(stored.signer_ip.as_deref(), Some("127.0.0.1"));
    stack.stop().await.unwrap();
}

async fn login(stack: &TestStack, client: &str, email: &str, password: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(stack.url("/api/auth/login"))
        .header("x-forwarded-for", client)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// Rotating `X-Forwarded-For` (behind a trusting proxy: here loopback) no longer gives unlimited
/// guesses at one account, and the owner's own address still signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_one_account_from_new_addresses_is_spaced_out_but_the_owner_signs_in() {
    let stack = TestStack::start(Db::Sqlite, Bus::Memory).await;
    let business = stack.demo_business().await;
    let email = stack.new_user(&business, "owner").await;
    let home = "198.51.100.50";
    assert_eq!(login(&stack, home, &email, TEST_PASSWORD).await.0, 200);

    // Every guess from a new address: none reaches a per-address limit, yet after ten the
    // account makes everyone new wait.
    let mut failures = 0;
    let refused = loop {
        let (s, body) = login(&stack, &format!("203.0.113.{failures}"), &email, "guess").await;
        match s {
            401 => failures += 1,
            429 => break body,
            _ => panic!("{s} {body}"),
        }
        assert!(failures <= 20, "never spaced out");
    };
    assert!(failures >= 10, "{failures}");
    assert_eq!(refused["error"], "too_many_attempts");
    let (s, body) = login(&stack, "203.0.113.250", &email, TEST_PASSWORD).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (429, Some("too_many_attempts"))
    );
    // The owner's address is theirs: it signs in.
    let (s, body) = login(&stack, home, &email, TEST_PASSWORD).await;
    assert_eq!(s, 200, "{body}");
    stack.stop().await.unwrap();
}
