//! A call's summary end to end: voice-svc's events of a call's turns on the bus, then Twilio's
//! signed `call_status` completing it (twice, as Twilio retries) → crm-svc asks speech-svc's
//! `SummarizeCall` (a loopback OpenAI-compatible server answering a scripted JSON summary) →
//! the call's JSON (`/api/customers/{id}/calls`) and the timeline carry the summary, its promised
//! follow-up is one task, and the staff's Socket.IO `call:completed` carries it, once. Without an
//! LLM the summary is the labelled fallback made from what was said, and the turn nothing
//! answered stays the one task.

use crate::voice_support::*;
use agentlocator_common::bus::{EventBus, NatsBus};
use agentlocator_proto::v1::{CallEvent, CallEventKind, event::Payload};
use agentlocator_tests::{
    Api, Bus, Db, TestStack, nats_url,
    socketio::{SocketIoClient, Transports},
};
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path},
};

const BUSINESS_NUMBER: &str = "+97235550177";
const ASKED: &str = "אפשר לקבוע תור ליום שלישי ב-10?";
const ASKED_PRICE: &str = "וכמה עולה תספורת?";
const SUMMARY: &str =
    "הלקוח ביקש תור ליום שלישי בעשר ושאל על מחיר תספורת; הסוכן הבטיח שנציג יחזור עם המחיר.";
const FOLLOW_UP: &str = "לחזור ללקוח עם מחיר תספורת";
const WAIT: Duration = Duration::from_secs(20);

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_default()
}

/// A summary request (the JSON object answer asked for), as speech-svc sends it.
fn is_summary(r: &Request) -> bool {
    body(r)["response_format"]["type"] == "json_object"
}

/// A loopback model that summarises every call as [`SUMMARY`] with [`FOLLOW_UP`].
async fn summarising_model() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(is_summary)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-s1", "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant",
                "content": json!({"summary": SUMMARY, "follow_ups": [FOLLOW_UP]}).to_string()
            }}]
        })))
        .mount(&server)
        .await;
    server
}

async fn stack_with(db: Db, model: Option<&MockServer>) -> TestStack {
    let mut env = voice_env(db, Bus::Nats);
    twilio_vars(&mut env);
    if let Some(model) = model {
        env.vars.insert("LLM_ENGINE".into(), "openai".into());
        env.vars.insert("OPENAI_BASE_URL".into(), model.uri());
    }
    TestStack::start_in(env).await
}

/// The next Socket.IO event named `name`, skipping the others.
async fn next_named(client: &mut SocketIoClient, name: &str) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let got = client.expect("event", left).await;
        if got["event"] == name {
            return got;
        }
    }
}

/// A call of two turns as voice-svc publishes it (the second one flagged when nothing answered
/// it), then Twilio's final status callback, sent twice. Returns the call's SID.
async fn call_that_completes(stack: &TestStack, business_id: &str, unanswered: bool) -> String {
    let sid = format!("CA{}", uuid::Uuid::now_v7().simple());
    let bus = NatsBus::connect(&nats_url(), &stack.env.nats_root)
        .await
        .expect("NATS");
    let event = |kind: CallEventKind, transcript: &str, reply: &str, follow_up: bool| {
        agentlocator_proto::new_event(
            business_id,
            Payload::Call(CallEvent {
                kind: kind as i32,
                call_sid: sid.clone(),
                direction: "inbound".into(),
                from_number: CALLER.into(),
                to_number: BUSINESS_NUMBER.into(),
                status: "in-progress".into(),
                transcript: transcript.into(),
                ai_reply: reply.into(),
                needs_follow_up: follow_up,
                ..Default::default()
            }),
        )
    };
    for e in [
        event(CallEventKind::Started, "", "", false),
        event(CallEventKind::Answered, ASKED, "בשמחה, אבדוק.", false),
        event(
            CallEventKind::Answered,
            ASKED_PRICE,
            "נציג מטעמנו יחזור אליך עם המחיר.",
            unanswered,
        ),
    ] {
        bus.publish(&e).await.unwrap();
    }
    let status = params(&[
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", &sid),
        ("From", CALLER),
        ("To", BUSINESS_NUMBER),
        ("Direction", "inbound"),
        ("CallStatus", "completed"),
        ("CallDuration", "64"),
    ]);
    for _ in 0..2 {
        let a = post_signed(stack, "/webhook/call_status", &status).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    sid
}

/// The call `sid` on the caller's timeline once its summary is done, and the customer's id.
async fn summarised(api: &Api, sid: &str) -> (String, Value) {
    let (customer_id, calls) = timeline_calls(api, CALLER, |calls| {
        calls
            .iter()
            .any(|c| c["twilio_sid"] == sid && c["summary"]["status"] == "done")
    })
    .await;
    let call = calls
        .into_iter()
        .find(|c| c["twilio_sid"] == sid)
        .expect("the call on the timeline");
    assert_eq!(call["summary"]["status"], "done", "{call}");
    (customer_id, call)
}

/// The tasks on the customer's timeline.
async fn tasks_of(api: &Api, customer_id: &str) -> Vec<Value> {
    let (status, tl) = api
        .get(&format!("/api/customers/{customer_id}/timeline"))
        .await;
    assert_eq!(status, 200, "{tl}");
    tl.as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "task")
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_call_is_summarised_by_the_model_once() {
    let model = summarising_model().await;
    let stack = stack_with(Db::Postgres, Some(&model)).await;
    let business_id = business_with_number(&stack, BUSINESS_NUMBER, true).await;
    let token = stack.sign_in(&business_id, "agent").await;
    let mut client = SocketIoClient::start(&stack.http, Some(&token), Transports::WebSocket);
    client.expect("connect", WAIT).await;

    let sid = call_that_completes(&stack, &business_id, false).await;

    // Staff hear the call ended, with its summary.
    let completed = next_named(&mut client, "call:completed").await;
    let data = &completed["data"];
    assert_eq!(data["call_id"], sid.as_str(), "{completed}");
    assert_eq!(data["from"], CALLER);
    assert_eq!(data["status"], "completed");
    assert_eq!(data["duration_seconds"], 64);
    assert_eq!(data["summary"], SUMMARY);
    assert_eq!(data["follow_ups"], json!([FOLLOW_UP]));
    assert_eq!(data["summary_source"], "llm");
    assert!(data["task_id"].is_string(), "{completed}");
    assert!(data["customer_id"].is_string(), "{completed}");

    let api = Api::new(&stack, Some(token));
    let (customer_id, call) = summarised(&api, &sid).await;
    assert_eq!(call["summary"]["text"], SUMMARY);
    assert_eq!(call["summary"]["follow_ups"], json!([FOLLOW_UP]));
    assert_eq!(call["summary"]["source"], "llm");
    // The call's own JSON carries it too.
    let (status, calls) = api
        .get(&format!("/api/customers/{customer_id}/calls"))
        .await;
    assert_eq!(status, 200, "{calls}");
    assert_eq!(calls["items"][0]["twilio_sid"], sid.as_str());
    assert_eq!(calls["items"][0]["summary"]["text"], SUMMARY);

    // The promised follow-up is one task, the one the notification names.
    let tasks = tasks_of(&api, &customer_id).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert!(
        tasks[0]["title"].as_str().unwrap().contains(FOLLOW_UP),
        "{tasks:?}"
    );
    assert_eq!(tasks[0]["id"], data["task_id"]);

    // The completion came twice: still one summary request, one notification.
    let more = client.events_within(Duration::from_secs(3)).await;
    assert!(
        !more.iter().any(|e| e["event"] == "call:completed"),
        "call:completed came twice: {more:?}"
    );
    let asked: Vec<_> = model
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(is_summary)
        .collect();
    assert_eq!(asked.len(), 1, "one summary per call");
    // The model read the call's turns and the business.
    let request = body(&asked[0]);
    let call_text = request["messages"][1]["content"].as_str().unwrap();
    assert!(
        call_text.contains(ASKED) && call_text.contains(ASKED_PRICE),
        "{call_text}"
    );
    assert_eq!(tasks_of(&api, &customer_id).await.len(), 1);

    client.close().await;
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_llm_the_summary_is_the_labelled_fallback() {
    let stack = stack_with(Db::Sqlite, None).await;
    let business_id = business_with_number(&stack, BUSINESS_NUMBER, true).await;
    let token = stack.sign_in(&business_id, "agent").await;
    let mut client = SocketIoClient::start(&stack.http, Some(&token), Transports::WebSocket);
    client.expect("connect", WAIT).await;

    // The second turn went unanswered: its follow-up task is made when the call completes.
    let sid = call_that_completes(&stack, &business_id, true).await;

    let completed = next_named(&mut client, "call:completed").await;
    let data = &completed["data"];
    assert_eq!(data["call_id"], sid.as_str(), "{completed}");
    assert_eq!(data["summary_source"], "fallback");
    let expected = format!(
        "סיכום אוטומטי (ללא מודל שפה): הפונה אמר/ה: \u{201c}{ASKED}\u{201d}. הסוכן לא ביצע פעולות במערכת."
    );
    assert_eq!(data["summary"], expected.as_str());
    let follow_up = format!("לחזור ללקוח בנושא: {ASKED_PRICE}");
    assert_eq!(data["follow_ups"], json!([follow_up]));

    let api = Api::new(&stack, Some(token));
    let (customer_id, call) = summarised(&api, &sid).await;
    assert_eq!(call["summary"]["source"], "fallback");
    assert_eq!(call["summary"]["text"], expected.as_str());
    let tasks = tasks_of(&api, &customer_id).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["id"], data["task_id"]);
    assert!(
        tasks[0]["title"].as_str().unwrap().contains(ASKED_PRICE),
        "{tasks:?}"
    );
    client.close().await;
    stack.stop().await.unwrap();
}
