//! Opening hours through the gateway: the settings (defaults, owner/admin to change, 422 for bad
//! input with nothing saved), the open intervals and closures of a range with Hebrew names, and
//! "closed now because X, reopens at Y".

use agentlocator_tests::{Api, Body, Db, TestStack};
use serde_json::json;

async fn put(api: &Api, v: serde_json::Value) -> (u16, serde_json::Value) {
    api.call(
        reqwest::Method::PUT,
        "/api/business/hours/settings",
        Some(Body::Json(v)),
    )
    .await
}

async fn hours_settings_calendar_and_status(db: Db) {
    let stack = TestStack::start(db, agentlocator_tests::Bus::Memory).await;
    let demo = stack.demo_business().await;
    let owner = Api::new(&stack, Some(stack.sign_in(&demo, "owner").await));
    let agent = Api::new(&stack, Some(stack.sign_in(&demo, "agent").await));

    let (s, b) = agent.get("/api/business/hours/settings").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["configured"], false);
    assert_eq!(b["settings"]["closed_on_shabbat_and_holidays"], true);
    let jerusalem = b["cities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "jerusalem")
        .cloned();
    assert_eq!(
        jerusalem,
        Some(json!({"key": "jerusalem", "name": "ירושלים", "candle_lighting_minutes": 40}))
    );

    let hours = json!({"city": "jerusalem", "weekly": [
        {"day": "friday", "ranges": [{"from": "08:00", "to": "20:00"}]},
        {"day": "saturday", "ranges": [{"from": "08:00", "to": "23:00"}]}]});
    let (s, e) = put(&agent, hours.clone()).await;
    assert_eq!(s, 403, "only an owner or admin: {e}");

    // Bad input: 422 naming the problem, and nothing saved.
    for (bad, says) in [
        (json!({"city": "gotham"}), "unknown city"),
        (
            json!({"city": "haifa", "weekly": [{"day": "friday", "ranges": [{"from": "10:00", "to": "14:00"}, {"from": "13:00", "to": "15:00"}]}]}),
            "overlap",
        ),
        (
            json!({"city": "haifa", "weekly": [{"day": "friday", "ranges": [{"from": "23:00", "to": "01:00"}]}]}),
            "past midnight",
        ),
        (
            json!({"city": "haifa", "weekly": [{"day": "shabbos", "ranges": []}]}),
            "not a day of the week",
        ),
        (
            json!({"city": "haifa", "exceptions": [{"date": "2027-02-29"}]}),
            "not a date",
        ),
        (json!([1, 2]), "not valid hours settings"),
    ] {
        let (s, e) = put(&owner, bad.clone()).await;
        assert_eq!(s, 422, "{bad}: {e}");
        assert_eq!(e["error"], "validation_error");
        assert!(e["message"].as_str().unwrap().contains(says), "{bad}: {e}");
    }
    assert_eq!(
        agent.get("/api/business/hours/settings").await.1["configured"],
        false
    );

    let (s, b) = put(&owner, hours).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["configured"].clone(), b["settings"]["city"].clone()),
        (json!(true), json!("jerusalem"))
    );

    // Friday 23 – Sunday 25 July 2027 (Israel is UTC+3): open Friday until candle-lighting, closed
    // for Shabbat, open Saturday from havdalah to 23:00.
    let (s, c) = agent
        .get("/api/business/hours?from=2027-07-22T21:00:00Z&to=2027-07-24T21:00:00Z")
        .await;
    assert_eq!(s, 200, "{c}");
    let closures = c["closures"].as_array().unwrap();
    assert_eq!(closures.len(), 1, "{c}");
    assert_eq!(
        (closures[0]["kind"].as_str(), closures[0]["name"].as_str()),
        (Some("shabbat"), Some("שבת"))
    );
    let open = c["open"].as_array().unwrap();
    assert_eq!(open.len(), 2, "{c}");
    assert_eq!(open[0]["start"], "2027-07-23T05:00:00.000Z");
    assert_eq!(open[0]["end"], closures[0]["start"]);
    assert_eq!(open[1]["start"], closures[0]["end"]);
    assert_eq!(open[1]["end"], "2027-07-24T20:00:00.000Z");

    let (s, e) = agent
        .get("/api/business/hours?from=2027-01-01T00:00:00Z&to=2029-01-01T00:00:00Z")
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("to")), "{e}");
    let (s, e) = agent.get("/api/business/hours?from=yesterday").await;
    assert_eq!(s, 422, "{e}");

    // Saturday noon: closed for Shabbat, back at havdalah, said in Hebrew.
    let (s, st) = agent
        .get("/api/business/hours/status?at=2027-07-24T09:00:00Z")
        .await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["open"], false);
    assert_eq!(st["reopens_at"], closures[0]["end"]);
    let message = st["message"].as_str().unwrap();
    assert!(
        message.starts_with("אנחנו סגורים לרגל שבת. נשמח לחזור אליך במוצאי שבת, אחרי 20:"),
        "{message}"
    );
    let (_, st) = agent
        .get("/api/business/hours/status?at=2027-07-23T09:00:00Z")
        .await;
    assert_eq!(
        (st["open"].clone(), st["message"].clone()),
        (json!(true), json!(null))
    );

    // Another business sees its own (default) hours.
    let other = crm_svc::businesses::create(
        &stack.db().await,
        "עסק אחר",
        &format!("other-{}", uuid::Uuid::now_v7().simple()),
    )
    .await
    .expect("second business");
    let rival = Api::new(
        &stack,
        Some(stack.sign_in(other.id.as_str(), "owner").await),
    );
    let (_, theirs) = rival.get("/api/business/hours/settings").await;
    assert_eq!(
        (
            theirs["configured"].clone(),
            theirs["settings"]["city"].clone()
        ),
        (json!(false), json!("tel-aviv"))
    );

    stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_hours_sqlite() {
    hours_settings_calendar_and_status(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_hours_postgres() {
    hours_settings_calendar_and_status(Db::Postgres).await;
}
