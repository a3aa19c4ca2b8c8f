//! The business's agent on a call in record mode, end to end: a signed `handle_recording` whose
//! recording (real Hebrew speech on a loopback Twilio) asks for an appointment → speech-svc's
//! agent asks a loopback OpenAI-compatible server, which answers with a scripted
//! `book_appointment` call → crm-svc's RunAgentTool books it for the caller → the model confirms
//! → the caller hears that confirmation. Also: a model whose tool calls are malformed (an unknown
//! tool, arguments that are not JSON) still ends in a polite Hebrew answer, never an error;
//! `hand_off` dials the staff number or takes a message; without an LLM nothing is booked and a
//! call-back task is noted.
//!
//! Real: the gateway, voice-svc, speech-svc (download, MP3 decode, espeak-ng speech), crm-svc and
//! its database, the events. Simulated: Twilio (signed requests, a loopback recording server) and
//! the model (a loopback chat-completions server with scripted answers; its transcription answers
//! the sentence the recording says).

use crate::voice_support::*;
use agentlocator_proto::v1::{SynthesizeRequest, speech_service_client::SpeechServiceClient};
use agentlocator_tests::{
    Api, Bus, Db, TestStack,
    openai_chat::{body, mount_scripted_chat, tool_call as call, tool_messages},
};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path},
};

const BUSINESS_NUMBER: &str = "+97235550188";
const CALL_SID: &str = "CA0123456789abcdef0123456789abc0a1"; // example value
const ASKED: &str = "אפשר לקבוע תור ליום שלישי ב-10?";
/// Tuesday 8 January 2030, 10:00 Israel time (winter, +02:00): in the future, inside the hours.
const STARTS_AT: &str = "2030-01-08T10:00:00+02:00";
const CONFIRMED: &str = "קבעתי לך תור ליום שלישי, שמונה בינואר, בשעה עשר. נתראה!";
const SORRY: &str = "סליחה, לא הצלחתי לקבוע את התור כרגע. נציג מטעמנו יחזור אליך בהקדם.";

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

/// A loopback OpenAI-compatible server: the transcription is [`ASKED`]; the chat answers
/// `tool_calls` first, then `final_text` ([`mount_scripted_chat`]).
async fn scripted_model(tool_calls: Value, final_text: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/transcriptions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"text": ASKED})))
        .mount(&server)
        .await;
    mount_scripted_chat(&server, tool_calls, final_text).await;
    server
}

struct Call {
    stack: TestStack,
    model: MockServer,
    _recordings: MockServer,
    recording_url: String,
    business_id: String,
    /// The TwiML answering the caller's turn.
    answer: WebhookAnswer,
}

/// A stack whose model is `model`, a business on [`BUSINESS_NUMBER`] (its agent handing calls to
/// `handoff_phone` when set), and one caller turn saying [`ASKED`] in record mode.
async fn one_turn(model: MockServer, db: Db, bus: Bus) -> Call {
    one_turn_with(model, db, bus, None, "openai").await
}

async fn one_turn_with(
    model: MockServer,
    db: Db,
    bus: Bus,
    handoff_phone: Option<&str>,
    llm_engine: &str,
) -> Call {
    let (recordings, recording_url) = recording_server(espeak_hebrew_mp3(ASKED)).await;
    let mut env = voice_env(db, bus);
    twilio_vars(&mut env);
    allow_recording_host(&mut env, &recordings);
    env.vars.insert("STT_ENGINE".into(), "openai".into());
    env.vars.insert("LLM_ENGINE".into(), llm_engine.into());
    env.vars.insert("OPENAI_BASE_URL".into(), model.uri());
    let stack = TestStack::start_in(env).await;
    let business_id = business_with_number(&stack, BUSINESS_NUMBER, true).await;
    if let Some(phone) = handoff_phone {
        let owner = Api::new(&stack, Some(stack.sign_in(&business_id, "owner").await));
        let (s, d) = owner
            .put(
                "/api/business/agent",
                json!({
                    "persona": "את נועה, המזכירה של העסק.",
                    "instructions": "מי שמבקש לדבר עם אדם מועבר לצוות.",
                    "allowed_actions": ["lookup_customer", "book_appointment", "create_task", "hand_off", "end_call"],
                    "whatsapp_agent_enabled": false,
                    "staff_silence_minutes": 30,
                    "handoff_phone": phone,
                    "appointment_minutes": 30,
                }),
            )
            .await;
        assert_eq!(s, 200, "{d}");
    }

    let incoming = post_signed(
        &stack,
        "/webhook/incoming_call",
        &call_params(&[("CallStatus", "ringing")]),
    )
    .await;
    let els = incoming.twiml();
    let action = element(&els, "Record")
        .attr("action")
        .expect("action")
        .to_string();
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
    Call {
        stack,
        model,
        _recordings: recordings,
        recording_url,
        business_id,
        answer,
    }
}

/// The speech-svc audio URL of `text` in the default voice (content-addressed: the same text
/// is the same file).
async fn audio_url_of(stack: &TestStack, text: &str) -> String {
    let mut speech = SpeechServiceClient::connect(stack.config.services.speech.url.clone())
        .await
        .expect("speech-svc gRPC");
    speech
        .synthesize(SynthesizeRequest {
            text: text.into(),
            voice: String::new(),
        })
        .await
        .expect("Synthesize")
        .into_inner()
        .audio
        .expect("audio")
        .url
}

/// The timeline of the caller's customer once `ready` accepts it (30 s at most).
async fn caller_timeline(api: &Api, ready: impl Fn(&[Value]) -> bool) -> (String, Vec<Value>) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, list) = api
            .get(&format!(
                "/api/crm/customers?q={}",
                agentlocator_tests::twilio::url_encode(CALLER)
            ))
            .await;
        if let Some(id) = list["items"][0]["id"].as_str() {
            let (s, tl) = api.get(&format!("/api/customers/{id}/timeline")).await;
            assert_eq!(s, 200, "{tl}");
            let items = tl.as_array().cloned().unwrap_or_default();
            if ready(&items) || tokio::time::Instant::now() > deadline {
                return (id.to_string(), items);
            }
        } else if tokio::time::Instant::now() > deadline {
            return (String::new(), Vec::new());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

async fn appointments_in_january_2030(api: &Api) -> Vec<Value> {
    let (s, list) = api
        .get("/api/appointments?from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z")
        .await;
    assert_eq!(s, 200, "{list}");
    list["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_asking_for_an_appointment_gets_it_booked_and_hears_the_confirmation() {
    let args = json!({"starts_at": STARTS_AT}).to_string();
    let model = scripted_model(
        json!([call("call_1", "book_appointment", &args)]),
        CONFIRMED,
    )
    .await;
    let c = one_turn(model, Db::Sqlite, Bus::Memory).await;

    // The caller hears the model's confirmation: its speech, then the next turn's recording.
    let els = c.answer.twiml();
    assert_eq!(names(&els), ["Play", "Record"], "{}", c.answer.body);
    let played = element(&els, "Play").text.clone();
    assert_eq!(played, audio_url_of(&c.stack, CONFIRMED).await);
    fetch_audio(&c.stack, &played).await;

    // The model was offered the tools and got the booking's real result back.
    let requests = c.model.received_requests().await.unwrap();
    let chats: Vec<&Request> = requests
        .iter()
        .filter(|r| r.url.path() == "/v1/chat/completions")
        .collect();
    assert_eq!(chats.len(), 2, "one tool round, then the words");
    let offered: Vec<String> = body(chats[0])["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        offered.contains(&"book_appointment".to_string()),
        "{offered:?}"
    );
    let result: Value =
        serde_json::from_str(tool_messages(chats[1])[0]["content"].as_str().unwrap()).unwrap();
    assert_eq!(result["starts_at"], STARTS_AT, "{result}");

    // The appointment is in the calendar, for the caller, and on their timeline as the agent's.
    let api = Api::new(
        &c.stack,
        Some(c.stack.sign_in(&c.business_id, "agent").await),
    );
    let booked = appointments_in_january_2030(&api).await;
    assert_eq!(booked.len(), 1, "{booked:?}");
    assert_eq!(booked[0]["id"], result["appointment_id"]);
    let (customer_id, items) = caller_timeline(&api, |items| {
        items.iter().any(|i| i["type"] == "agent")
            && items.iter().any(|i| {
                i["type"] == "call" && i["ai_replies"].as_array().is_some_and(|a| !a.is_empty())
            })
    })
    .await;
    assert_eq!(booked[0]["customer_id"], customer_id.as_str());
    let action = items
        .iter()
        .find(|i| i["type"] == "agent")
        .unwrap_or_else(|| panic!("no agent action on the timeline: {items:?}"));
    assert_eq!(action["tool"], "book_appointment", "{action}");
    assert_eq!(action["turn_text"], ASKED, "{action}");
    let call = items.iter().find(|i| i["type"] == "call").unwrap();
    assert!(call["ai_replies"].to_string().contains(CONFIRMED), "{call}");

    c.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_tool_calls_end_in_a_polite_hebrew_answer_not_an_error() {
    let model = scripted_model(
        json!([
            call("call_1", "fly_to_the_moon", "{}"),
            call("call_2", "book_appointment", "{\"starts_at\": 2030-01-08"),
        ]),
        SORRY,
    )
    .await;
    let c = one_turn(model, Db::Postgres, Bus::Nats).await;

    let els = c.answer.twiml();
    assert_eq!(names(&els), ["Play", "Record"], "{}", c.answer.body);
    assert!(
        !c.answer.body.contains(voice_svc::strings::FALLBACK),
        "{}",
        c.answer.body
    );
    assert_eq!(
        element(&els, "Play").text,
        audio_url_of(&c.stack, SORRY).await
    );
    // Both calls were refused as tool results the model read, and nothing was booked.
    let requests = c.model.received_requests().await.unwrap();
    let last = requests
        .iter()
        .rev()
        .find(|r| r.url.path() == "/v1/chat/completions")
        .unwrap();
    let results = tool_messages(last);
    assert_eq!(results.len(), 2, "{results:?}");
    for r in &results {
        let content: Value = serde_json::from_str(r["content"].as_str().unwrap()).unwrap();
        assert!(content["error"].is_string(), "{content}");
    }
    let api = Api::new(
        &c.stack,
        Some(c.stack.sign_in(&c.business_id, "agent").await),
    );
    assert_eq!(
        appointments_in_january_2030(&api).await,
        Vec::<Value>::new()
    );
    let (_, items) = caller_timeline(&api, |items| {
        items.iter().any(|i| {
            i["type"] == "call" && i["ai_replies"].as_array().is_some_and(|a| !a.is_empty())
        })
    })
    .await;
    assert!(
        !items.iter().any(|i| i["type"] == "agent"),
        "a refused call is no action: {items:?}"
    );

    c.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_off_dials_the_staff_number_and_leaves_a_task() {
    let model = scripted_model(
        json!([call(
            "call_1",
            "hand_off",
            r#"{"reason": "רוצה לדבר עם נציג"}"#
        )]),
        "מעבירה אותך לנציג, רגע אחד.",
    )
    .await;
    let c = one_turn_with(
        model,
        Db::Sqlite,
        Bus::Memory,
        Some("052-1112233"),
        "openai",
    )
    .await;
    let els = c.answer.twiml();
    assert_eq!(
        names(&els),
        ["Play", "Dial", "Number", "Say", "Hangup"],
        "{}",
        c.answer.body
    );
    assert_eq!(element(&els, "Number").text, "+972521112233");
    assert_eq!(
        element(&els, "Dial").attr("callerId"),
        Some(BUSINESS_NUMBER)
    );
    let api = Api::new(
        &c.stack,
        Some(c.stack.sign_in(&c.business_id, "agent").await),
    );
    let (customer_id, _) =
        caller_timeline(&api, |items| items.iter().any(|i| i["type"] == "agent")).await;
    let (_, tasks) = api
        .get(&format!("/api/tasks?customer_id={customer_id}"))
        .await;
    assert_eq!(tasks["total"], 1, "{tasks}");
    c.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_off_without_a_number_takes_a_message_then_ends_the_call() {
    let model = scripted_model(
        json!([call(
            "call_1",
            "hand_off",
            r#"{"reason": "רוצה לדבר עם נציג"}"#
        )]),
        "אין כרגע נציג פנוי.",
    )
    .await;
    let c = one_turn(model, Db::Sqlite, Bus::Memory).await;
    let els = c.answer.twiml();
    assert_eq!(names(&els), ["Play", "Say", "Record"], "{}", c.answer.body);
    assert_eq!(element(&els, "Say").text, voice_svc::strings::LEAVE_MESSAGE);
    let action = element(&els, "Record").attr("action").unwrap().to_string();
    assert!(action.contains("msg=1"), "{action}");
    // The message: transcribed onto the call, not answered; the call ends.
    let chats_before = c
        .model
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v1/chat/completions")
        .count();
    let message = post_signed(
        &c.stack,
        &action,
        &call_params(&[
            ("RecordingUrl", &c.recording_url),
            ("RecordingDuration", "4"),
            ("RecordingSid", "RE0123456789abcdef0123456789abcd02"),
        ]),
    )
    .await;
    let els = message.twiml();
    assert_eq!(names(&els), ["Say", "Hangup"], "{}", message.body);
    assert_eq!(
        element(&els, "Say").text,
        voice_svc::strings::RECORDED_FOR_CALLBACK
    );
    let chats_after = c
        .model
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v1/chat/completions")
        .count();
    assert_eq!(chats_before, chats_after, "a message is not answered");
    let api = Api::new(
        &c.stack,
        Some(c.stack.sign_in(&c.business_id, "agent").await),
    );
    let (_, items) = caller_timeline(&api, |items| {
        items.iter().any(|i| {
            i["type"] == "call"
                && i["transcript"]
                    .as_str()
                    .is_some_and(|t| t.matches(ASKED).count() == 2)
        })
    })
    .await;
    let call = items.iter().find(|i| i["type"] == "call").unwrap();
    assert_eq!(
        call["transcript"].as_str().unwrap().matches(ASKED).count(),
        2,
        "the message is on the call: {call}"
    );
    c.stack.stop().await.expect("clean stop");
}

/// Without an LLM (`LLM_ENGINE=knowledge`, only the transcription is simulated) the agent never
/// pretends to book: the caller hears that the request was noted for a call back, and that task
/// exists; nothing is in the calendar and no chat model was asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keyless_agent_never_books_and_notes_a_call_back() {
    let model = scripted_model(json!([]), "not used").await;
    let c = one_turn_with(model, Db::Sqlite, Bus::Memory, None, "knowledge").await;
    let els = c.answer.twiml();
    assert_eq!(names(&els), ["Play", "Record"], "{}", c.answer.body);
    assert_eq!(
        element(&els, "Play").text,
        audio_url_of(&c.stack, speech_svc::strings::AGENT_CANNOT_ACT_NOTED).await
    );
    assert!(
        !c.model
            .received_requests()
            .await
            .unwrap()
            .iter()
            .any(|r| r.url.path() == "/v1/chat/completions")
    );
    let api = Api::new(
        &c.stack,
        Some(c.stack.sign_in(&c.business_id, "agent").await),
    );
    assert_eq!(
        appointments_in_january_2030(&api).await,
        Vec::<Value>::new()
    );
    let (customer_id, items) =
        caller_timeline(&api, |items| items.iter().any(|i| i["type"] == "agent")).await;
    let action = items.iter().find(|i| i["type"] == "agent").unwrap();
    assert_eq!(action["tool"], "create_task", "{action}");
    let (_, tasks) = api
        .get(&format!("/api/tasks?customer_id={customer_id}"))
        .await;
    assert_eq!(tasks["total"], 1, "{tasks}");
    assert!(
        tasks["items"][0]["title"].as_str().unwrap().contains(ASKED),
        "{tasks}"
    );
    c.stack.stop().await.expect("clean stop");
}
