//! Shared pieces of the voice tests: a business with a Twilio number, signed webhook requests as
//! Twilio sends them, a loopback Twilio recording server and OpenAI-compatible servers.
#![allow(dead_code)]

use agentlocator_tests::TestStack;
use std::time::Duration;
use voice_svc::twiml::{self, Element};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

pub use agentlocator_tests::twilio::{
    ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, params, sign, twilio_vars,
};
// Example value in Twilio's documented format, not a credential.
pub const RECORDING_SID: &str = "RE0123456789abcdef0123456789abcdef"; // example value

pub const CALLER: &str = "+972501234567";

/// A test environment whose every listener is on a free loopback port.
pub fn voice_env(
    db: agentlocator_tests::Db,
    bus: agentlocator_tests::Bus,
) -> agentlocator_tests::TestEnv {
    let mut env = agentlocator_tests::TestEnv::new(db, bus);
    env.vars
        .entry("NOTIFY_SVC_HTTP_ADDR".into())
        .or_insert_with(|| "127.0.0.1:0".into());
    env
}

/// A new business answering on `number` with voice `enabled`; returns its id.
pub async fn business_with_number(stack: &TestStack, number: &str, voice_enabled: bool) -> String {
    agentlocator_tests::business_with_number(&stack.db().await, number, voice_enabled).await
}

pub struct WebhookAnswer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl WebhookAnswer {
    pub fn twiml(&self) -> Vec<Element> {
        assert_eq!(self.status, 200, "{}", self.body);
        assert!(
            self.content_type.starts_with("text/xml"),
            "{} {}",
            self.content_type,
            self.body
        );
        twiml::parse(&self.body).expect("well-formed TwiML")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

/// POSTs a form to the stack's `path_and_query` with `signature` (none when `None`).
pub async fn post_webhook(
    stack: &TestStack,
    path_and_query: &str,
    params: &[(String, String)],
    signature: Option<&str>,
) -> WebhookAnswer {
    let mut req = reqwest::Client::new()
        .post(stack.url(path_and_query))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(agentlocator_tests::twilio::form_body(params));
    if let Some(s) = signature {
        req = req.header("X-Twilio-Signature", s);
    }
    let res = req.send().await.expect("webhook request");
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    WebhookAnswer {
        status,
        content_type,
        body: res.text().await.unwrap_or_default(),
    }
}

/// POSTs a form signed as Twilio would.
pub async fn post_signed(
    stack: &TestStack,
    path_and_query: &str,
    params: &[(String, String)],
) -> WebhookAnswer {
    let sig = sign(path_and_query, params);
    post_webhook(stack, path_and_query, params, Some(&sig)).await
}

/// The first element named `name`.
pub fn element<'a>(els: &'a [Element], name: &str) -> &'a Element {
    els.iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no <{name}> in {els:?}"))
}

pub fn names(els: &[Element]) -> Vec<&str> {
    els.iter().skip(1).map(|e| e.name.as_str()).collect()
}

/// Fetches a `<Play>` URL (under PUBLIC_BASE_URL) from the stack's gateway and checks it is
/// real audio (WAV or MP3 by its first bytes); returns the bytes.
pub async fn fetch_audio(stack: &TestStack, url: &str) -> Vec<u8> {
    let path = url
        .strip_prefix(PUBLIC_BASE_URL)
        .unwrap_or_else(|| panic!("audio URL {url} is not under {PUBLIC_BASE_URL}"));
    assert!(path.starts_with("/static/tts/"), "{url}");
    let res = reqwest::get(stack.url(path)).await.expect("audio request");
    assert_eq!(res.status(), 200, "{url}");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(ct.starts_with("audio/"), "{ct}");
    let bytes = res.bytes().await.expect("audio body").to_vec();
    let wav = bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WAVE");
    let mp3 = bytes.starts_with(b"ID3")
        || (bytes.len() > 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0);
    assert!(wav || mp3, "not audio: {:?}", &bytes[..bytes.len().min(16)]);
    assert!(bytes.len() > 1000, "audio of {} bytes", bytes.len());
    bytes
}

use agentlocator_tests::realtime::espeak_hebrew_pcm;

/// espeak-ng's Hebrew voice saying `text`, encoded as MP3 (what Twilio serves for `.mp3`).
pub fn espeak_hebrew_mp3(text: &str) -> Vec<u8> {
    let (rate, pcm) = espeak_hebrew_pcm(text);
    use mp3lame_encoder::{Bitrate, Builder, FlushNoGap, MonoPcm, Quality};
    let mut b = Builder::new().expect("LAME");
    b.set_num_channels(1).unwrap();
    b.set_sample_rate(rate).unwrap();
    b.set_brate(Bitrate::Kbps64).unwrap();
    b.set_quality(Quality::Good).unwrap();
    let mut enc = b.build().unwrap();
    let mut out = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(pcm.len()));
    enc.encode_to_vec(MonoPcm(&pcm), &mut out).unwrap();
    enc.flush_to_vec::<FlushNoGap>(&mut out).unwrap();
    out
}

/// A loopback "api.twilio.com" serving one recording as `.mp3`, only with the account's basic
/// auth. Returns the server and the RecordingUrl Twilio would post (without a suffix).
pub async fn recording_server(mp3: Vec<u8>) -> (MockServer, String) {
    use base64::Engine;
    let server = MockServer::start().await;
    let recording_path = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}");
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"))
    );
    Mock::given(method("GET"))
        .and(path(format!("{recording_path}.mp3")))
        .and(header("authorization", basic.as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/mpeg")
                .set_body_bytes(mp3),
        )
        .mount(&server)
        .await;
    // Anything else (no auth, another suffix) is what Twilio answers then.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let url = format!("{}{recording_path}", server.uri());
    (server, url)
}

/// speech-svc downloads recordings only from TWILIO_API_HOST: the loopback Twilio of `server`.
pub fn allow_recording_host(env: &mut agentlocator_tests::TestEnv, server: &MockServer) {
    env.vars
        .insert("TWILIO_API_HOST".into(), server.address().to_string());
}

/// An OpenAI-compatible server: transcriptions answer `transcript` (or fail with
/// `stt_status`), chat completions answer `reply`.
pub async fn openai_server(transcript: &str, stt_status: u16, reply: &str) -> MockServer {
    let server = MockServer::start().await;
    let stt = if stt_status == 200 {
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"text": transcript}))
    } else {
        ResponseTemplate::new(stt_status)
            .set_body_json(serde_json::json!({"error": {"message": "model overloaded"}}))
    };
    Mock::given(method("POST"))
        .and(path("/v1/audio/transcriptions"))
        .respond_with(stt)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}]
        })))
        .mount(&server)
        .await;
    server
}

/// The calls of the customer with `phone` seen through the API (timeline items of type `call`),
/// polled until `ready` accepts them or 30 s pass; returns the last seen.
pub async fn timeline_calls(
    api: &agentlocator_tests::Api,
    phone: &str,
    ready: impl Fn(&[serde_json::Value]) -> bool,
) -> (String, Vec<serde_json::Value>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, list) = api
            .get(&format!(
                "/api/crm/customers?q={}",
                agentlocator_tests::twilio::url_encode(phone)
            ))
            .await;
        assert_eq!(status, 200, "{list}");
        if let Some(id) = list["items"][0]["id"].as_str() {
            let (status, tl) = api.get(&format!("/api/customers/{id}/timeline")).await;
            assert_eq!(status, 200, "{tl}");
            // A JSON array, newest first.
            let calls: Vec<serde_json::Value> = tl
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|i| i["type"] == "call")
                .collect();
            if ready(&calls) || tokio::time::Instant::now() > deadline {
                return (id.to_string(), calls);
            }
        } else if tokio::time::Instant::now() > deadline {
            return (String::new(), Vec::new());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Rows in `calls` with Twilio SID `sid`.
pub async fn calls_with_sid(stack: &TestStack, sid: &str) -> i64 {
    use crm_svc::schema::calls::dsl;
    use diesel::prelude::*;
    let db = stack.db().await;
    let sid = sid.to_string();
    db.run(move |conn| {
        dsl::calls
            .filter(dsl::twilio_sid.eq(sid))
            .count()
            .get_result::<i64>(conn)
            .map_err(Into::into)
    })
    .await
    .expect("count calls")
}
