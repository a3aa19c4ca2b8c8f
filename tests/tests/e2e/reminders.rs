//! WhatsApp appointment reminders and scheduled messages end to end: the owner turns reminders
//! on, an appointment within the lead time gets its reminder through whatsapp-bridge to the
//! (loopback) sidecar exactly once — also when a second scheduler passes over it — and a message
//! scheduled on the customer page goes out once at its time. The new routes are scoped to the
//! business and refuse bad input with 4xx.

use agentlocator_tests::{Api, Bus, Db, TestStack};
use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path_regex},
};

/// The texts the sidecar was asked to send.
async fn sent_texts(sidecar: &MockServer) -> Vec<String> {
    sidecar
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path().ends_with("/messages"))
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_owned))
        .collect()
}

/// Waits (up to `secs`) until a sent text contains `needle`; returns how many do.
async fn wait_sent(sidecar: &MockServer, needle: &str, secs: u64) -> usize {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let n = sent_texts(sidecar)
            .await
            .iter()
            .filter(|t| t.contains(needle))
            .count();
        if n > 0 || tokio::time::Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn reminders_reach_the_sidecar_once(db: Db, bus: Bus) {
    let sidecar = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/sessions/[^/]+/messages$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "3EB0REMIND01", "jid": "972541234567@s.whatsapp.net"})),
        )
        .mount(&sidecar)
        .await;
    let mut env = agentlocator_tests::TestEnv::new(db, bus);
    env.vars.insert("WA_SIDECAR_URL".into(), sidecar.uri());
    let stack = TestStack::start_in(env).await;
    let demo = stack.demo_business().await;
    let owner = Api::new(&stack, Some(stack.sign_in(&demo, "owner").await));
    let agent = Api::new(&stack, Some(stack.sign_in(&demo, "agent").await));

    // Settings: defaults (off), bad input refused, staff below admin cannot change them.
    let (s, d) = owner.get("/api/business/reminders").await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(
        (d["enabled"].as_bool(), d["configured"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(d["lead_minutes"], json!([1440, 120]));
    let settings = json!({"enabled": true, "template": "שלום {name}, תזכורת לתור ב{date} בשעה {time}", "lead_minutes": [120]});
    let (s, d) = owner
        .put(
            "/api/business/reminders",
            json!({"enabled": true, "template": "שלום {phone}", "lead_minutes": [120]}),
        )
        .await;
    assert_eq!(
        (s, d["error"].as_str()),
        (422, Some("validation_error")),
        "{d}"
    );
    let (s, d) = owner
        .put(
            "/api/business/reminders",
            json!({"enabled": true, "template": "שלום", "lead_minutes": [5]}),
        )
        .await;
    assert_eq!(s, 422, "{d}");
    let (s, d) = owner
        .put("/api/business/reminders", json!({"enabled": "yes"}))
        .await;
    assert_eq!(s, 422, "{d}");
    let (s, d) = agent.put("/api/business/reminders", settings.clone()).await;
    assert_eq!(s, 403, "{d}");
    let (s, d) = owner.put("/api/business/reminders", settings).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["enabled"], true);

    // An appointment in an hour: its 2 h reminder is due at once.
    let (s, c) = owner
        .post(
            "/api/crm/customers",
            json!({"name": "רוני תזכורת", "phone": "054-1234567"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let customer = c["id"].as_str().unwrap().to_owned();
    let starts = Utc::now() + Duration::minutes(60);
    let (s, a) = owner
        .post(
            "/api/appointments",
            json!({"title": "ייעוץ", "customer_id": customer,
                   "starts_at": rfc3339(starts), "ends_at": rfc3339(starts + Duration::minutes(30))}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    assert!(a["confirmed_at"].is_null(), "{a}");
    assert_eq!(
        wait_sent(&sidecar, "שלום רוני תזכורת", 30).await,
        1,
        "{:?}",
        sent_texts(&sidecar).await
    );
    // Another replica's scheduler passing over the same appointment sends nothing more.
    let db = stack.db().await;
    for _ in 0..3 {
        let pass = crm_svc::reminders::scheduler::run_due(&db, Utc::now())
            .await
            .unwrap();
        assert!(pass.reminders.is_empty(), "{pass:?}");
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let texts = sent_texts(&sidecar).await;
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("שלום רוני תזכורת"))
            .count(),
        1,
        "{texts:?}"
    );
    let reminder = texts
        .iter()
        .find(|t| t.contains("שלום רוני תזכורת"))
        .unwrap();
    let local = starts
        .with_timezone(&crm_svc::time::ISRAEL)
        .format("%H:%M")
        .to_string();
    assert!(reminder.contains(&format!("בשעה {local}")), "{reminder}");

    // Scheduled messages: one in two seconds is sent once; one later is cancelled.
    let path = format!("/api/customers/{customer}/scheduled-messages");
    let (s, d) = owner
        .post(&path, json!({"text": "", "send_at": rfc3339(Utc::now())}))
        .await;
    assert_eq!(s, 422, "{d}");
    let (s, d) = owner
        .post(&path, json!({"text": "x", "send_at": "מחר"}))
        .await;
    assert_eq!(s, 422, "{d}");
    let (s, soon) = owner
        .post(&path, json!({"text": "המבצע מתחיל היום!", "send_at": rfc3339(Utc::now() + Duration::seconds(2))}))
        .await;
    assert_eq!(s, 201, "{soon}");
    assert_eq!(soon["status"], "pending");
    let (s, later) = owner
        .post(
            &path,
            json!({"text": "בעוד שבוע", "send_at": rfc3339(Utc::now() + Duration::days(7))}),
        )
        .await;
    assert_eq!(s, 201, "{later}");
    assert_eq!(wait_sent(&sidecar, "המבצע מתחיל היום!", 30).await, 1);
    let (s, d) = owner
        .delete(&format!("{path}/{}", soon["id"].as_str().unwrap()))
        .await;
    assert_eq!((s, d["error"].as_str()), (409, Some("conflict")), "{d}");
    let (s, d) = owner
        .delete(&format!("{path}/{}", later["id"].as_str().unwrap()))
        .await;
    assert_eq!((s, d["status"].as_str()), (200, Some("cancelled")), "{d}");
    let (s, list) = owner.get(&path).await;
    assert_eq!(s, 200, "{list}");
    let statuses: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["cancelled", "sent"], "latest send time first");

    // Another business sees none of it and cannot touch it.
    let other = crm_svc::test_support::create_business(&db, "עסק אחר").await;
    let stranger = Api::new(
        &stack,
        Some(stack.sign_in(other.id.as_str(), "owner").await),
    );
    let (s, d) = stranger.get(&path).await;
    assert_eq!(s, 404, "{d}");
    let (s, d) = stranger
        .post(
            &path,
            json!({"text": "x", "send_at": rfc3339(Utc::now() + Duration::hours(1))}),
        )
        .await;
    assert_eq!(s, 404, "{d}");
    let (s, d) = stranger
        .delete(&format!("{path}/{}", later["id"].as_str().unwrap()))
        .await;
    assert_eq!(s, 404, "{d}");
    let (s, d) = stranger.get("/api/business/reminders").await;
    assert_eq!((s, d["configured"].as_bool()), (200, Some(false)), "{d}");
    // Nothing more reached the sidecar: the reminder and the scheduled message once each.
    let texts = sent_texts(&sidecar).await;
    for needle in ["שלום רוני תזכורת", "המבצע מתחיל היום!", "בעוד שבוע"]
    {
        let n = texts.iter().filter(|t| t.contains(needle)).count();
        assert_eq!(n, usize::from(needle != "בעוד שבוע"), "{needle}: {texts:?}");
    }
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_sqlite_memory() {
    reminders_reach_the_sidecar_once(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_postgres_nats() {
    reminders_reach_the_sidecar_once(Db::Postgres, Bus::Nats).await;
}
