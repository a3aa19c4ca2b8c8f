//! Realtime calls end to end, Twilio played by a WebSocket client: a signed `incoming_call` is
//! answered with `<Connect><Stream>`; the stream is opened through the gateway with the signed
//! upgrade, real Hebrew speech (espeak-ng → 8 kHz μ-law) goes in at real-time pace, the reply's
//! audio comes back in 20 ms frames with marks, the caller barges in and hears `clear`, and the
//! call's turns land on the customer's timeline. Providers are loopback servers speaking OpenAI's
//! documented formats (the cascade's STT, streamed chat completions and PCM speech here), Twilio's
//! REST API a loopback server too.

use crate::voice_support::*;
use agentlocator_tests::{
    Api, Bus, Db, TestStack,
    realtime::{Latencies, cascade_providers, hebrew_mulaw, stream_of},
    twilio_media::{Refused, TwilioStream},
};
use std::{collections::HashMap, time::Duration};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path_regex},
};

const BUSINESS_NUMBER: &str = "+97235550188";
const HEARD: &str = "מה שעות הפעילות שלכם?";
const REPLY: &str =
    "אנחנו פתוחים בימים ראשון עד חמישי, מתשע בבוקר ועד שש בערב. ביום שישי אנחנו פתוחים עד הצהריים.";
const INTERRUPTION: &str = "רגע, ומה עם יום שבת בבקשה?";

fn call_sid() -> String {
    format!("CA{}", uuid::Uuid::now_v7().simple())
}

fn call_params(sid: &str) -> Vec<(String, String)> {
    params(&[
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", sid),
        ("From", CALLER),
        ("To", BUSINESS_NUMBER),
        ("Direction", "inbound"),
        ("CallStatus", "ringing"),
    ])
}

/// The cascade's loopback providers at the default latencies: the caller says [`HEARD`], the
/// agent answers [`REPLY`].
async fn providers() -> MockServer {
    cascade_providers(
        HEARD,
        REPLY,
        espeak_hebrew_mp3("שלום"),
        Latencies::default(),
    )
    .await
}

/// A loopback Twilio REST API that accepts recordings of any call.
async fn twilio_api() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(
            r"^/2010-04-01/Accounts/AC[0-9a-f]{32}/Calls/CA[0-9a-f]{32}/Recordings\.json$",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "sid": "RE0123456789abcdef0123456789abcdef", "status": "in-progress"
        })))
        .mount(&server)
        .await;
    server
}

/// A cascade stack on loopback providers and Twilio, with `extra` variables.
async fn cascade_stack(
    providers: &MockServer,
    twilio: &MockServer,
    db: Db,
    bus: Bus,
    extra: &[(&str, &str)],
) -> TestStack {
    let mut env = voice_env(db, bus);
    twilio_vars(&mut env);
    for (k, v) in [
        ("REALTIME_ENGINE", "cascade".to_string()),
        ("STT_ENGINE", "openai".into()),
        ("LLM_ENGINE", "openai".into()),
        ("TTS_ENGINE", "openai".into()),
        ("OPENAI_BASE_URL", providers.uri()),
        ("TWILIO_API_BASE_URL", twilio.uri()),
    ] {
        env.vars.insert(k.into(), v);
    }
    for (k, v) in extra {
        env.vars.insert(k.to_string(), v.to_string());
    }
    TestStack::start_in(env).await
}

/// The stream URL as Twilio would open it, but at the stack's real address (the TwiML names
/// PUBLIC_BASE_URL's host, which Twilio signs).
fn reachable(stack: &TestStack, stream_url: &str) -> String {
    let path = stream_url
        .split_once("/webhook/")
        .map(|(_, p)| format!("/webhook/{p}"))
        .expect("stream path");
    stack.url(&path).replacen("http://", "ws://", 1)
}

fn stream_signature(stream_url: &str) -> String {
    voice_svc::twilio_signature::compute(AUTH_TOKEN, stream_url, &[])
}

/// `incoming_call` → the stream's URL and parameters.
async fn answer(stack: &TestStack, sid: &str) -> (String, HashMap<String, String>) {
    let a = post_signed(stack, "/webhook/incoming_call", &call_params(sid)).await;
    let els = a.twiml();
    // The greeting (played, or said when its synthesis failed), the stream, then the fallback.
    assert_eq!(
        names(&els)[1..],
        [
            "Connect",
            "Stream",
            "Parameter",
            "Parameter",
            "Parameter",
            "Parameter",
            "Parameter",
            "Say",
            "Record"
        ],
        "{}",
        a.body
    );
    let fallback = els.iter().rfind(|e| e.name == "Say").unwrap();
    assert_eq!(fallback.text, voice_svc::strings::FALLBACK);
    let (url, params) = stream_of(&a.body);
    assert_eq!(url, "ws://127.0.0.1:8080/webhook/media_stream");
    assert!(params.contains_key("token"), "{params:?}");
    (url, params)
}

/// A cascade stack with providers at the default latencies, a business on [`BUSINESS_NUMBER`],
/// and one answered call: the stack, the business, the call's SID, stream URL and parameters.
async fn cascade_call(
    providers: &MockServer,
    twilio: &MockServer,
) -> (TestStack, String, String, String, HashMap<String, String>) {
    cascade_call_with(providers, twilio, &[]).await
}

/// [`cascade_call`] on a stack with more variables.
async fn cascade_call_with(
    providers: &MockServer,
    twilio: &MockServer,
    extra: &[(&str, &str)],
) -> (TestStack, String, String, String, HashMap<String, String>) {
    let stack = cascade_stack(providers, twilio, Db::Sqlite, Bus::Memory, extra).await;
    let business_id = business_with_number(&stack, BUSINESS_NUMBER, true).await;
    let sid = call_sid();
    let (url, params) = answer(&stack, &sid).await;
    (stack, business_id, sid, url, params)
}

/// Opens the call's stream as Twilio does: the stream URL's signature, the call's parameters.
async fn open_stream(
    stack: &TestStack,
    url: &str,
    sid: &str,
    params: &HashMap<String, String>,
) -> TwilioStream {
    TwilioStream::open(
        &reachable(stack, url),
        Some(&stream_signature(url)),
        sid,
        params,
    )
    .await
    .expect("the signed upgrade is accepted")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cascade_call_talks_is_interrupted_and_lands_on_the_timeline() {
    let providers = providers().await;
    let twilio = twilio_api().await;
    let (stack, business_id, sid, url, params) = cascade_call(&providers, &twilio).await;

    let call = open_stream(&stack, &url, &sid, &params).await;
    call.say(hebrew_mulaw(HEARD));
    assert!(
        call.wait_until(Duration::from_secs(15), |l| l.media().len() >= 25)
            .await,
        "reply audio arrives"
    );
    {
        let log = call.log.lock().unwrap();
        let end = log.utterance_ends[0];
        let first = log.first_media_after(end).expect("reply after the turn");
        // Silence ends the turn (espeak's quiet tail counts as speech to this side, so less than
        // the 600 ms shows here); then STT 150 + LLM 300 + TTS 150 ms on loopback.
        let v2v = first - end;
        assert!(v2v >= Duration::from_millis(600), "{v2v:?}");
        assert!(v2v < Duration::from_millis(3000), "{v2v:?}");
        assert!(log.media().iter().all(|(_, n)| *n == 160), "20 ms frames");
    }
    // Marks come back as the audio plays.
    assert!(
        call.wait_until(Duration::from_secs(5), |l| !l.marks_echoed.is_empty())
            .await,
        "marks"
    );
    // The reply is several seconds long: after 3 s of it the caller speaks over it.
    assert!(
        call.wait_until(Duration::from_secs(10), |l| l.media().len() >= 150)
            .await,
        "3 s of the reply"
    );
    call.say(hebrew_mulaw(INTERRUPTION));
    assert!(
        call.wait_until(Duration::from_secs(5), |l| !l.clears().is_empty())
            .await,
        "barge-in clears Twilio's buffer"
    );
    {
        let log = call.log.lock().unwrap();
        let onset = log.utterance_starts[1];
        let clear = log.clears()[0];
        let barge_in = clear - onset;
        assert!(barge_in < Duration::from_millis(600), "{barge_in:?}");
    }
    // The second turn is answered too.
    let frames_at_clear = call.log.lock().unwrap().media().len();
    assert!(
        call.wait_until(Duration::from_secs(15), |l| l.media().len()
            > frames_at_clear + 150)
            .await,
        "the interruption is answered"
    );
    let log = call.stop().await;
    assert!(
        log.lock().unwrap().closed().is_some(),
        "the service closed the stream"
    );

    // Both turns on the timeline: what the caller said, and of the first reply only what was
    // heard before the interruption.
    let api = Api::new(&stack, Some(stack.sign_in(&business_id, "agent").await));
    let (_, calls) = timeline_calls(&api, CALLER, |calls| {
        calls
            .iter()
            .any(|c| c["ai_replies"].as_array().is_some_and(|a| a.len() >= 2))
    })
    .await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    let c = &calls[0];
    assert_eq!(c["twilio_sid"], sid.as_str());
    let replies: Vec<&str> = c["ai_replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(replies.len(), 2, "{c}");
    assert_ne!(replies[0], REPLY, "the first reply was cut off: {c}");
    assert!(
        REPLY.starts_with(replies[0].trim_end_matches('…')),
        "{replies:?}"
    );
    assert!(c["transcript"].as_str().unwrap().contains(HEARD), "{c}");

    // The call was recorded on two channels through Twilio's REST API.
    let recordings = twilio.received_requests().await.unwrap();
    assert_eq!(recordings.len(), 1);
    let form = String::from_utf8_lossy(&recordings[0].body).to_string();
    assert!(form.contains("RecordingChannels=dual"), "{form}");
    assert!(
        form.contains(&format!("business_id%3D{business_id}")),
        "{form}"
    );
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_without_a_valid_signature_or_token_are_refused_and_store_nothing() {
    let providers = providers().await;
    let twilio = twilio_api().await;
    let (stack, _business, sid, url, params) = cascade_call(&providers, &twilio).await;
    let ws = reachable(&stack, &url);

    // No signature, a wrong one, the signature of another URL: refused at the upgrade.
    for sig in [
        None,
        Some("bm90IGEgc2lnbmF0dXJl"),
        Some(stream_signature("ws://127.0.0.1:8080/other").as_str()),
    ] {
        match TwilioStream::open(&ws, sig, &sid, &params).await {
            Err(Refused::Status(403)) => {}
            Err(e) => panic!("{sig:?}: {e:?}"),
            Ok(_) => panic!("{sig:?}: accepted"),
        }
    }
    let signed = stream_signature(&url);
    // A forged token, a token of another call, another business: closed at `start`.
    let mut forged = params.clone();
    forged.insert("token".into(), "Zm9yZ2Vk".into());
    let mut other_business = params.clone();
    other_business.insert("business_id".into(), uuid::Uuid::now_v7().to_string());
    for (call, p) in [
        (sid.as_str(), &forged),
        ("CA00000000000000000000000000000000", &params),
        (sid.as_str(), &other_business),
    ] {
        let s = TwilioStream::open_quiet(&ws, Some(&signed), call, p)
            .await
            .expect("upgrade");
        assert!(
            s.wait_until(Duration::from_secs(5), |l| l.closed().is_some())
                .await,
            "closed"
        );
        let log = s.log.lock().unwrap();
        assert_eq!(log.closed().unwrap().1, Some(1008), "policy violation");
        assert!(log.media().is_empty());
    }
    // The real token once; a replay of it is closed.
    let first = TwilioStream::open(&ws, Some(&signed), &sid, &params)
        .await
        .expect("upgrade");
    // Malformed frames and unknown events are ignored: the stream stays up.
    first.send_raw("not json");
    first.send_raw(r#"{"event":"media","media":{"payload":"%%%"}}"#);
    first.send_raw(r#"{"event":"something_new","x":1}"#);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!first.is_closed(), "malformed frames do not end a call");
    let replay = TwilioStream::open_quiet(&ws, Some(&signed), &sid, &params)
        .await
        .expect("upgrade");
    assert!(
        replay
            .wait_until(Duration::from_secs(5), |l| l.closed().is_some())
            .await
    );
    assert_eq!(replay.log.lock().unwrap().closed().unwrap().1, Some(1008));
    first.stop().await;
    // Nothing from any refused stream reached the call: no transcript, no reply.
    assert_eq!(
        calls_with_sid(&stack, "CA00000000000000000000000000000000").await,
        0
    );
    let db = stack.db().await;
    let sid2 = sid.clone();
    let replies: Vec<String> = db
        .run(move |conn| {
            use crm_svc::schema::calls::dsl;
            use diesel::prelude::*;
            dsl::calls
                .filter(dsl::twilio_sid.eq(sid2))
                .select(dsl::ai_replies)
                .load::<String>(conn)
                .map_err(Into::into)
        })
        .await
        .unwrap();
    assert!(
        replies.iter().all(|r| r == "[]" || r.is_empty()),
        "{replies:?}"
    );
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_business_on_the_record_loop_gets_record_twiml_and_a_failing_provider_falls_back_once() {
    // The STT provider fails: the engine reports a failure and the stream is closed normally,
    // so Twilio goes on with the TwiML after <Connect>: the fallback once, then the record loop.
    let providers = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("down"))
        .mount(&providers)
        .await;
    let twilio = twilio_api().await;
    let (stack, business_id, sid, url, params) = cascade_call(&providers, &twilio).await;
    let call = open_stream(&stack, &url, &sid, &params).await;
    call.say(hebrew_mulaw(HEARD));
    assert!(
        call.wait_until(Duration::from_secs(15), |l| l.closed().is_some())
            .await,
        "the stream is closed on the provider's failure"
    );
    {
        let log = call.log.lock().unwrap();
        assert_eq!(
            log.closed().unwrap().1,
            Some(1000),
            "a normal close: Twilio continues"
        );
        assert!(
            log.media().is_empty(),
            "no audio of its own: the fallback is Twilio's <Say>"
        );
    }

    // The business chooses the record loop: incoming_call answers <Play><Record> again.
    let api = Api::new(&stack, Some(stack.sign_in(&business_id, "owner").await));
    let (status, body) = api
        .patch("/api/business", serde_json::json!({"voice_mode": "record"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let a = post_signed(&stack, "/webhook/incoming_call", &call_params(&call_sid())).await;
    // (The greeting is said: its synthesis fails with the providers down.)
    assert_eq!(names(&a.twiml()), ["Say", "Record"], "{}", a.body);
    stack.stop().await.unwrap();
}

/// The stack on SQLite with the `openai` realtime engine at `server` (key `key`), a loopback
/// Twilio REST API (kept alive by the caller) and a business on [`BUSINESS_NUMBER`].
async fn openai_stack(
    server: &agentlocator_tests::openai_realtime::RealtimeServer,
    key: &str,
) -> (TestStack, MockServer, String) {
    let twilio = twilio_api().await;
    let mut env = voice_env(Db::Sqlite, Bus::Memory);
    twilio_vars(&mut env);
    for (k, v) in [
        ("REALTIME_ENGINE", "openai".to_string()),
        ("OPENAI_API_KEY", key.into()),
        ("OPENAI_BASE_URL", server.base_url()),
        ("TWILIO_API_BASE_URL", twilio.uri()),
    ] {
        env.vars.insert(k.into(), v);
    }
    let stack = TestStack::start_in(env).await;
    let business_id = business_with_number(&stack, BUSINESS_NUMBER, true).await;
    (stack, twilio, business_id)
}

/// The `openai` engine through the whole stack: Twilio's stream in, the loopback OpenAI Realtime
/// server (GA events) behind voice-svc; μ-law passes through both ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_openai_call_passes_audio_through_is_interrupted_and_lands_on_the_timeline() {
    use agentlocator_tests::openai_realtime::{RealtimeServer, RealtimeServerConfig, ScriptedTurn};
    const SECOND_REPLY: &str = "בשבת אנחנו סגורים.";
    let key = "sk-loopback-example"; // example value, not a credential
    let server = RealtimeServer::start(RealtimeServerConfig {
        api_key: Some(key.into()),
        turns: vec![
            ScriptedTurn {
                caller: HEARD.into(),
                reply_text: REPLY.into(),
                reply_audio: hebrew_mulaw(REPLY),
            },
            ScriptedTurn {
                caller: INTERRUPTION.into(),
                reply_text: SECOND_REPLY.into(),
                reply_audio: hebrew_mulaw(SECOND_REPLY),
            },
        ],
        // Audio generated at real time, so the reply is still being produced when the caller
        // barges in (a reply already produced in full is truncated but not cancelled).
        chunk: Duration::from_millis(100),
        chunk_interval: Duration::from_millis(100),
        ..Default::default()
    })
    .await;
    let (stack, _twilio, business_id) = openai_stack(&server, key).await;
    let sid = call_sid();
    let (url, params) = answer(&stack, &sid).await;
    let call = open_stream(&stack, &url, &sid, &params).await;
    call.say(hebrew_mulaw(HEARD));
    assert!(
        call.wait_until(Duration::from_secs(15), |l| l.media().len() >= 150)
            .await,
        "3 s of the reply"
    );
    // The session told the provider the business, μ-law both ways, Hebrew transcription.
    let update = &server.of_type("session.update")[0].event["session"];
    assert_eq!(update["audio"]["input"]["format"]["type"], "audio/pcmu");
    assert_eq!(update["audio"]["output"]["format"]["type"], "audio/pcmu");
    assert!(
        update["instructions"]
            .as_str()
            .unwrap()
            .contains("מספרת הדגמה"),
        "{update}"
    );
    assert_eq!(
        server.authorizations()[0].as_deref(),
        Some(format!("Bearer {key}").as_str())
    );

    call.say(hebrew_mulaw(INTERRUPTION));
    assert!(
        call.wait_until(Duration::from_secs(5), |l| !l.clears().is_empty())
            .await,
        "barge-in clears Twilio's buffer"
    );
    let cancels = server
        .wait_for("response.cancel", 1, Duration::from_secs(5))
        .await;
    assert_eq!(cancels.len(), 1, "the reply was cancelled");
    let truncates = server
        .wait_for("conversation.item.truncate", 1, Duration::from_secs(5))
        .await;
    assert_eq!(truncates.len(), 1);
    let heard_ms = truncates[0].event["audio_end_ms"].as_u64().unwrap();
    {
        let log = call.log.lock().unwrap();
        let clear = log.clears()[0];
        let frames_before_clear = log.media().iter().filter(|(at, _)| *at < clear).count() as u64;
        // Only what marks proved was played: no more than was sent before the clear.
        assert!(
            heard_ms > 0 && heard_ms <= frames_before_clear * 20,
            "{heard_ms} ms of {frames_before_clear} frames"
        );
    }
    // The interruption is answered, and that short answer is heard to its end.
    let second = hebrew_mulaw(SECOND_REPLY).len() / 160;
    let frames_at_clear = call.log.lock().unwrap().media().len();
    assert!(
        call.wait_until(Duration::from_secs(15), |l| l.media().len()
            >= frames_at_clear + second)
            .await,
        "the second reply"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    call.stop().await;

    let api = Api::new(&stack, Some(stack.sign_in(&business_id, "agent").await));
    let (_, calls) = timeline_calls(&api, CALLER, |calls| {
        calls.iter().any(|c| {
            c["ai_replies"]
                .as_array()
                .is_some_and(|a| a.iter().any(|r| r == SECOND_REPLY))
        })
    })
    .await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    let c = &calls[0];
    let transcript = c["transcript"].as_str().unwrap();
    assert!(
        transcript.contains(HEARD) && transcript.contains(INTERRUPTION),
        "{c}"
    );
    assert!(
        c["ai_replies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == SECOND_REPLY),
        "{c}"
    );
    stack.stop().await.unwrap();
}

const ASK_TO_BOOK: &str = "אפשר לקבוע תור ליום שלישי בעשר?";
const BOOKED: &str = "קבעתי לך תור ליום שלישי בעשר. נתראה!";

/// Tuesday in two weeks, 10:00 Israel time (the business opens every day 08:00–20:00 with
/// [`open_every_day`], so no holiday or Shabbat rule can refuse it).
fn tuesday_at_ten() -> chrono::DateTime<chrono::FixedOffset> {
    use chrono::{Datelike, Duration as Days, Weekday};
    let mut day = chrono::Utc::now().date_naive() + Days::days(14);
    while day.weekday() != Weekday::Tue {
        day += Days::days(1);
    }
    chrono::DateTime::parse_from_rfc3339(&format!("{day}T10:00:00+02:00")).unwrap()
}

/// The owner opens the business all day, every day (the call must not meet the closed-hours
/// greeting, whenever the test runs; the booked Tuesday 10:00 is inside the hours too).
async fn open_every_day(owner: &Api) {
    let every_day: Vec<_> = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ]
    .iter()
    .map(|d| serde_json::json!({"day": d, "ranges": [{"from": "00:00", "to": "23:59"}]}))
    .collect();
    let (status, body) = owner
        .put(
            "/api/business/hours/settings",
            serde_json::json!({"city": "tel-aviv", "weekly": every_day,
                               "closed_on_shabbat_and_holidays": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// The one appointment around `starts_at` is `appointment_id` (when known), titled תספורת, for
/// the caller's own record, and on the caller's timeline as done by the agent in call `sid`
/// after [`ASK_TO_BOOK`].
async fn assert_booked_for_the_caller(
    owner: &Api,
    starts_at: chrono::DateTime<chrono::FixedOffset>,
    appointment_id: Option<&str>,
    sid: &str,
) {
    let (status, list) = owner
        .get(&format!(
            "/api/appointments?from={}&to={}",
            (starts_at - chrono::Duration::days(1))
                .to_rfc3339()
                .replace('+', "%2B"),
            (starts_at + chrono::Duration::days(1))
                .to_rfc3339()
                .replace('+', "%2B"),
        ))
        .await;
    assert_eq!(status, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    if let Some(id) = appointment_id {
        assert_eq!(items[0]["id"], id);
    }
    assert_eq!(items[0]["title"], "תספורת");
    let customer_id = items[0]["customer_id"].as_str().unwrap().to_string();
    let (_, customer) = owner
        .get(&format!("/api/crm/customers/{customer_id}"))
        .await;
    assert_eq!(customer["phone"], CALLER, "the caller's own record");
    let (_, timeline) = owner
        .get(&format!("/api/customers/{customer_id}/timeline"))
        .await;
    let agent_items: Vec<_> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "agent")
        .collect();
    assert_eq!(agent_items.len(), 1, "{timeline}");
    assert_eq!(agent_items[0]["tool"], "book_appointment");
    assert_eq!(agent_items[0]["channel"], "call");
    assert_eq!(agent_items[0]["conversation_ref"], sid);
    assert_eq!(agent_items[0]["turn_text"], ASK_TO_BOOK);
}

/// The agent acts in a realtime call: the loopback model calls `book_appointment`, voice-svc
/// runs it in crm-svc for the caller (found by phone), sends the result back and the model
/// speaks it; the appointment is in `/api/appointments` and on the caller's timeline as done by
/// the agent in this call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_openai_call_books_through_the_agents_tools() {
    use agentlocator_tests::openai_realtime::{
        RealtimeServer, RealtimeServerConfig, ScriptedToolCall, ScriptedTurn,
    };
    let starts_at = tuesday_at_ten();
    let arguments = serde_json::json!({"starts_at": starts_at.to_rfc3339(), "title": "תספורת"});
    let key = "sk-loopback-example"; // example value, not a credential
    let server = RealtimeServer::start(RealtimeServerConfig {
        api_key: Some(key.into()),
        turns: vec![ScriptedTurn {
            caller: ASK_TO_BOOK.into(),
            reply_text: BOOKED.into(),
            reply_audio: hebrew_mulaw(BOOKED),
        }],
        tool_calls: HashMap::from([(
            0,
            vec![ScriptedToolCall {
                name: "book_appointment".into(),
                arguments: arguments.to_string(),
            }],
        )]),
        ..Default::default()
    })
    .await;
    let (stack, _twilio, business_id) = openai_stack(&server, key).await;
    let owner = Api::new(&stack, Some(stack.sign_in(&business_id, "owner").await));
    open_every_day(&owner).await;

    let sid = call_sid();
    let (url, params) = answer(&stack, &sid).await;
    let call = open_stream(&stack, &url, &sid, &params).await;
    call.say(hebrew_mulaw(ASK_TO_BOOK));
    let spoken = hebrew_mulaw(BOOKED).len() / 160;
    assert!(
        call.wait_until(Duration::from_secs(20), |l| l.media().len() >= spoken)
            .await,
        "the model speaks the booking"
    );
    // The tool ran once, its output went back under the model's call id.
    let outputs = server.of_type("conversation.item.create");
    assert_eq!(outputs.len(), 1, "{outputs:?}");
    let output: serde_json::Value =
        serde_json::from_str(outputs[0].event["item"]["output"].as_str().unwrap()).unwrap();
    let appointment_id = output["appointment_id"]
        .as_str()
        .unwrap_or_else(|| panic!("booked: {output}"))
        .to_string();
    call.stop().await;
    assert_booked_for_the_caller(&owner, starts_at, Some(&appointment_id), &sid).await;
    stack.stop().await.unwrap();
}

/// The `tool` messages of a chat-completions request.
fn tool_messages(r: &wiremock::Request) -> Vec<serde_json::Value> {
    serde_json::from_slice::<serde_json::Value>(&r.body).unwrap_or_default()["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["role"] == "tool")
        .collect()
}

/// The agent acts in a cascade call too: the caller's turn is transcribed, speech-svc's agent
/// loop asks the loopback model, which calls `book_appointment` (run in crm-svc for the caller)
/// and then confirms; the confirmation is spoken to the caller and the appointment is booked
/// once, on the caller's timeline as done by the agent in this call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cascade_call_books_through_the_agents_tools() {
    use wiremock::{Request, matchers::path};
    let starts_at = tuesday_at_ten();
    let arguments = serde_json::json!({"starts_at": starts_at.to_rfc3339(), "title": "תספורת"});
    let providers = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/transcriptions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"text": ASK_TO_BOOK})),
        )
        .mount(&providers)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(|r: &Request| tool_messages(r).is_empty())
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "chatcmpl-1", "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": null, "tool_calls": [{
                    "id": "call_0", "type": "function",
                    "function": {"name": "book_appointment", "arguments": arguments.to_string()}
                }]
            }}]
        })))
        .mount(&providers)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(|r: &Request| !tool_messages(r).is_empty())
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "chatcmpl-2", "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "stop",
                "message": {"role": "assistant", "content": BOOKED}}]
        })))
        .mount(&providers)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .and(wiremock::matchers::body_string_contains("\"pcm\""))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/pcm")
                .set_body_bytes(agentlocator_tests::realtime::hebrew_pcm24k(BOOKED)),
        )
        .mount(&providers)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/mpeg")
                .set_body_bytes(espeak_hebrew_mp3("שלום")),
        )
        .mount(&providers)
        .await;
    let twilio = twilio_api().await;
    let (stack, business_id, sid, url, params) = cascade_call(&providers, &twilio).await;
    let owner = Api::new(&stack, Some(stack.sign_in(&business_id, "owner").await));
    open_every_day(&owner).await;

    let call = open_stream(&stack, &url, &sid, &params).await;
    call.say(hebrew_mulaw(ASK_TO_BOOK));
    assert!(
        call.wait_until(Duration::from_secs(20), |l| l.media().len() >= 25)
            .await,
        "the agent's confirmation is spoken"
    );
    call.stop().await;
    // The model was asked twice: with the tools, then with the booking's result.
    let chats: Vec<_> = providers
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/v1/chat/completions")
        .collect();
    assert_eq!(chats.len(), 2, "one tool round");
    let first: serde_json::Value = serde_json::from_slice(&chats[0].body).unwrap();
    assert!(first["tools"].is_array(), "the agent's tools are offered");
    let results = tool_messages(&chats[1]);
    assert_eq!(results.len(), 1);
    let result: serde_json::Value =
        serde_json::from_str(results[0]["content"].as_str().unwrap()).unwrap();
    let appointment_id = result["appointment_id"]
        .as_str()
        .unwrap_or_else(|| panic!("booked: {result}"))
        .to_string();
    assert_booked_for_the_caller(&owner, starts_at, Some(&appointment_id), &sid).await;
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_stalls_is_closed() {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};
    let providers = providers().await;
    let twilio = twilio_api().await;
    let (stack, _business, sid, url, params) = cascade_call(&providers, &twilio).await;
    let mut req = reachable(&stack, &url).into_client_request().unwrap();
    req.headers_mut().insert(
        "X-Twilio-Signature",
        HeaderValue::from_str(&stream_signature(&url)).unwrap(),
    );
    // The upgrade, and then not a word: no start arrives.
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("upgrade");
    let started = std::time::Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(m) = ws.next().await {
            if let Ok(Message::Close(f)) = m {
                return f.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("closed within 20 s");
    assert_eq!(closed, Some(1001), "going away");
    assert!(
        started.elapsed() >= Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );
    // A stream that started and then went silent is closed the same way.
    let quiet = TwilioStream::open_quiet(
        &reachable(&stack, &url),
        Some(&stream_signature(&url)),
        &sid,
        &params,
    )
    .await
    .expect("upgrade");
    assert!(
        quiet
            .wait_until(Duration::from_secs(20), |l| l.closed().is_some())
            .await,
        "closed within 20 s"
    );
    assert_eq!(quiet.log.lock().unwrap().closed().unwrap().1, Some(1001));
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_realtime_calls_recording_lands_on_the_call() {
    let providers = providers().await;
    let twilio = twilio_api().await;
    let (stack, business_id, sid, _url, _params) = cascade_call(&providers, &twilio).await;
    let recording_url = format!(
        "https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"
    );
    let form = params(&[
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", &sid),
        ("RecordingSid", RECORDING_SID),
        ("RecordingUrl", &recording_url),
        ("RecordingStatus", "completed"),
        ("RecordingChannels", "2"),
    ]);
    let path = format!("/webhook/recording_status?business_id={business_id}");
    // Unsigned, or signed for another business's URL: refused, nothing stored.
    let unsigned = post_webhook(&stack, &path, &form, None).await;
    assert_eq!(unsigned.status, 403, "{}", unsigned.body);
    let other = format!(
        "/webhook/recording_status?business_id={}",
        uuid::Uuid::now_v7()
    );
    let forged = post_webhook(&stack, &path, &form, Some(&sign(&other, &form))).await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    let signed = post_signed(&stack, &path, &form).await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    let api = Api::new(&stack, Some(stack.sign_in(&business_id, "agent").await));
    let (_, calls) = timeline_calls(&api, CALLER, |calls| {
        calls.iter().any(|c| c["recording_url"].is_string())
    })
    .await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["recording_url"], recording_url.as_str());

    // A signed callback whose RecordingUrl is not on Twilio's API host is answered, but the URL
    // is not kept (the web app would play it): the call keeps its recording.
    let elsewhere = params(&[
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", &sid),
        ("RecordingSid", RECORDING_SID),
        (
            "RecordingUrl",
            &format!(
                "https://evil.example/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"
            ),
        ),
        ("RecordingStatus", "completed"),
    ]);
    assert_eq!(post_signed(&stack, &path, &elsewhere).await.status, 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, calls) = timeline_calls(&api, CALLER, |_| true).await;
    assert_eq!(calls[0]["recording_url"], recording_url.as_str());
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_call_outlasts_the_shutdown_signal_and_new_streams_are_refused() {
    let providers = providers().await;
    let twilio = twilio_api().await;
    let (stack, _business, sid, url, params) = cascade_call(&providers, &twilio).await;
    let call = open_stream(&stack, &url, &sid, &params).await;
    call.say(hebrew_mulaw(HEARD));
    assert!(
        call.wait_until(Duration::from_secs(15), |l| l.media().len() >= 25)
            .await,
        "reply audio arrives"
    );

    // SIGTERM: the reply goes on playing, a second more of it at least.
    stack.signal_shutdown();
    let at_signal = call.log.lock().unwrap().media().len();
    assert!(
        call.wait_until(Duration::from_secs(10), |l| l.media().len()
            >= at_signal + 50)
            .await,
        "reply frames after the signal"
    );
    // Webhooks are still answered, but a new stream is refused with 503: Twilio goes on with
    // the TwiML after <Connect> (on another replica).
    let second = call_sid();
    let (url2, params2) = answer(&stack, &second).await;
    match TwilioStream::open_quiet(
        &reachable(&stack, &url2),
        Some(&stream_signature(&url2)),
        &second,
        &params2,
    )
    .await
    {
        Err(Refused::Status(503)) => {}
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("a new stream was accepted while draining"),
    }
    // Out of rotation: voice-svc's health is NOT_SERVING.
    let ready: serde_json::Value = reqwest::get(stack.url("/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(ready["checks"]["voice-svc"], "ok", "{ready}");
    assert!(!call.is_closed(), "the live call is still up");
    assert!(!stack.has_stopped(), "the process waits for the call");

    // The call ends (Twilio's stop): the process stops.
    let log = call.stop().await;
    assert!(log.lock().unwrap().closed().is_some());
    stack.stopped(Duration::from_secs(20)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_still_live_at_the_drain_limit_is_handed_to_the_record_loop() {
    let providers = providers().await;
    let twilio = twilio_api().await;
    Mock::given(method("POST"))
        .and(path_regex(
            r"^/2010-04-01/Accounts/AC[0-9a-f]{32}/Calls/CA[0-9a-f]{32}\.json$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "sid": "CA0123456789abcdef0123456789abcdef", "status": "in-progress"
        })))
        .mount(&twilio)
        .await;
    let (stack, _business, sid, url, params) =
        cascade_call_with(&providers, &twilio, &[("VOICE_DRAIN_SECONDS", "1")]).await;
    let call = open_stream(&stack, &url, &sid, &params).await;
    // The call is up once its engine started and its recording was asked for.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while twilio.received_requests().await.unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the call never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let signalled = std::time::Instant::now();
    stack.signal_shutdown();
    assert!(
        call.wait_until(Duration::from_secs(15), |l| l.closed().is_some())
            .await,
        "the service closes the stream after the handover"
    );
    let closed_after = signalled.elapsed();
    assert!(closed_after >= Duration::from_secs(1), "{closed_after:?}");
    assert_eq!(call.log.lock().unwrap().closed().unwrap().1, Some(1000));

    // Handed over through Twilio's REST API: the handover sentence, then the record loop at an
    // absolute, signed-able URL.
    let redirects: Vec<String> = twilio
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path().ends_with(&format!("/Calls/{sid}.json")))
        .map(|r| {
            let body = String::from_utf8_lossy(&r.body).to_string();
            let form: HashMap<String, String> =
                reqwest::Url::parse(&format!("http://form.invalid/?{body}"))
                    .unwrap()
                    .query_pairs()
                    .into_owned()
                    .collect();
            form["Twiml"].clone()
        })
        .collect();
    assert_eq!(redirects.len(), 1, "{redirects:?}");
    let els = voice_svc::twiml::parse(&redirects[0]).unwrap();
    assert_eq!(names(&els), ["Say", "Record"], "{}", redirects[0]);
    assert_eq!(els[1].text, voice_svc::strings::HANDOVER);
    assert_eq!(
        els[2].attr("action"),
        Some("http://127.0.0.1:8080/webhook/handle_recording?turn=1&retry=0&fails=0")
    );
    call.stop().await;
    stack.stopped(Duration::from_secs(30)).await.unwrap();
}
