//! A call while the business is closed, end to end, on a stack whose hours clock is set to a
//! Shabbat noon (`VOICE_HOURS_AT`): the signed `incoming_call` says why the business is closed
//! and when it reopens, and records a message; the recording's transcript becomes one staff task
//! due at the reopening, on the caller's timeline. An open business and one that never saved its
//! hours answer as always; saving hours reaches voice-svc's copy by `business.changed`. In
//! realtime mode the greeting and the model's instructions carry the closure, and what the caller
//! says to the model is the message.

use crate::voice_support::*;
use agentlocator_tests::{Api, Body, Bus, Db, TestStack};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::time::Duration;

/// Saturday 2026-12-05, 12:00 in Israel.
const SHABBAT_NOON: &str = "2026-12-05T12:00:00+02:00";
const CLOSED_NUMBER: &str = "+97235550191";
const OPEN_NUMBER: &str = "+97235550192";
const UNSAVED_NUMBER: &str = "+97235550193";
const MESSAGE: &str = "שלום, זה דני. אני צריך תור לתספורת ביום ראשון, תחזרו אליי בבקשה.";

/// Sunday–Thursday 09:00–18:00, Friday 08:00–13:00, Saturday 17:00–23:00 in Tel Aviv, closed on
/// Shabbat: on Saturday it opens at havdalah.
fn shabbat_hours() -> serde_json::Value {
    let mut weekly: Vec<_> = ["sunday", "monday", "tuesday", "wednesday", "thursday"]
        .iter()
        .map(|d| json!({"day": d, "ranges": [{"from": "09:00", "to": "18:00"}]}))
        .collect();
    weekly.push(json!({"day": "friday", "ranges": [{"from": "08:00", "to": "13:00"}]}));
    weekly.push(json!({"day": "saturday", "ranges": [{"from": "17:00", "to": "23:00"}]}));
    json!({"city": "tel-aviv", "weekly": weekly})
}

async fn save_hours(api: &Api, hours: serde_json::Value) {
    let (s, b) = api
        .call(
            reqwest::Method::PUT,
            "/api/business/hours/settings",
            Some(Body::Json(hours)),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

/// What crm-svc says of the business at Shabbat noon: the Hebrew sentence and the reopening.
async fn status_at_shabbat_noon(api: &Api) -> (String, DateTime<Utc>) {
    let at = agentlocator_tests::twilio::url_encode(SHABBAT_NOON);
    let (s, st) = api
        .get(&format!("/api/business/hours/status?at={at}"))
        .await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["open"], false, "{st}");
    let reopens: DateTime<Utc> = st["reopens_at"].as_str().unwrap().parse().unwrap();
    (st["message"].as_str().unwrap().to_string(), reopens)
}

fn call_params(sid: &str, to: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut p = params(&[
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", sid),
        ("From", CALLER),
        ("To", to),
        ("Direction", "inbound"),
        ("CallStatus", "ringing"),
    ]);
    p.extend(params(extra));
    p
}

fn call_sid() -> String {
    format!("CA{}", uuid::Uuid::now_v7().simple())
}

/// The tasks on the timeline of the customer with [`CALLER`]'s phone, polled until `ready`.
async fn timeline_tasks(
    api: &Api,
    ready: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, list) = api
            .get(&format!(
                "/api/crm/customers?q={}",
                agentlocator_tests::twilio::url_encode(CALLER)
            ))
            .await;
        let mut tasks = Vec::new();
        if let Some(id) = list["items"][0]["id"].as_str() {
            let (s, tl) = api.get(&format!("/api/customers/{id}/timeline")).await;
            assert_eq!(s, 200, "{tl}");
            tasks = tl
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|i| i["type"] == "task")
                .collect();
        }
        if ready(&tasks) || tokio::time::Instant::now() > deadline {
            return tasks;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn due_of(task: &serde_json::Value) -> DateTime<Utc> {
    task["due_at"]
        .as_str()
        .unwrap_or_else(|| panic!("no due_at: {task}"))
        .parse()
        .unwrap()
}

/// Record mode on PostgreSQL and NATS: closed → message → one task due at havdalah; the same
/// stack answers an open business and one without saved hours normally.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_on_shabbat_hears_why_and_when_and_its_message_is_a_task_for_the_reopening() {
    let (recordings, recording_url) = recording_server(espeak_hebrew_mp3(MESSAGE)).await;
    let openai = openai_server(MESSAGE, 200, "בשמחה.").await;
    let mut env = voice_env(Db::Postgres, Bus::Nats);
    twilio_vars(&mut env);
    allow_recording_host(&mut env, &recordings);
    for (k, v) in [
        ("STT_ENGINE", "openai".to_string()),
        ("LLM_ENGINE", "openai".into()),
        ("OPENAI_BASE_URL", openai.uri()),
        ("VOICE_HOURS_AT", SHABBAT_NOON.into()),
    ] {
        env.vars.insert(k.into(), v);
    }
    let stack = TestStack::start_in(env).await;

    // A business that never saved its hours answers as always, Shabbat or not.
    let unsaved = business_with_number(&stack, UNSAVED_NUMBER, true).await;
    let a = post_signed(
        &stack,
        "/webhook/incoming_call",
        &call_params(&call_sid(), UNSAVED_NUMBER, &[]),
    )
    .await;
    assert_eq!(names(&a.twiml()), ["Play", "Record"], "{}", a.body);

    // Saving hours reaches voice-svc's copy of the business (business.changed): now closed.
    let unsaved_owner = Api::new(&stack, Some(stack.sign_in(&unsaved, "owner").await));
    save_hours(&unsaved_owner, shabbat_hours()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let a = post_signed(
            &stack,
            "/webhook/incoming_call",
            &call_params(&call_sid(), UNSAVED_NUMBER, &[]),
        )
        .await;
        if names(&a.twiml()) == ["Say", "Record"] {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the saved hours never reached voice-svc: {}",
            a.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A business open on Saturdays (it does not close for Shabbat) answers as always.
    let open = business_with_number(&stack, OPEN_NUMBER, true).await;
    let open_owner = Api::new(&stack, Some(stack.sign_in(&open, "owner").await));
    save_hours(
        &open_owner,
        json!({"city": "tel-aviv", "closed_on_shabbat_and_holidays": false,
               "weekly": [{"day": "saturday", "ranges": [{"from": "09:00", "to": "14:00"}]}]}),
    )
    .await;
    let a = post_signed(
        &stack,
        "/webhook/incoming_call",
        &call_params(&call_sid(), OPEN_NUMBER, &[]),
    )
    .await;
    assert_eq!(names(&a.twiml()), ["Play", "Record"], "{}", a.body);

    // The closed business: why, when it reopens, and a message.
    let closed = business_with_number(&stack, CLOSED_NUMBER, true).await;
    let owner = Api::new(&stack, Some(stack.sign_in(&closed, "owner").await));
    save_hours(&owner, shabbat_hours()).await;
    let (sentence, reopens) = status_at_shabbat_noon(&owner).await;
    assert!(
        sentence.starts_with("אנחנו סגורים לרגל שבת. נשמח לחזור אליך במוצאי שבת, אחרי 17:"),
        "{sentence}"
    );
    let sid = call_sid();
    let a = post_signed(
        &stack,
        "/webhook/incoming_call",
        &call_params(&sid, CLOSED_NUMBER, &[]),
    )
    .await;
    let els = a.twiml();
    assert_eq!(names(&els), ["Say", "Record"], "{}", a.body);
    assert_eq!(
        element(&els, "Say").text,
        voice_svc::strings::closed_answer("מספרת הדגמה", &sentence)
    );
    let action = element(&els, "Record").attr("action").unwrap().to_string();
    assert!(
        action.ends_with(&format!("&msg=1&due={}", reopens.timestamp())),
        "{action}"
    );

    let recording = call_params(
        &sid,
        CLOSED_NUMBER,
        &[
            ("RecordingUrl", &recording_url),
            ("RecordingDuration", "6"),
            ("RecordingSid", RECORDING_SID),
        ],
    );
    let a = post_signed(&stack, &action, &recording).await;
    let els = a.twiml();
    assert_eq!(names(&els), ["Say", "Hangup"], "{}", a.body);
    assert_eq!(
        element(&els, "Say").text,
        voice_svc::strings::MESSAGE_SAVED_CLOSED
    );
    // Twilio retries the webhook: still one task.
    post_signed(&stack, &action, &recording).await;

    let api = Api::new(&stack, Some(stack.sign_in(&closed, "agent").await));
    let tasks = timeline_tasks(&api, |t| {
        t.iter()
            .any(|t| t["title"].as_str().is_some_and(|s| s.contains(MESSAGE)))
    })
    .await;
    assert_eq!(tasks.len(), 1, "one task per call: {tasks:?}");
    let task = &tasks[0];
    assert!(
        task["title"]
            .as_str()
            .unwrap()
            .starts_with(&format!("הודעה מ־{CALLER} כשהעסק היה סגור: ")),
        "{task}"
    );
    assert!(task["title"].as_str().unwrap().contains(MESSAGE), "{task}");
    assert_eq!(due_of(task), reopens, "due when the business reopens");
    assert_eq!(task["done"], false);
    // The message's transcript is on the call too.
    let (_, calls) = timeline_calls(&api, CALLER, |c| {
        c.iter().any(|c| {
            c["transcript"]
                .as_str()
                .is_some_and(|t| t.contains(MESSAGE))
        })
    })
    .await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    stack.stop().await.unwrap();
}

/// Realtime mode (the `openai` engine on a loopback Realtime server): the greeting said before
/// the stream and the session's instructions carry the closure; what the caller tells the model
/// becomes the call's task, due at the reopening; should the stream fail, the message is recorded
/// instead of the record loop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_realtime_call_on_shabbat_tells_the_model_and_takes_the_message() {
    use agentlocator_tests::{
        openai_realtime::{RealtimeServer, RealtimeServerConfig, ScriptedTurn},
        realtime::{hebrew_mulaw, stream_of},
        twilio_media::TwilioStream,
    };
    const NOTED: &str = "רשמתי, דני. נעביר לצוות ונחזור אליך במוצאי שבת.";
    let key = "sk-loopback-example"; // example value, not a credential
    let server = RealtimeServer::start(RealtimeServerConfig {
        api_key: Some(key.into()),
        turns: vec![ScriptedTurn {
            caller: MESSAGE.into(),
            reply_text: NOTED.into(),
            reply_audio: hebrew_mulaw(NOTED),
        }],
        ..Default::default()
    })
    .await;
    let mut env = voice_env(Db::Sqlite, Bus::Memory);
    twilio_vars(&mut env);
    for (k, v) in [
        ("REALTIME_ENGINE", "openai".to_string()),
        ("OPENAI_API_KEY", key.into()),
        ("OPENAI_BASE_URL", server.base_url()),
        ("VOICE_HOURS_AT", SHABBAT_NOON.into()),
    ] {
        env.vars.insert(k.into(), v);
    }
    let stack = TestStack::start_in(env).await;
    let closed = business_with_number(&stack, CLOSED_NUMBER, true).await;
    let owner = Api::new(&stack, Some(stack.sign_in(&closed, "owner").await));
    save_hours(&owner, shabbat_hours()).await;
    let (sentence, reopens) = status_at_shabbat_noon(&owner).await;

    let sid = call_sid();
    let a = post_signed(
        &stack,
        "/webhook/incoming_call",
        &call_params(&sid, CLOSED_NUMBER, &[]),
    )
    .await;
    let els = a.twiml();
    let found = names(&els);
    assert_eq!(found[..2], ["Say", "Connect"], "{}", a.body);
    assert_eq!(found[found.len() - 2..], ["Say", "Record"], "{}", a.body);
    assert_eq!(
        els[1].text,
        voice_svc::strings::closed_answer_realtime("מספרת הדגמה", &sentence)
    );
    // Should the stream fail, the caller leaves the message after the beep.
    let after = els.iter().rfind(|e| e.name == "Say").unwrap();
    assert_eq!(after.text, voice_svc::strings::LEAVE_MESSAGE);
    let action = element(&els, "Record").attr("action").unwrap();
    assert!(
        action.ends_with(&format!("&msg=1&due={}", reopens.timestamp())),
        "{action}"
    );

    let (url, params) = stream_of(&a.body);
    let path = url.split_once("/webhook/").map(|(_, p)| p).unwrap();
    let reachable = stack
        .url(&format!("/webhook/{path}"))
        .replacen("http://", "ws://", 1);
    let signature = voice_svc::twilio_signature::compute(AUTH_TOKEN, &url, &[]);
    let call = TwilioStream::open(&reachable, Some(&signature), &sid, &params)
        .await
        .expect("the signed upgrade is accepted");
    let updates = server
        .wait_for("session.update", 1, Duration::from_secs(10))
        .await;
    let instructions = updates[0].event["session"]["instructions"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(instructions.contains("העסק סגור כעת"), "{instructions}");
    assert!(instructions.contains(&sentence), "{instructions}");
    call.say(hebrew_mulaw(MESSAGE));
    let frames = hebrew_mulaw(NOTED).len() / 160;
    assert!(
        call.wait_until(Duration::from_secs(15), |l| l.media().len() >= frames / 2)
            .await,
        "the agent answers the message"
    );
    call.stop().await;

    let api = Api::new(&stack, Some(stack.sign_in(&closed, "agent").await));
    let tasks = timeline_tasks(&api, |t| {
        t.iter()
            .any(|t| t["title"].as_str().is_some_and(|s| s.contains(MESSAGE)))
    })
    .await;
    assert_eq!(tasks.len(), 1, "one task per call: {tasks:?}");
    assert_eq!(due_of(&tasks[0]), reopens);
    stack.stop().await.unwrap();
}
