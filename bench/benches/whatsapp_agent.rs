//! The WhatsApp agent, inbound message → reply handed to the sidecar, through the whole stack
//! in-process (gateway, whatsapp-bridge, crm-svc on SQLite, speech-svc, the in-process bus), with
//! the sidecar and the model on loopback: the model answers after a fixed 300 ms.
//!
//! One message per conversation (each conversation a new customer), timed from just before the
//! sidecar's `POST /webhook/whatsapp_incoming` to the sidecar receiving the agent's reply.
//! **Our overhead** = that − the burst window − the model's 300 ms: the bridge, the bus, storing
//! the message, the scheduler's wake-up and claim, speech-svc's agent (its definition read from
//! crm-svc), the answer's transaction, the outbox relay and the bridge's send.
//!
//! 1. Sequential: `AL_BENCH_TURNS` (40) conversations one after the other.
//! 2. Concurrent: `AL_BENCH_CONCURRENT` (20) conversations writing at the same moment.
//!
//! ```sh
//! cargo bench -p agentlocator-bench --bench whatsapp_agent --profile dev
//! ```

use agentlocator_tests::{Api, Bus, Db, TestEnv, TestStack};
use serde_json::json;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path, path_regex},
};

const SECRET: &str = "bridge-secret-for-bench-0123456789";
const WINDOW: Duration = Duration::from_millis(1_000);
const MODEL: Duration = Duration::from_millis(300);
const REPLY: &str = "אנחנו פתוחים בימים ראשון עד חמישי, מתשע בבוקר ועד חמש אחר הצהריים.";

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// When the sidecar got a send, by recipient JID.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

async fn sidecar(arrivals: Arrivals) -> MockServer {
    let server = MockServer::start().await;
    let n = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path_regex(r"^/sessions/[^/]+/messages$"))
        .respond_with(move |r: &Request| {
            let at = Instant::now();
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let to = body["to"].as_str().unwrap_or_default().to_owned();
            arrivals.lock().unwrap().entry(to).or_insert(at);
            let id = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(json!({"id": format!("3EB0BENCH{id:06}")}))
        })
        .mount(&server)
        .await;
    server
}

async fn model() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(MODEL)
                .set_body_json(json!({
                    "id": "chatcmpl-bench", "object": "chat.completion",
                    "choices": [{"index": 0, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": REPLY}}]
                })),
        )
        .mount(&server)
        .await;
    server
}

fn phone(n: usize) -> String {
    format!("+97254{:07}", 2_000_000 + n)
}

fn jid(phone: &str) -> String {
    format!("{}@s.whatsapp.net", phone.trim_start_matches('+'))
}

/// Posts one inbound message of conversation `n` as the sidecar does; returns when it was sent.
async fn inbound(client: &reqwest::Client, stack: &TestStack, business: &str, n: usize) -> Instant {
    let now = chrono::Utc::now();
    let body = json!({"id": format!("bench-env-{n}"), "business_id": business,
        "event": "messages.upsert", "occurred_at": now.to_rfc3339(),
        "data": {"type": "notify", "messages": [{
            "key": {"remoteJid": jid(&phone(n)), "fromMe": false, "id": format!("3EB0IN{n:06}")},
            "message": {"conversation": "מה שעות הפתיחה שלכם?"},
            "messageTimestamp": now.timestamp(), "pushName": "לקוח"}]}})
    .to_string();
    let started = Instant::now();
    let res = client
        .post(stack.url("/webhook/whatsapp_incoming"))
        .header("content-type", "application/json")
        .header("x-bridge-secret", SECRET)
        .body(body)
        .send()
        .await
        .expect("inbound");
    assert_eq!(res.status(), 202);
    started
}

/// Waits for conversation `n`'s reply; its overhead beyond the window and the model.
async fn overhead(arrivals: &Arrivals, n: usize, sent: Instant) -> Duration {
    let to = jid(&phone(n));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(at) = arrivals.lock().unwrap().get(&to) {
            return (*at - sent).saturating_sub(WINDOW + MODEL);
        }
        assert!(Instant::now() < deadline, "no reply to conversation {n}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn report(label: &str, mut xs: Vec<Duration>) {
    xs.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    let at = |q: f64| xs[((xs.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{label}: n={} p50={:.1} ms p99={:.1} ms max={:.1} ms",
        xs.len(),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(*xs.last().unwrap())
    );
}

#[tokio::main]
async fn main() {
    let turns = env_num("AL_BENCH_TURNS", 40);
    let concurrent = env_num("AL_BENCH_CONCURRENT", 20);
    let arrivals: Arrivals = Arc::default();
    let sidecar = sidecar(arrivals.clone()).await;
    let model = model().await;
    let mut env = TestEnv::new(Db::Sqlite, Bus::Memory);
    for (k, v) in [
        ("WA_BRIDGE_SECRET", SECRET.to_string()),
        ("WA_SIDECAR_URL", sidecar.uri()),
        ("LLM_ENGINE", "openai".to_string()),
        ("OPENAI_BASE_URL", model.uri()),
        ("WHATSAPP_AGENT_BURST_MS", WINDOW.as_millis().to_string()),
        ("RUST_LOG", "warn".to_string()),
    ] {
        env.vars.insert(k.into(), v);
    }
    let stack = TestStack::start_in(env).await;
    let business = stack.demo_business().await;
    let owner = Api::new(&stack, Some(stack.sign_in(&business, "owner").await));
    let (s, d) = owner
        .put(
            "/api/business/agent",
            json!({"persona": "", "instructions": "", "allowed_actions": [],
                   "whatsapp_agent_enabled": true, "staff_silence_minutes": 30,
                   "handoff_phone": "", "appointment_minutes": 30}),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    let client = reqwest::Client::new();

    // Warm-up: connections, the first customer, prepared statements.
    let sent = inbound(&client, &stack, &business, 0).await;
    overhead(&arrivals, 0, sent).await;

    let mut sequential = Vec::with_capacity(turns);
    for n in 1..=turns {
        let sent = inbound(&client, &stack, &business, n).await;
        sequential.push(overhead(&arrivals, n, sent).await);
    }
    report("sequential", sequential);

    let first = turns + 1;
    let sent: Vec<(usize, Instant)> =
        futures::future::join_all((first..first + concurrent).map(|n| {
            let (client, stack, business) = (&client, &stack, &business);
            async move { (n, inbound(client, stack, business, n).await) }
        }))
        .await;
    let mut together = Vec::with_capacity(concurrent);
    for (n, at) in sent {
        together.push(overhead(&arrivals, n, at).await);
    }
    report(&format!("{concurrent} at once"), together);
    stack.stop().await.expect("clean stop");
}
