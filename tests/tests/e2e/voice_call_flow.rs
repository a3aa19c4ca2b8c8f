//! A whole call as Twilio drives it: signed `incoming_call` → signed `handle_recording` whose
//! recording is real Hebrew speech on a loopback Twilio → speech engines on loopback servers →
//! TwiML playing audio the gateway serves → signed `call_status` → the call on the timeline.

use crate::voice_support::*;
use agentlocator_tests::{Api, Bus, Db, TestStack};

const BUSINESS_NUMBER: &str = "+97235550177";
const CALL_SID: &str = "CA0123456789abcdef0123456789abcdef"; // example value
const HEARD: &str = "מה שעות הפעילות?";
const REPLY: &str = "אנחנו פתוחים בימים ראשון עד חמישי מתשע עד שש.";

fn call_params(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut p = params(&[
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", CALL_SID),
        ("From", CALLER),
        ("To", BUSINESS_NUMBER),
        ("Direction", "inbound"),
    ]);
    p.extend(params(extra));
    p
}

async fn stack_with(
    openai: &wiremock::MockServer,
    recordings: Option<&wiremock::MockServer>,
    db: Db,
    bus: Bus,
) -> TestStack {
    let mut env = voice_env(db, bus);
    twilio_vars(&mut env);
    if let Some(recordings) = recordings {
        allow_recording_host(&mut env, recordings);
    }
    env.vars.insert("STT_ENGINE".into(), "openai".into());
    env.vars.insert("LLM_ENGINE".into(), "openai".into());
    env.vars.insert("OPENAI_BASE_URL".into(), openai.uri());
    TestStack::start_in(env).await
}

/// `incoming_call`: the greeting as audio the gateway serves, then the first `<Record>`.
async fn incoming(stack: &TestStack) -> String {
    let answer = post_signed(
        stack,
        "/webhook/incoming_call",
        &call_params(&[("CallStatus", "ringing")]),
    )
    .await;
    let els = answer.twiml();
    assert_eq!(names(&els), ["Play", "Record"], "{}", answer.body);
    fetch_audio(stack, &element(&els, "Play").text).await;
    let rec = element(&els, "Record");
    assert_eq!(rec.attr("finishOnKey"), Some("*"));
    assert_eq!(rec.attr("timeout"), Some("5"));
    assert_eq!(rec.attr("maxLength"), Some("30"));
    assert_eq!(rec.attr("playBeep"), Some("true"));
    let action = rec.attr("action").expect("action").to_string();
    assert!(action.starts_with("/webhook/handle_recording"), "{action}");
    action
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_call_lands_on_the_customers_timeline() {
    let (recordings, recording_url) = recording_server(espeak_hebrew_mp3(HEARD)).await;
    let openai = openai_server(HEARD, 200, REPLY).await;
    let stack = stack_with(&openai, Some(&recordings), Db::Postgres, Bus::Nats).await;
    let business_id = business_with_number(&stack, BUSINESS_NUMBER, true).await;

    let action = incoming(&stack).await;
    let answer = post_signed(
        &stack,
        &action,
        &call_params(&[
            ("RecordingUrl", &recording_url),
            ("RecordingDuration", "3"),
            ("RecordingSid", RECORDING_SID),
        ]),
    )
    .await;
    let els = answer.twiml();
    assert_eq!(names(&els), ["Play", "Record"], "{}", answer.body);
    assert!(
        !answer.body.contains(voice_svc::strings::FALLBACK),
        "{}",
        answer.body
    );
    fetch_audio(&stack, &element(&els, "Play").text).await;
    let next = element(&els, "Record").attr("action").unwrap().to_string();
    assert!(next.contains("turn=2"), "{next}");

    // The recording was fetched as .mp3 with the account's credentials (the only mock that
    // answers 200), the speech went to the STT server, the transcript to the LLM.
    let stt_requests = openai
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/v1/audio/transcriptions")
        .count();
    assert_eq!(stt_requests, 1);
    let fetched_mp3 = recordings
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path().ends_with(".mp3") && r.headers.contains_key("authorization"))
        .count();
    assert_eq!(fetched_mp3, 1);

    // The caller listens to the answer and speaks again: by then crm-svc has logged the turn.
    let api = Api::new(&stack, Some(stack.sign_in(&business_id, "agent").await));
    timeline_calls(&api, CALLER, |calls| {
        calls
            .iter()
            .any(|c| c["ai_replies"].as_array().is_some_and(|a| !a.is_empty()))
    })
    .await;
    let second = post_signed(
        &stack,
        &next,
        &call_params(&[
            ("RecordingUrl", &recording_url),
            ("RecordingDuration", "2"),
            ("RecordingSid", RECORDING_SID),
        ]),
    )
    .await;
    assert_eq!(
        names(&second.twiml()),
        ["Play", "Record"],
        "{}",
        second.body
    );
    // The second reply was asked with the conversation so far, in order.
    let chats: Vec<serde_json::Value> = openai
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/v1/chat/completions")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(chats.len(), 2);
    let dialogue = |chat: &serde_json::Value| -> Vec<(String, String)> {
        chat["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] != "system")
            .map(|m| {
                (
                    m["role"].as_str().unwrap().to_owned(),
                    m["content"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let turn = |role: &str, text: &str| (role.to_owned(), text.to_owned());
    assert_eq!(dialogue(&chats[0]), [turn("user", HEARD)]);
    assert_eq!(
        dialogue(&chats[1]),
        [
            turn("user", HEARD),
            turn("assistant", REPLY),
            turn("user", HEARD)
        ]
    );

    let status = post_signed(
        &stack,
        "/webhook/call_status",
        &call_params(&[("CallStatus", "completed"), ("CallDuration", "42")]),
    )
    .await;
    assert_eq!(status.status, 200, "{}", status.body);

    let (customer_id, calls) = timeline_calls(&api, CALLER, |calls| {
        calls.iter().any(|c| {
            c["status"] == "completed" && c["ai_replies"].as_array().is_some_and(|a| a.len() == 2)
        })
    })
    .await;
    assert!(!customer_id.is_empty(), "the caller became a customer");
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call["twilio_sid"], CALL_SID);
    assert_eq!(call["direction"], "inbound");
    assert_eq!(call["status"], "completed");
    assert_eq!(call["duration_seconds"], 42);
    assert_eq!(call["transcript"], format!("{HEARD}\n{HEARD}"));
    assert_eq!(call["transcript_status"], "done");
    assert_eq!(call["ai_replies"], serde_json::json!([REPLY, REPLY]));
    assert_eq!(call["recording_url"], recording_url.as_str());
    assert!(call["ended_at"].is_string(), "{call}");
    let (_, customer) = api.get(&format!("/api/crm/customers/{customer_id}")).await;
    assert_eq!(customer["status"], "lead");
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_stt_is_heard_as_the_fallback_exactly_once() {
    let (recordings, recording_url) = recording_server(espeak_hebrew_mp3(HEARD)).await;
    let openai = openai_server(HEARD, 500, REPLY).await;
    let stack = stack_with(&openai, Some(&recordings), Db::Sqlite, Bus::Memory).await;
    business_with_number(&stack, BUSINESS_NUMBER, true).await;

    let action = incoming(&stack).await;
    let recorded = call_params(&[("RecordingUrl", &recording_url), ("RecordingDuration", "3")]);
    let answer = post_signed(&stack, &action, &recorded).await;
    let els = answer.twiml();
    assert_eq!(
        answer.body.matches(voice_svc::strings::FALLBACK).count(),
        1,
        "{}",
        answer.body
    );
    assert_eq!(names(&els), ["Say", "Record"], "{}", answer.body);
    assert_eq!(element(&els, "Say").attr("language"), Some("he-IL"));
    // The caller may try again; a second failure in a row ends the call instead of looping.
    let again = element(&els, "Record").attr("action").unwrap().to_string();
    let answer = post_signed(&stack, &again, &recorded).await;
    let els = answer.twiml();
    assert_eq!(names(&els), ["Say", "Hangup"], "{}", answer.body);
    assert!(
        !answer.body.contains(voice_svc::strings::FALLBACK),
        "{}",
        answer.body
    );
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_recording_asks_once_more_then_ends() {
    let openai = openai_server(HEARD, 200, REPLY).await;
    let stack = stack_with(&openai, None, Db::Sqlite, Bus::Memory).await;
    business_with_number(&stack, BUSINESS_NUMBER, true).await;
    let action = incoming(&stack).await;
    let silent = call_params(&[("RecordingUrl", ""), ("RecordingDuration", "0")]);
    let answer = post_signed(&stack, &action, &silent).await;
    let els = answer.twiml();
    assert_eq!(names(&els), ["Say", "Record"], "{}", answer.body);
    let again = element(&els, "Record").attr("action").unwrap().to_string();
    assert!(again.contains("retry=1"), "{again}");
    let els = post_signed(&stack, &again, &silent).await.twiml();
    assert_eq!(names(&els), ["Say", "Hangup"]);
    // Nothing reached the speech engines.
    assert!(openai.received_requests().await.unwrap().is_empty());
    stack.stop().await.unwrap();
}

/// Two turns the business's own knowledge cannot answer: both transcripts and replies are on
/// the call, and ONE follow-up task exists — the keyless agent's call-back task (one per call),
/// which its completion (reported twice, as Twilio may retry) does not repeat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_question_creates_one_follow_up_task() {
    const QUESTION: &str = "כמה עולה לצבוע שיער באדום?";
    let (recordings, recording_url) = recording_server(espeak_hebrew_mp3(QUESTION)).await;
    let openai = openai_server(QUESTION, 200, "not used").await;
    let mut env = voice_env(Db::Sqlite, Bus::Memory);
    twilio_vars(&mut env);
    allow_recording_host(&mut env, &recordings);
    env.vars.insert("STT_ENGINE".into(), "openai".into());
    env.vars.insert("LLM_ENGINE".into(), "knowledge".into());
    env.vars.insert("OPENAI_BASE_URL".into(), openai.uri());
    let stack = TestStack::start_in(env).await;
    let business_id = business_with_number(&stack, BUSINESS_NUMBER, true).await;

    let mut action = incoming(&stack).await;
    for turn in 2..=3 {
        let answer = post_signed(
            &stack,
            &action,
            &call_params(&[("RecordingUrl", &recording_url), ("RecordingDuration", "2")]),
        )
        .await;
        let els = answer.twiml();
        assert_eq!(names(&els), ["Play", "Record"], "{}", answer.body);
        action = element(&els, "Record").attr("action").unwrap().to_string();
        assert!(action.contains(&format!("turn={turn}")), "{action}");
    }
    for _ in 0..2 {
        let status = post_signed(
            &stack,
            "/webhook/call_status",
            &call_params(&[("CallStatus", "completed"), ("CallDuration", "30")]),
        )
        .await;
        assert_eq!(status.status, 200);
    }

    let api = Api::new(&stack, Some(stack.sign_in(&business_id, "agent").await));
    let (customer_id, calls) = timeline_calls(&api, CALLER, |calls| {
        calls.iter().any(|c| {
            c["status"] == "completed" && c["ai_replies"].as_array().is_some_and(|a| a.len() == 2)
        })
    })
    .await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        calls[0]["transcript"],
        format!("{QUESTION}\n{QUESTION}").as_str()
    );
    assert_eq!(calls[0]["ai_replies"].as_array().unwrap().len(), 2);
    let tasks = agentlocator_tests::wait_for_count(1, std::time::Duration::from_secs(20), || {
        let api = api.clone();
        let customer_id = customer_id.clone();
        async move {
            let (_, page) = api
                .get(&format!("/api/tasks?customer_id={customer_id}"))
                .await;
            page["total"].as_i64().unwrap_or_default()
        }
    })
    .await;
    assert_eq!(tasks, 1);
    let (_, page) = api
        .get(&format!("/api/tasks?customer_id={customer_id}"))
        .await;
    let title = page["items"][0]["title"].as_str().unwrap();
    assert!(title.contains(QUESTION), "{title}");
    stack.stop().await.unwrap();
}

/// A turn over its budget: the caller hears the fallback and the next `<Record>` at once, and
/// the turn's late transcript and reply still land on the call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_over_budget_says_the_fallback_and_stores_the_late_result() {
    let (recordings, recording_url) = recording_server(espeak_hebrew_mp3(HEARD)).await;
    let openai = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/v1/audio/transcriptions"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"text": HEARD}))
                // Far past the 500 ms budget below.
                .set_delay(std::time::Duration::from_secs(4)),
        )
        .mount(&openai)
        .await;
    wiremock::Mock::given(wiremock::matchers::path("/v1/chat/completions"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "choices": [{"index": 0, "message": {"role": "assistant", "content": REPLY}}]
            })),
        )
        .mount(&openai)
        .await;
    let mut env = voice_env(Db::Sqlite, Bus::Memory);
    twilio_vars(&mut env);
    allow_recording_host(&mut env, &recordings);
    env.vars.insert("STT_ENGINE".into(), "openai".into());
    env.vars.insert("LLM_ENGINE".into(), "openai".into());
    env.vars.insert("OPENAI_BASE_URL".into(), openai.uri());
    env.vars.insert("VOICE_TURN_BUDGET_MS".into(), "500".into());
    let stack = TestStack::start_in(env).await;
    let business_id = business_with_number(&stack, BUSINESS_NUMBER, true).await;

    let action = incoming(&stack).await;
    let answer = post_signed(
        &stack,
        &action,
        &call_params(&[("RecordingUrl", &recording_url), ("RecordingDuration", "3")]),
    )
    .await;
    let els = answer.twiml();
    assert_eq!(names(&els), ["Say", "Record"], "{}", answer.body);
    assert_eq!(element(&els, "Say").text, voice_svc::strings::FALLBACK);

    let api = Api::new(&stack, Some(stack.sign_in(&business_id, "agent").await));
    let (_, calls) = timeline_calls(&api, CALLER, |calls| {
        calls
            .iter()
            .any(|c| c["ai_replies"].as_array().is_some_and(|a| !a.is_empty()))
    })
    .await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["transcript"], HEARD);
    assert_eq!(calls[0]["ai_replies"], serde_json::json!([REPLY]));
    stack.stop().await.unwrap();
}
