//! speech-svc over gRPC on an ephemeral port: every RPC once, and errors as statuses.

mod support;

use agentlocator_proto::v1::{
    BusinessContext, ConversationTurn, GetAudioRequest, KnowledgeEntry, ReplyAndSpeakRequest,
    ReplyRequest, ServiceInfoRequest, Speaker, SynthesizeRequest, TranscribeRequest,
    TranscriptStatus, transcribe_request::Source,
};
use serde_json::json;
use speech_svc::strings;
use support::Running;
use tonic::Code;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

async fn start(pairs: &[(&str, &str)]) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let settings = support::settings(dir.path(), pairs);
    Running::start(&settings, dir).await
}

fn reply_request(text: &str) -> ReplyRequest {
    ReplyRequest {
        business: Some(BusinessContext {
            business_id: "b1".into(),
            name: "מספרת דוד".into(),
            greeting: "שלום".into(),
            knowledge: vec![KnowledgeEntry {
                question: "מה שעות הפעילות?".into(),
                answer: "אנחנו פתוחים א׳–ה׳ מתשע עד שש.".into(),
            }],
        }),
        history: vec![ConversationTurn {
            speaker: Speaker::Assistant as i32,
            text: "שלום, במה אוכל לעזור?".into(),
        }],
        caller_text: text.into(),
        agent: None,
    }
}

#[tokio::test]
async fn every_rpc_round_trips_with_the_embedded_engines() {
    let mut s = start(&[]).await;
    let c = &mut s.client;

    let info = c.info(ServiceInfoRequest {}).await.unwrap().into_inner();
    assert_eq!(info.name, "speech-svc");
    assert_eq!(info.details["tts_engine"], "espeak");

    // Transcribe: STT_ENGINE=none leaves it pending, but the audio is decoded and measured.
    let wav = support::wav_pcm(&support::sine(440.0, 8_000, 1.5, 0.5), 1, 8_000, 16);
    let t = c
        .transcribe(TranscribeRequest {
            source: Some(Source::Audio(wav)),
            business_id: "b1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(t.status(), TranscriptStatus::Pending);
    assert_eq!(t.engine, "none");
    assert_eq!(t.source_format, "wav");
    assert!((t.audio_seconds - 1.5).abs() < 0.01);
    let stages: Vec<&str> = t.timings.iter().map(|x| x.stage.as_str()).collect();
    assert_eq!(stages, ["decode", "stt"]);

    // Reply from the business's knowledge.
    let r = c
        .reply(reply_request("מתי אתם פתוחים?"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.text, "אנחנו פתוחים א׳–ה׳ מתשע עד שש.");
    assert_eq!(r.engine, "knowledge");
    assert_eq!(r.matched_question, "מה שעות הפעילות?");
    assert!(!r.needs_follow_up);

    // Synthesize, then fetch the file the gateway would serve.
    let syn = c
        .synthesize(SynthesizeRequest {
            text: "שלום וברכה".into(),
            voice: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let a = syn.audio.unwrap();
    assert_eq!(syn.engine, "espeak");
    assert_eq!(a.content_type, "audio/wav");
    assert!(a.url.ends_with(&format!("/static/tts/{}", a.file_name)));
    let got = c
        .get_audio(GetAudioRequest {
            file_name: a.file_name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.content_type, "audio/wav");
    assert_eq!(got.data.len() as u64, a.size_bytes);
    let (_, rate) = support::read_pcm16(&got.data);
    assert_eq!(rate, 8_000);

    // ReplyAndSpeak: the reply and its audio in one call.
    let rs = c
        .reply_and_speak(ReplyAndSpeakRequest {
            reply: Some(reply_request("ומה שעות הפעילות?")),
            voice: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!rs.fallback);
    assert_eq!(rs.text, "אנחנו פתוחים א׳–ה׳ מתשע עד שש.");
    assert_eq!(
        (rs.reply_engine.as_str(), rs.tts_engine.as_str()),
        ("knowledge", "espeak")
    );
    let stages: Vec<&str> = rs.timings.iter().map(|x| x.stage.as_str()).collect();
    assert_eq!(stages, ["reply", "tts"]);

    s.stop().await;
}

#[tokio::test]
async fn errors_arrive_as_deliberate_status_codes() {
    let mut s = start(&[]).await;
    let c = &mut s.client;
    let e = c
        .transcribe(TranscribeRequest {
            source: Some(Source::Audio(b"not audio".to_vec())),
            business_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let e = c
        .transcribe(TranscribeRequest {
            source: Some(Source::RecordingUrl(
                "https://evil.example.com/Recordings/RE1".into(),
            )),
            business_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("api.twilio.com"), "{}", e.message());
    let e = c
        .transcribe(TranscribeRequest {
            source: None,
            business_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let e = c
        .get_audio(GetAudioRequest {
            file_name: "../../etc/passwd".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let e = c
        .get_audio(GetAudioRequest {
            file_name: format!("{}.wav", "a".repeat(64)),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    let mut bad_turn = reply_request("שאלה");
    bad_turn.history[0].speaker = Speaker::Unspecified as i32;
    assert_eq!(
        c.reply(bad_turn).await.unwrap_err().code(),
        Code::InvalidArgument
    );
    s.stop().await;
}

#[tokio::test]
async fn a_large_recording_fits_in_one_message() {
    // 5 minutes of 16 kHz 16-bit audio (~9.6 MB): over tonic's 4 MB default.
    let mut s = start(&[]).await;
    let wav = support::wav_pcm(&vec![0.1; 16_000 * 300], 1, 16_000, 16);
    assert!(wav.len() > 4 * 1024 * 1024);
    let t = s
        .client
        .transcribe(TranscribeRequest {
            source: Some(Source::Audio(wav)),
            business_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!((t.audio_seconds - 300.0).abs() < 0.01);
    s.stop().await;
}

#[tokio::test]
async fn reply_and_speak_reports_the_fallback_over_grpc() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(429).set_body_json(json!({"error": {"message": "slow down"}})),
        )
        .mount(&server)
        .await;
    let mut s = start(&[
        ("LLM_ENGINE", "openai"),
        ("OPENAI_API_KEY", "sk-test"),
        ("OPENAI_BASE_URL", &server.uri()),
    ])
    .await;
    let rs = s
        .client
        .reply_and_speak(ReplyAndSpeakRequest {
            reply: Some(reply_request("מה שעות הפעילות?")),
            voice: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(rs.fallback);
    assert_eq!(rs.text, strings::FALLBACK);
    assert!(rs.failure.contains("429"), "{}", rs.failure);
    assert!(rs.needs_follow_up);
    assert_eq!(rs.reply_engine, "openai");
    let stages: Vec<&str> = rs.timings.iter().map(|x| x.stage.as_str()).collect();
    assert_eq!(stages, ["reply", "fallback_tts"]);
    s.stop().await;
}
