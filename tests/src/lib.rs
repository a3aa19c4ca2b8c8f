//! A whole AgentLocator stack for end-to-end tests: every service on a free loopback port, a fresh
//! database (SQLite file or a new PostgreSQL database) and its own event stream (in-process, or a
//! NATS JetStream stream under a unique subject root), so tests run side by side.

pub mod openai_chat;
pub mod openai_realtime;
pub mod otlp_receiver;
pub mod private_services;
pub mod process;
pub mod realtime;
pub mod socketio;
pub mod twilio;
pub mod twilio_media;

use agentlocator_common::Config;
use std::{collections::HashMap, time::Duration};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bus {
    Memory,
    Nats,
}

pub fn nats_url() -> String {
    std::env::var("AL_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

/// Environment of a test stack: loopback ports chosen by the OS, fresh storage, own stream.
pub struct TestEnv {
    pub vars: HashMap<String, String>,
    pub dir: tempfile::TempDir,
    pub nats_root: String,
}

impl TestEnv {
    pub fn new(db: Db, bus: Bus) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut vars: HashMap<String, String> = [
            ("HTTP_ADDR", "127.0.0.1:0"),
            ("CRM_SVC_GRPC_ADDR", "127.0.0.1:0"),
            ("VOICE_SVC_GRPC_ADDR", "127.0.0.1:0"),
            ("SPEECH_SVC_GRPC_ADDR", "127.0.0.1:0"),
            ("NOTIFY_SVC_GRPC_ADDR", "127.0.0.1:0"),
            ("NOTIFY_SVC_HTTP_ADDR", "127.0.0.1:0"),
            ("VOICE_SVC_MEDIA_ADDR", "127.0.0.1:0"),
            ("WHATSAPP_BRIDGE_GRPC_ADDR", "127.0.0.1:0"),
            ("PUBLIC_BASE_URL", "http://127.0.0.1:8080"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        vars.insert("DATA_DIR".into(), dir.path().display().to_string());
        let database_url = match db {
            Db::Sqlite => crm_svc::test_support::fresh_sqlite_url(&dir),
            Db::Postgres => crm_svc::test_support::fresh_postgres_url(),
        };
        vars.insert("DATABASE_URL".into(), database_url);
        let nats_root = format!("t{}", uuid::Uuid::now_v7().simple());
        if bus == Bus::Nats {
            vars.insert("NATS_URL".into(), nats_url());
            vars.insert("NATS_SUBJECT_ROOT".into(), nats_root.clone());
        }
        TestEnv {
            vars,
            dir,
            nats_root,
        }
    }

    pub fn config(&self) -> Config {
        Config::from_map(&self.vars).expect("test configuration")
    }
}

/// Password of the users [`TestStack::sign_in`] creates.
pub const TEST_PASSWORD: &str = "correct horse battery staple";

/// A running in-process stack.
pub struct TestStack {
    pub env: TestEnv,
    /// The configuration with the ports actually bound.
    pub config: Config,
    pub http: String,
    shutdown: CancellationToken,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestStack {
    pub async fn start(db: Db, bus: Bus) -> Self {
        Self::start_in(TestEnv::new(db, bus)).await
    }

    pub async fn start_in(env: TestEnv) -> Self {
        let shutdown = CancellationToken::new();
        let running = agentlocator::start(env.config(), shutdown.clone())
            .await
            .expect("stack starts");
        let config = running.config.clone();
        let http = format!("http://{}", config.http_addr);
        let stack = TestStack {
            env,
            config,
            http,
            shutdown,
            running: tokio::spawn(running.wait()),
        };
        stack.wait_ready().await;
        stack
    }

    /// Polls `/readyz` until every service is SERVING (`status: ready`, not just `degraded`).
    pub async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let Err(last) = readyz(&client, &self.http).await else {
                return;
            };
            if tokio::time::Instant::now() > deadline {
                panic!("stack not ready within 20 s: {last}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.http)
    }

    /// A connection pool to the stack's database.
    pub async fn db(&self) -> crm_svc::Db {
        crm_svc::test_support::connect(self.config.database.url()).await
    }

    /// The demo business (seeded if needed).
    pub async fn demo_business(&self) -> String {
        let db = self.db().await;
        crm_svc::demo::seed_demo(&db)
            .await
            .expect("demo seed")
            .business_id
            .as_str()
            .to_string()
    }

    /// Creates a user with `role` and [`TEST_PASSWORD`] in `business_id`; returns the email.
    pub async fn new_user(&self, business_id: &str, role: &str) -> String {
        let email = format!("{role}-{}@test.local", uuid::Uuid::now_v7().simple());
        crm_svc::users::create(
            &self.db().await,
            &crm_svc::ids::BusinessId::from(business_id.to_string()),
            crm_svc::users::NewUser {
                email: email.clone(),
                name: "בודק".into(),
                role: role.parse().expect("role"),
                password: TEST_PASSWORD.into(),
            },
        )
        .await
        .expect("create user");
        email
    }

    /// Creates a user with `role` in `business_id` and signs in over HTTP; returns the token.
    pub async fn sign_in(&self, business_id: &str, role: &str) -> String {
        let email = self.new_user(business_id, role).await;
        let res = reqwest::Client::new()
            .post(self.url("/api/auth/login"))
            .json(&serde_json::json!({"email": email, "password": TEST_PASSWORD}))
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), 200, "login");
        let body: serde_json::Value = res.json().await.expect("login JSON");
        body["token"].as_str().expect("token").to_string()
    }

    /// Stops every service (as SIGTERM would) and returns how the stack ended.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.signal_shutdown();
        self.stopped(Duration::from_secs(30)).await
    }

    /// What SIGTERM does: the shutdown starts (voice-svc drains its live calls first).
    pub fn signal_shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Whether every service has stopped.
    pub fn has_stopped(&self) -> bool {
        self.running.is_finished()
    }

    /// Waits at most `within` for every service to stop; how the stack ended.
    pub async fn stopped(self, within: Duration) -> anyhow::Result<()> {
        tokio::time::timeout(within, self.running)
            .await
            .map_err(|_| anyhow::anyhow!("stack did not stop within {within:?}"))??
    }
}

/// One look at `{http}/readyz`: `Ok` when every service is SERVING (`status: ready`, not just
/// `degraded`), else what was seen, for the message of a test that gives up waiting.
pub async fn readyz(client: &reqwest::Client, http: &str) -> Result<(), String> {
    match client.get(format!("{http}/readyz")).send().await {
        Ok(r) => {
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            match body["status"] == "ready" {
                true => Ok(()),
                false => Err(body.to_string()),
            }
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Rows in `whatsapp_messages` of `business_id`.
pub async fn count_whatsapp_messages(db: &crm_svc::Db, business_id: &str) -> i64 {
    use crm_svc::schema::whatsapp_messages::dsl;
    use diesel::prelude::*;
    let b = business_id.to_string();
    db.run(move |conn| {
        dsl::whatsapp_messages
            .filter(dsl::business_id.eq(b))
            .count()
            .get_result::<i64>(conn)
            .map_err(Into::into)
    })
    .await
    .expect("count messages")
}

/// Distinct provider message ids stored for `business_id`.
pub async fn distinct_whatsapp_ids(db: &crm_svc::Db, business_id: &str) -> i64 {
    use crm_svc::schema::whatsapp_messages::dsl;
    use diesel::{dsl::count, prelude::*};
    let b = business_id.to_string();
    db.run(move |conn| {
        dsl::whatsapp_messages
            .filter(dsl::business_id.eq(b))
            .select(count(dsl::provider_message_id).aggregate_distinct())
            .get_result::<i64>(conn)
            .map_err(Into::into)
    })
    .await
    .expect("count distinct")
}

/// The provider message id of every WhatsApp message stored for `business_id`, one entry per
/// row (a message stored twice appears twice).
pub async fn whatsapp_provider_ids(db: &crm_svc::Db, business_id: &str) -> Vec<String> {
    use crm_svc::schema::whatsapp_messages::dsl;
    use diesel::prelude::*;
    let b = business_id.to_string();
    db.run(move |conn| {
        dsl::whatsapp_messages
            .filter(dsl::business_id.eq(b))
            .select(dsl::provider_message_id)
            .load::<String>(conn)
            .map_err(Into::into)
    })
    .await
    .expect("list messages")
}

/// A stored call as the crash tests look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCall {
    pub sid: String,
    pub status: String,
    pub ended: bool,
}

/// Every call row of `business_id` (a call stored twice appears twice).
pub async fn stored_calls(db: &crm_svc::Db, business_id: &str) -> Vec<StoredCall> {
    use crm_svc::schema::calls::dsl;
    use diesel::prelude::*;
    let b = business_id.to_string();
    let rows = db
        .run(move |conn| {
            dsl::calls
                .filter(dsl::business_id.eq(b))
                .select((dsl::twilio_sid, dsl::status, dsl::ended_at.is_not_null()))
                .load::<(String, String, bool)>(conn)
                .map_err(Into::into)
        })
        .await
        .expect("list calls");
    rows.into_iter()
        .map(|(sid, status, ended)| StoredCall { sid, status, ended })
        .collect()
}

/// A new business answering calls on `number` (voice enabled), with a greeting and one Q&A;
/// returns its id.
pub async fn business_with_number(db: &crm_svc::Db, number: &str, voice_enabled: bool) -> String {
    use crm_svc::businesses::queries::{self as business, Business};
    let slug = format!("voice-{}", uuid::Uuid::now_v7().simple());
    let mut b = Business::new("מספרת הדגמה", slug);
    b.twilio_numbers = serde_json::to_string(&[number]).expect("numbers JSON");
    b.greeting_text = "שלום, הגעתם למספרה. במה אפשר לעזור?".into();
    b.knowledge_qa = serde_json::json!([
        {"q": "מה שעות הפעילות?", "a": "אנחנו פתוחים בימים א׳ עד ה׳ מתשע עד שש."}
    ])
    .to_string();
    b.voice_enabled = voice_enabled;
    let id = b.id.to_string();
    db.run(move |conn| business::insert(conn, &b))
        .await
        .expect("insert business");
    id
}

/// The sidecar's `POST /webhook/whatsapp_incoming` body for inbound message `n`
/// (`{prefix}{n:05}`, from one of 50 senders). The sidecar re-sends an event with the same id,
/// so a re-send of `n` is the same envelope.
pub fn sidecar_envelope(business_id: &str, prefix: &str, n: usize) -> String {
    serde_json::json!({
        "id": format!("{prefix}-env-{n}"),
        "business_id": business_id,
        "event": "messages.upsert",
        "occurred_at": "2026-11-24T08:00:00.000Z",
        "data": {"type": "notify", "messages": [{
            "key": {"remoteJid": format!("97254{:07}@s.whatsapp.net", 1_000_000 + n % 50), "fromMe": false,
                    "id": format!("{prefix}{n:05}")},
            "message": {"conversation": format!("הודעה {n} 🙂")},
            "messageTimestamp": 1764000000 + n as i64
        }]}
    })
    .to_string()
}

/// An inbound WhatsApp message event with its own provider message id.
pub fn whatsapp_received(business_id: &str, n: usize) -> agentlocator_proto::Event {
    use agentlocator_proto::v1::{WhatsAppEvent, WhatsAppEventKind, event::Payload};
    agentlocator_proto::new_event(
        business_id,
        Payload::Whatsapp(WhatsAppEvent {
            kind: WhatsAppEventKind::Received as i32,
            provider_message_id: format!("WAMID-{n:06}"),
            direction: "inbound".into(),
            from_number: format!("+97250{:07}", 1_000_000 + n % 7),
            to_number: "+972521112233".into(),
            body: format!("הודעה מספר {n}"),
            status: "received".into(),
            customer_id: String::new(),
            ..Default::default()
        }),
    )
}

/// Polls `count` until it reaches `expected` (or `timeout` passes), then returns the last value.
pub async fn wait_for_count<F, Fut>(expected: i64, timeout: Duration, mut count: F) -> i64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = i64>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let n = count().await;
        if n >= expected || tokio::time::Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A small HTTP client for one signed-in user: every call returns the status and the JSON body
/// (asserting the body is JSON whenever there is one).
#[derive(Clone)]
pub struct Api {
    base: String,
    token: Option<String>,
    client: reqwest::Client,
}

impl Api {
    pub fn new(stack: &TestStack, token: Option<String>) -> Self {
        Api {
            base: stack.http.clone(),
            token,
            client: reqwest::Client::new(),
        }
    }

    /// The token this client signs in with.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Body>,
    ) -> (u16, serde_json::Value) {
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        req = match body {
            Some(Body::Json(v)) => req.json(&v),
            Some(Body::Raw(bytes)) => req.header("content-type", "application/json").body(bytes),
            None => req,
        };
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = res.text().await.unwrap_or_default();
        if text.is_empty() {
            return (status, serde_json::Value::Null);
        }
        assert!(
            ct.starts_with("application/json"),
            "{method} {path}: {status} {ct} {text}"
        );
        (status, serde_json::from_str(&text).expect("JSON body"))
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, v: serde_json::Value) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::POST, path, Some(Body::Json(v)))
            .await
    }
    pub async fn patch(&self, path: &str, v: serde_json::Value) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::PATCH, path, Some(Body::Json(v)))
            .await
    }
    pub async fn put(&self, path: &str, v: serde_json::Value) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::PUT, path, Some(Body::Json(v)))
            .await
    }
    pub async fn delete(&self, path: &str) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::DELETE, path, None).await
    }
}

pub enum Body {
    Json(serde_json::Value),
    Raw(Vec<u8>),
}
