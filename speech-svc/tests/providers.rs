//! Provider clients against local servers that check the documented request and answer the
//! documented response — and the failures (401, 429, 500, timeouts) that lead to the fallback.

mod support;

use serde_json::json;
use speech_svc::{
    Error, Speech,
    error::ProviderFailure,
    reply::{BusinessContext, QaEntry, ReplyContext, Speaker, Turn},
    service::AudioInput,
    strings, stt,
    stt::Transcript,
    tts::AudioFormat,
};
use std::time::Duration;
use support::*;
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{body_partial_json, header, method, path},
};

const KEY: &str = "sk-test-key";

fn openai_settings(dir: &std::path::Path, server: &MockServer) -> speech_svc::Settings {
    let mut s = settings(
        dir,
        &[
            ("OPENAI_API_KEY", KEY),
            ("OPENAI_BASE_URL", &server.uri()),
            ("STT_ENGINE", "openai"),
            ("LLM_ENGINE", "openai"),
            ("TTS_ENGINE", "openai"),
            ("TWILIO_API_HOST", &server.address().to_string()),
        ],
    );
    s.stt_timeout = Duration::from_millis(800);
    s.reply_timeout = Duration::from_millis(800);
    s.tts_timeout = Duration::from_millis(800);
    s
}

fn tone_wav() -> Vec<u8> {
    wav_pcm(&sine(440.0, 8_000, 1.0, 0.5), 1, 8_000, 16)
}

fn business() -> BusinessContext {
    BusinessContext {
        business_id: "b1".into(),
        name: "מספרת דוד".into(),
        greeting: "שלום, הגעתם למספרת דוד".into(),
        knowledge: vec![QaEntry {
            question: "מה שעות הפעילות?".into(),
            answer: "א׳–ה׳ 9:00–18:00".into(),
        }],
    }
}

fn ctx(text: &str) -> ReplyContext {
    ReplyContext {
        business: business(),
        history: vec![
            Turn {
                speaker: Speaker::Assistant,
                text: "שלום, במה אוכל לעזור?".into(),
            },
            Turn {
                speaker: Speaker::Caller,
                text: "רציתי לשאול משהו".into(),
            },
        ],
        caller_text: text.into(),
    }
}

fn failure(e: &Error) -> &ProviderFailure {
    match e {
        Error::Provider { failure, .. } => failure,
        other => panic!("not a provider error: {other:?}"),
    }
}

// ---------------------------------------------------------------- transcription

/// Checks the multipart request of `/v1/audio/transcriptions`.
fn transcription_request_is_documented(req: &Request) -> bool {
    let ct = req
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if !ct.starts_with("multipart/form-data") {
        return false;
    }
    let parts = multipart_parts(&ct, &req.body);
    let text = |name: &str| {
        parts
            .get(name)
            .map(|p| String::from_utf8_lossy(&p.2).to_string())
    };
    let file = parts.get("file");
    text("model").as_deref() == Some("whisper-1")
        && text("language").as_deref() == Some("he")
        && file.is_some_and(|(name, ctype, data)| {
            name.as_deref() == Some("recording.wav")
                && ctype.as_deref() == Some("audio/wav")
                && data.starts_with(b"RIFF")
                // 16 kHz, as the pipeline promises.
                && u32::from_le_bytes(data[24..28].try_into().unwrap()) == 16_000
        })
}

#[tokio::test]
async fn openai_transcription_sends_multipart_with_hebrew() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/transcriptions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(transcription_request_is_documented)
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"text": " מה שעות הפעילות? "})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let speech = Speech::new(&openai_settings(dir.path(), &server)).unwrap();
    let t = speech
        .transcribe(AudioInput::Bytes(tone_wav()))
        .await
        .unwrap();
    assert_eq!(t.transcript, Transcript::Done("מה שעות הפעילות?".into()));
    assert_eq!(t.engine, "openai");
    assert!(t.timings.get("decode").is_some() && t.timings.get("stt").is_some());
}

#[tokio::test]
async fn a_recording_url_is_downloaded_then_transcribed() {
    let server = MockServer::start().await;
    let rec = "/2010-04-01/Accounts/AC0/Recordings/RE1";
    Mock::given(method("GET"))
        .and(path(format!("{rec}.mp3")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(mp3(
            &sine(440.0, 8_000, 2.0, 0.5),
            1,
            8_000,
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/transcriptions"))
        .and(transcription_request_is_documented)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"text": "."})))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let speech = Speech::new(&openai_settings(dir.path(), &server)).unwrap();
    let t = speech
        .transcribe(AudioInput::RecordingUrl(format!("{}{rec}", server.uri())))
        .await
        .unwrap();
    // Whisper's "." for a tone is not a transcript: the unclear flag.
    assert!(matches!(t.transcript, Transcript::Unclear { .. }));
    assert_eq!(t.transcript.unclear_notice(), Some(strings::UNCLEAR));
    assert!(t.timings.get("download").is_some());
    assert!((t.audio_duration.as_secs_f32() - 2.0).abs() < 0.15);
}

#[tokio::test]
async fn transcription_failures_are_typed() {
    for (status, expected) in [
        (401, ProviderFailure::Unauthorized(401)),
        (429, ProviderFailure::RateLimited),
        (500, ProviderFailure::Status(500, "upstream broke".into())),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/v1/audio/transcriptions"))
            .respond_with(ResponseTemplate::new(status).set_body_string("upstream broke"))
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let speech = Speech::new(&openai_settings(dir.path(), &server)).unwrap();
        let e = speech
            .transcribe(AudioInput::Bytes(tone_wav()))
            .await
            .unwrap_err();
        assert_eq!(failure(&e), &expected, "HTTP {status}");
    }
}

#[tokio::test]
async fn a_slow_transcription_times_out() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/audio/transcriptions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"text": "late"}))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let speech = Speech::new(&openai_settings(dir.path(), &server)).unwrap();
    let start = std::time::Instant::now();
    let e = speech
        .transcribe(AudioInput::Bytes(tone_wav()))
        .await
        .unwrap_err();
    assert_eq!(failure(&e), &ProviderFailure::Timeout);
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn none_engine_leaves_the_transcript_pending() {
    let dir = tempfile::tempdir().unwrap();
    let speech = Speech::new(&settings(dir.path(), &[])).unwrap();
    let t = speech
        .transcribe(AudioInput::Bytes(tone_wav()))
        .await
        .unwrap();
    assert_eq!(t.transcript, Transcript::Pending);
    assert_eq!(t.engine, "none");
}

#[test]
fn whisper_cpp_without_its_feature_or_model_is_a_clear_start_up_error() {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(
        dir.path(),
        &[("WHISPER_MODEL", "/nonexistent/ggml-model.bin")],
    );
    let e = stt::build(&s)
        .err()
        .expect("whisper-cpp must not start without its feature");
    let msg = e.to_string();
    if cfg!(feature = "whisper") {
        assert!(
            msg.contains("WHISPER_MODEL") && msg.contains("cannot be read"),
            "{msg}"
        );
        // A file that is not a ggml model.
        let junk = dir.path().join("junk.bin");
        std::fs::write(&junk, b"this is not a model").unwrap();
        let s = settings(dir.path(), &[("WHISPER_MODEL", junk.to_str().unwrap())]);
        let msg = stt::build(&s)
            .err()
            .expect("junk must not load")
            .to_string();
        assert!(msg.contains("not a whisper.cpp ggml model"), "{msg}");
    } else {
        assert!(msg.contains("`whisper` cargo feature"), "{msg}");
    }
}

// ---------------------------------------------------------------- replies

#[tokio::test]
async fn openai_reply_sends_a_hebrew_system_prompt_and_the_conversation() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_partial_json(json!({"model": "gpt-4o-mini"})))
        .and(|req: &Request| {
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            let m = body["messages"].as_array().unwrap();
            let system = m[0]["content"].as_str().unwrap();
            m.len() == 4
                && m[0]["role"] == "system"
                && system.contains("מספרת דוד")
                && system.contains("ענה/י תמיד בעברית")
                && system.contains("ש: מה שעות הפעילות?")
                && system.contains("ת: א׳–ה׳ 9:00–18:00")
                && system.contains("שלום, הגעתם למספרת דוד")
                && m[1]["role"] == "assistant"
                && m[2]["role"] == "user"
                && m[3] == json!({"role": "user", "content": "מתי אתם פתוחים?"})
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "אנחנו פתוחים א׳–ה׳ מתשע עד שש."}, "finish_reason": "stop"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let speech = Speech::new(&openai_settings(dir.path(), &server)).unwrap();
    let r = speech.reply(&ctx("מתי אתם פתוחים?")).await.unwrap();
    assert_eq!(r.reply.text, "אנחנו פתוחים א׳–ה׳ מתשע עד שש.");
    assert_eq!(r.engine, "openai");
}

#[tokio::test]
async fn reply_failures_are_typed() {
    for (template, expected) in [
        (
            ResponseTemplate::new(401),
            ProviderFailure::Unauthorized(401),
        ),
        (ResponseTemplate::new(429), ProviderFailure::RateLimited),
        (
            ResponseTemplate::new(500).set_body_string("x"),
            ProviderFailure::Status(500, "x".into()),
        ),
        (
            ResponseTemplate::new(200).set_delay(Duration::from_secs(5)),
            ProviderFailure::Timeout,
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/v1/chat/completions"))
            .respond_with(template)
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let speech = Speech::new(&openai_settings(dir.path(), &server)).unwrap();
        let e = speech.reply(&ctx("שאלה")).await.unwrap_err();
        assert_eq!(failure(&e), &expected);
    }
}

// ---------------------------------------------------------------- OpenAI speech

fn mp3_speech() -> Vec<u8> {
    mp3(&sine(300.0, 24_000, 0.5, 0.4), 1, 24_000)
}

#[tokio::test]
async fn openai_speech_is_requested_once_and_cached() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_partial_json(json!({
            "model": "tts-1",
            "input": "שלום וברוכים הבאים",
            "voice": "alloy",
            "response_format": "mp3"
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(mp3_speech())
                .insert_header("content-type", "audio/mpeg"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let speech = Speech::new(&openai_settings(dir.path(), &server)).unwrap();
    let first = speech.synthesize("שלום וברוכים הבאים", None).await.unwrap();
    assert!(!first.audio.cached);
    assert_eq!(first.audio.format, AudioFormat::Mp3);
    assert!(first.audio.file_name.ends_with(".mp3"));
    assert_eq!(first.voice, "openai:alloy");
    assert_eq!(
        first.url,
        format!("http://localhost:8080/static/tts/{}", first.audio.file_name)
    );
    let second = speech
        .synthesize("  שלום וברוכים הבאים ", None)
        .await
        .unwrap();
    assert!(second.audio.cached);
    assert_eq!(second.audio.file_name, first.audio.file_name);
    let (bytes, fmt) = speech.audio_file(&first.audio.file_name).await.unwrap();
    assert_eq!(bytes, mp3_speech());
    assert_eq!(fmt, AudioFormat::Mp3);
    assert!(
        dir.path()
            .join("tts")
            .join(&first.audio.file_name)
            .is_file()
    );
}

#[tokio::test]
async fn unplayable_provider_audio_is_rejected_and_not_cached() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/audio/speech"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>oops</html>"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let speech = Speech::new(&openai_settings(dir.path(), &server)).unwrap();
    let e = speech.synthesize("שלום", None).await.unwrap_err();
    assert!(
        matches!(failure(&e), ProviderFailure::BadResponse(_)),
        "{e}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("tts")).map_or(0, |d| d.count()),
        0
    );
}

// ---------------------------------------------------------------- ReplyAndSpeak fallback

#[tokio::test]
async fn a_failing_reply_speaks_the_fallback_once() {
    for template in [
        ResponseTemplate::new(401),
        ResponseTemplate::new(429),
        ResponseTemplate::new(500),
        ResponseTemplate::new(200).set_delay(Duration::from_secs(5)),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/v1/chat/completions"))
            .respond_with(template)
            .mount(&server)
            .await;
        Mock::given(path("/v1/audio/speech"))
            .and(body_partial_json(json!({"input": strings::FALLBACK})))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(mp3_speech()))
            .expect(1)
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let speech = Speech::new(&openai_settings(dir.path(), &server)).unwrap();
        let start = std::time::Instant::now();
        let s = speech
            .reply_and_speak(&ctx("מה שעות הפעילות?"), None)
            .await
            .unwrap();
        assert!(start.elapsed() < Duration::from_secs(3));
        assert!(s.fallback);
        assert_eq!(s.text, strings::FALLBACK);
        assert!(s.failure.as_deref().unwrap().starts_with("reply: "));
        assert!(s.needs_follow_up);
        assert!(s.timings.get("fallback_tts").is_some());
        // A second failure in the same call plays the cached fallback: no second synthesis.
        let again = speech
            .reply_and_speak(&ctx("ועוד שאלה"), None)
            .await
            .unwrap();
        assert!(again.fallback && again.audio.audio.cached);
    }
}

#[tokio::test]
async fn a_failing_tts_plays_the_fallback_warmed_at_start_up() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "choices": [{"message": {"role": "assistant", "content": "תשובה מצוינת"}}]
        })))
        .mount(&server)
        .await;
    // The provider works for the fallback once (start-up), then goes down.
    Mock::given(path("/v1/audio/speech"))
        .and(body_partial_json(json!({"input": strings::FALLBACK})))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(mp3_speech()))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/audio/speech"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let speech = Speech::new(&openai_settings(dir.path(), &server)).unwrap();
    speech.warm_fallback().await;
    let s = speech.reply_and_speak(&ctx("שאלה"), None).await.unwrap();
    assert!(s.fallback);
    assert!(s.audio.audio.cached);
    assert!(
        s.failure.as_deref().unwrap().starts_with("tts: "),
        "{:?}",
        s.failure
    );
}

#[tokio::test]
async fn when_the_fallback_fails_too_the_error_says_so() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    Mock::given(path("/v1/audio/speech"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let speech = Speech::new(&openai_settings(dir.path(), &server)).unwrap();
    let e = speech
        .reply_and_speak(&ctx("שאלה"), None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::FallbackFailed { .. }), "{e}");
    assert_eq!(tonic::Status::from(e).code(), tonic::Code::Unavailable);
}

#[tokio::test]
async fn knowledge_and_espeak_answer_without_any_network() {
    let dir = tempfile::tempdir().unwrap();
    let speech = Speech::new(&settings(dir.path(), &[])).unwrap();
    assert_eq!(speech.engine_names(), ("none", "knowledge", "espeak"));
    let s = speech
        .reply_and_speak(&ctx("מָה שְׁעוֹת הַפְּעִילוּת?"), None)
        .await
        .unwrap();
    assert!(!s.fallback);
    assert_eq!(s.text, "א׳–ה׳ 9:00–18:00");
    assert_eq!(s.audio.voice, "espeak:he");
    assert_eq!(s.audio.audio.format, AudioFormat::Wav);
    let (bytes, _) = speech.audio_file(&s.audio.audio.file_name).await.unwrap();
    let (samples, rate) = read_pcm16(&bytes);
    assert_eq!(rate, 8_000);
    assert!(rms(&samples) > 0.01);
    // Unknown question: the call-back answer, flagged for a task.
    let s = speech
        .reply_and_speak(&ctx("אתם מוכרים אופניים?"), None)
        .await
        .unwrap();
    assert_eq!(s.text, strings::CALL_BACK);
    assert!(s.needs_follow_up && !s.fallback);
}

#[tokio::test]
async fn espeak_missing_falls_back_to_an_error_for_say() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(dir.path(), &[]);
    s.espeak_bin = "/nonexistent/espeak-ng".into();
    let speech = Speech::new(&s).unwrap();
    let e = speech
        .reply_and_speak(&ctx("מה שעות הפעילות?"), None)
        .await
        .unwrap_err();
    match e {
        Error::FallbackFailed { reply, fallback } => {
            assert!(reply.contains("cannot run"), "{reply}");
            assert!(fallback.contains("cannot run"), "{fallback}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn invalid_requests_do_not_trigger_the_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let speech = Speech::new(&settings(dir.path(), &[])).unwrap();
    assert!(matches!(
        speech.reply_and_speak(&ctx("   "), None).await,
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        speech.reply_and_speak(&ctx("שאלה"), Some("--evil")).await,
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        speech.synthesize(&"א".repeat(1001), None).await,
        Err(Error::InvalidRequest(_))
    ));
}
