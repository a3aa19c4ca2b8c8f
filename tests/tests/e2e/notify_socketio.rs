//! Live notifications end to end: a stock socket.io-client connects through the GATEWAY's origin
//! (`/socket.io/`, proxied to notify-svc) with a sign-in token; a task created through the REST
//! API and due a second later arrives as exactly one `task:due` on that business's client and
//! on no other business's client; a call's turns arrive live with the caller's number and are
//! not pushed; bad and expired tokens are refused.

use agentlocator_common::{
    bus::{EventBus, NatsBus},
    jwt::{Claims, Role, TokenKeys},
};
use agentlocator_proto::v1::{CallEvent, CallEventKind, event::Payload};
use agentlocator_tests::{
    Api, Bus, Db, TestStack, nats_url,
    socketio::{SocketIoClient, Transports},
};
use serde_json::json;
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers};

/// Failure bound for a connection to come up.
const CONNECT_WAIT: Duration = Duration::from_secs(10);
/// Failure bound for the `task:due` of a task due in one second (scheduler pass + relay + fan-out).
const DUE_WAIT: Duration = Duration::from_secs(3);
/// How long after the first `task:due` the clients are watched for anything else: longer than
/// two scheduler passes, so a second announcement of the same task would show.
const QUIET_WAIT: Duration = Duration::from_secs(3);

async fn a_due_task_reaches_its_business_only(db: Db, bus: Bus, transports: Transports) {
    let stack = TestStack::start(db, bus).await;
    let crm = stack.db().await;
    let a = crm_svc::test_support::create_business(&crm, "עסק א").await;
    let b = crm_svc::test_support::create_business(&crm, "עסק ב").await;
    let token_a = stack.sign_in(a.id.as_str(), "agent").await;
    let token_b = stack.sign_in(b.id.as_str(), "agent").await;

    let mut client_a = SocketIoClient::start(&stack.http, Some(&token_a), transports);
    let mut client_b = SocketIoClient::start(&stack.http, Some(&token_b), transports);
    let mut expected = vec!["connect"];
    if transports == Transports::PollingThenWebSocket {
        // The default client upgrades the polling session to a WebSocket through the proxy
        // (before or after the namespace connect, as timing has it).
        expected.push("upgrade");
    }
    for kind in client_a.expect_all(&expected, CONNECT_WAIT).await {
        if kind["type"] == "upgrade" {
            assert_eq!(kind["transport"], "websocket");
        }
    }
    client_b.expect("connect", CONNECT_WAIT).await;

    let due_at = chrono::Utc::now() + chrono::Duration::seconds(1);
    let (status, task) = Api::new(&stack, Some(token_a.clone()))
        .post(
            "/api/tasks",
            json!({"title": "להתקשר ללקוח", "due_at": due_at.to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    let task_id = task["id"].as_str().unwrap().to_string();

    let first = client_a.expect("event", DUE_WAIT).await;
    assert_eq!(first["event"], "task:due", "{first}");
    assert_eq!(first["data"]["task_id"], task_id.as_str());
    assert_eq!(first["data"]["title"], "להתקשר ללקוח");
    assert_eq!(first["data"]["customer_id"], serde_json::Value::Null);
    assert!(first["data"]["due_at"].is_string(), "{first}");

    let more_a = client_a.events_within(QUIET_WAIT).await;
    assert!(
        !more_a.iter().any(|e| e["event"] == "task:due"),
        "task:due arrived more than once: {more_a:?}"
    );
    let seen_b = client_b.events_within(Duration::from_millis(200)).await;
    assert!(
        seen_b.is_empty(),
        "another business's client got {seen_b:?}"
    );

    client_a.close().await;
    client_b.close().await;
    stack.stop().await.expect("stack stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_task_reaches_its_business_only_sqlite_memory() {
    a_due_task_reaches_its_business_only(Db::Sqlite, Bus::Memory, Transports::PollingThenWebSocket)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_task_reaches_its_business_only_postgres_nats_websocket() {
    a_due_task_reaches_its_business_only(Db::Postgres, Bus::Nats, Transports::WebSocket).await;
}

/// Counts pushes (the decryption and signature checks are notify_webpush's).
struct PushCounter(Arc<AtomicUsize>);

impl Respond for PushCounter {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(201)
    }
}

/// The next event that is not the inbox's `inbox:updated` (crm-svc files each call event into
/// the call's inbox conversation, which announces itself too, in its own time).
async fn next_call_event(client: &mut SocketIoClient) -> serde_json::Value {
    loop {
        let got = client.expect("event", CONNECT_WAIT).await;
        if got["event"] != "inbox:updated" {
            return got;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calls_turns_arrive_live_with_the_callers_number_and_are_not_pushed() {
    let stack = TestStack::start(Db::Postgres, Bus::Nats).await;
    let crm = stack.db().await;
    let business = crm_svc::test_support::create_business(&crm, "עסק").await;
    let business_id = business.id.as_str().to_string();
    let token = stack.sign_in(&business_id, "agent").await;
    let mut client = SocketIoClient::start(&stack.http, Some(&token), Transports::WebSocket);
    client.expect("connect", CONNECT_WAIT).await;

    // A browser subscribed to Web Push.
    let pushes = Arc::new(AtomicUsize::new(0));
    let push_service = MockServer::start().await;
    Mock::given(matchers::method("POST"))
        .respond_with(PushCounter(pushes.clone()))
        .mount(&push_service)
        .await;
    let (browser, auth) = ece::generate_keypair_and_auth_secret().unwrap();
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let (status, body) = Api::new(&stack, Some(token.clone()))
        .post(
            "/api/push/subscribe",
            json!({"endpoint": format!("{}/push/1", push_service.uri()),
                   "keys": {"p256dh": b64(&browser.pub_as_raw().unwrap()), "auth": b64(&auth)}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // voice-svc's events of one turn of an inbound call: no customer yet, the caller's number.
    let bus = NatsBus::connect(&nats_url(), &stack.env.nats_root)
        .await
        .expect("NATS");
    let call = |kind: CallEventKind| {
        agentlocator_proto::new_event(
            &business_id,
            Payload::Call(CallEvent {
                kind: kind as i32,
                call_sid: "CA-live-1".into(),
                direction: "inbound".into(),
                from_number: "+972501112233".into(),
                to_number: "+97235550199".into(),
                status: "in-progress".into(),
                transcript: "מתי אתם פתוחים?".into(),
                ai_reply: "א׳-ה׳ 9:00-18:00".into(),
                ..Default::default()
            }),
        )
    };
    bus.publish(&call(CallEventKind::Answered)).await.unwrap();
    let got = next_call_event(&mut client).await;
    assert_eq!(got["event"], "call:answered", "{got}");
    assert_eq!(
        got["data"],
        json!({"call_id": "CA-live-1", "customer_id": null, "from": "+972501112233",
               "text": "מתי אתם פתוחים?", "reply": "א׳-ה׳ 9:00-18:00"})
    );

    // The incoming call after it is pushed: once it has been, the turn before it would have been
    // too (one consumer, in order).
    bus.publish(&call(CallEventKind::Started)).await.unwrap();
    assert_eq!(next_call_event(&mut client).await["event"], "call:incoming");
    let deadline = tokio::time::Instant::now() + CONNECT_WAIT;
    while pushes.load(Ordering::SeqCst) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no push for the incoming call"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        pushes.load(Ordering::SeqCst),
        1,
        "only the incoming call is pushed"
    );

    client.close().await;
    stack.stop().await.expect("stack stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_missing_and_expired_tokens_are_refused() {
    let stack = TestStack::start(Db::Sqlite, Bus::Memory).await;
    let business = stack.demo_business().await;
    let keys = TokenKeys::signing_from_config(&stack.config).unwrap();
    let mut expired = Claims::new("u1", &business, Role::Agent);
    expired.iat -= 7200;
    expired.exp = expired.iat + 60;
    let expired = keys.sign(&expired).unwrap();
    let other_key = TokenKeys::hs256(&[7u8; 32])
        .issue("u1", &business, Role::Agent)
        .unwrap();
    for (token, message) in [
        (Some("not-a-jwt"), "unauthorized: invalid token"),
        (Some(other_key.as_str()), "unauthorized: invalid token"),
        (
            Some(expired.as_str()),
            "unauthorized: the sign-in has expired",
        ),
        (None, "unauthorized: no token"),
    ] {
        for transports in [Transports::PollingThenWebSocket, Transports::WebSocket] {
            let mut client = SocketIoClient::start(&stack.http, token, transports);
            let refused = client.expect("connect_error", CONNECT_WAIT).await;
            assert_eq!(refused["message"], message, "{token:?} over {transports:?}");
            client.close().await;
        }
    }
    stack.stop().await.expect("stack stops cleanly");
}
