//! The Today page's API and the board's live updates through the gateway: a missed call filed
//! by crm-svc's event consumer is on `GET /api/today` to be called back, with its customer; the
//! calendar switch hides the appointments; bad input is a 422 naming the field; another business
//! sees none of it; and a status change made on the board (`PATCH` of the customer) is announced
//! live as `customer:changed`.

use agentlocator_proto::{
    new_event, to_timestamp,
    v1::{CallEvent, CallEventKind, event::Payload},
};
use agentlocator_tests::{
    Api, Bus, Db, TestStack,
    socketio::{SocketIoClient, Transports},
};
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// Files the events of a call `sid` from `from` that rang just now and ended with `status`, as
/// crm-svc's consumer does for bus events.
pub async fn file_call(db: &crm_svc::Db, business_id: &str, sid: &str, from: &str, status: &str) {
    let now = chrono::Utc::now();
    for (kind, status, at) in [
        (
            CallEventKind::Started,
            "ringing",
            now - chrono::Duration::seconds(30),
        ),
        (CallEventKind::Completed, status, now),
    ] {
        let mut e = new_event(
            business_id,
            Payload::Call(CallEvent {
                kind: kind as i32,
                call_sid: sid.into(),
                direction: "inbound".into(),
                from_number: from.into(),
                to_number: "+97235550199".into(),
                status: status.into(),
                ..Default::default()
            }),
        );
        e.occurred_at = Some(to_timestamp(at));
        db.transaction(move |conn| crm_svc::event_consumer::apply(conn, &e))
            .await
            .expect("call applied");
    }
    db.poke_outbox();
}

async fn today_end_to_end(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    let crm = stack.db().await;
    let demo = stack.demo_business().await;
    let token = stack.sign_in(&demo, "owner").await;
    let owner = Api::new(&stack, Some(token.clone()));
    let (s, list) = owner.get("/api/crm/customers?status=lead&limit=1").await;
    assert_eq!(s, 200, "{list}");
    let lead = list["items"][0].clone();
    let phone = lead["phone"].as_str().unwrap();

    let sid = format!("CA{}", uuid::Uuid::now_v7().simple());
    file_call(&crm, &demo, &sid, phone, "no-answer").await;
    let (s, day) = owner.get("/api/today").await;
    assert_eq!(s, 200, "{day}");
    let call = day["calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["call"]["twilio_sid"] == sid.as_str())
        .unwrap_or_else(|| panic!("the missed call is not on today's page: {day}"))
        .clone();
    assert_eq!(call["outcome"], "missed", "{call}");
    assert_eq!(call["needs_callback"], true, "{call}");
    assert_eq!(call["customer_name"], lead["name"], "{call}");
    assert_eq!(call["call"]["customer_id"], lead["id"], "{call}");
    assert!(day["calls_missed"].as_i64().unwrap() >= 1, "{day}");
    assert!(day["calls_to_call_back"].as_i64().unwrap() >= 1, "{day}");
    let date = day["date"].as_str().unwrap();
    assert_eq!(
        date,
        crm_svc::time::israel_date(crm_svc::time::now()).to_string()
    );
    for key in ["waiting", "tasks", "appointments"] {
        assert!(day[key].is_array(), "{key}: {day}");
    }

    // Another day: none of today's calls.
    let (s, past) = owner.get("/api/today?at=2020-01-01T10:00:00Z").await;
    assert_eq!(s, 200, "{past}");
    assert_eq!(past["date"], "2020-01-01");
    assert_eq!(past["from"], "2019-12-31T22:00:00.000Z");
    assert!(past["calls"].as_array().unwrap().is_empty(), "{past}");
    let (s, e) = owner.get("/api/today?at=yesterday").await;
    assert_eq!((s, e["field"].as_str()), (422, Some("at")), "{e}");
    let (s, e) = owner.get("/api/today?at=1999-01-01T00:00:00Z").await;
    assert_eq!((s, e["field"].as_str()), (422, Some("at")), "{e}");
    assert_eq!(Api::new(&stack, None).get("/api/today").await.0, 401);

    // Appointments follow the calendar switch; the CRM switch closes the page.
    let (s, appt) = owner
        .post(
            "/api/appointments",
            json!({
                "title": "פגישה היום",
                "starts_at": (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339(),
                "ends_at": (chrono::Utc::now() + chrono::Duration::minutes(2)).to_rfc3339(),
                "customer_id": lead["id"],
            }),
        )
        .await;
    assert_eq!(s, 201, "{appt}");
    let has_appointment = |day: &serde_json::Value| {
        day["appointments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["appointment"]["id"] == appt["id"] && a["customer_name"] == lead["name"])
    };
    // (A minute from now may be tomorrow already, at midnight.)
    let (_, day) = owner.get("/api/today").await;
    let same_day = day["date"] == date;
    if same_day {
        assert!(has_appointment(&day), "{day}");
    }
    let (s, b) = owner
        .patch(
            "/api/business",
            json!({"features": {"calendar_enabled": false}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, day) = owner.get("/api/today").await;
    assert_eq!(s, 200, "{day}");
    assert!(!has_appointment(&day), "{day}");
    assert!(day["appointments"].as_array().unwrap().is_empty(), "{day}");
    owner
        .patch(
            "/api/business",
            json!({"features": {"calendar_enabled": true, "crm_enabled": false}}),
        )
        .await;
    let (s, e) = owner.get("/api/today").await;
    assert_eq!((s, e["error"].as_str()), (403, Some("crm_disabled")), "{e}");
    owner
        .patch("/api/business", json!({"features": {"crm_enabled": true}}))
        .await;

    // Another business sees none of it.
    let other = crm_svc::test_support::create_business(&crm, "עסק אחר").await;
    let rival = Api::new(
        &stack,
        Some(stack.sign_in(other.id.as_str(), "owner").await),
    );
    let (s, theirs) = rival.get("/api/today").await;
    assert_eq!(s, 200, "{theirs}");
    assert!(theirs["calls"].as_array().unwrap().is_empty(), "{theirs}");
    assert!(
        theirs["appointments"].as_array().unwrap().is_empty(),
        "{theirs}"
    );
    assert_eq!(theirs["calls_missed"], 0);

    // The board moves a lead to active: the change is announced live, and it stays.
    let mut live = SocketIoClient::start(&stack.http, Some(&token), Transports::WebSocket);
    live.expect("connect", WAIT).await;
    let id = lead["id"].as_str().unwrap();
    let (s, moved) = owner
        .patch(
            &format!("/api/crm/customers/{id}"),
            json!({"status": "active"}),
        )
        .await;
    assert_eq!(
        (s, moved["status"].as_str()),
        (200, Some("active")),
        "{moved}"
    );
    let change = loop {
        let e = live.expect("event", WAIT).await;
        if e["event"] == "customer:changed" && e["data"]["customer_id"] == id {
            break e;
        }
    };
    assert_eq!(change["data"]["change"], "updated", "{change}");
    assert_eq!(change["data"]["status"], "active", "{change}");
    assert!(
        !change.to_string().contains(phone),
        "no phone in the payload: {change}"
    );
    let (_, active) = owner
        .get(&format!(
            "/api/crm/customers?status=active&q={}",
            phone.replace('+', "%2B")
        ))
        .await;
    assert_eq!(active["items"][0]["id"], id, "{active}");
    // The rival business's browsers hear nothing of it.
    let mut rival_live = SocketIoClient::start(&stack.http, rival.token(), Transports::WebSocket);
    rival_live.expect("connect", WAIT).await;
    owner
        .patch(
            &format!("/api/crm/customers/{id}"),
            json!({"status": "lead"}),
        )
        .await;
    loop {
        let e = live.expect("event", WAIT).await;
        if e["event"] == "customer:changed" && e["data"]["status"] == "lead" {
            break;
        }
    }
    let heard = rival_live.events_within(Duration::from_millis(500)).await;
    assert!(
        !heard.iter().any(|e| e["event"] == "customer:changed"),
        "another business heard of the change: {heard:?}"
    );
    stack.stop().await.expect("stack stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn today_api_sqlite_memory() {
    today_end_to_end(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn today_api_postgres_nats() {
    today_end_to_end(Db::Postgres, Bus::Nats).await;
}
