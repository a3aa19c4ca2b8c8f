//! `agentlocator transcribe-pending`: a call recorded on the keyless default (`STT_ENGINE=none`)
//! is logged with its transcript pending; once an engine is configured, the command transcribes
//! its recording (downloaded from Twilio as the voice flow does) and the transcript lands on the
//! call. A second run finds nothing left.

use crate::voice_support::*;
use agentlocator_common::config::SttEngine;
use agentlocator_tests::{Api, Bus, Db, TestStack};

const BUSINESS_NUMBER: &str = "+97235550188";
const CALL_SID: &str = "CA00000000000000000000000000000042"; // example value
const HEARD: &str = "אני רוצה לקבוע תור ליום שלישי";

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_calls_are_transcribed_once_an_engine_is_configured() {
    let (recordings, recording_url) = recording_server(espeak_hebrew_mp3(HEARD)).await;
    let mut env = voice_env(Db::Sqlite, Bus::Memory);
    twilio_vars(&mut env);
    allow_recording_host(&mut env, &recordings);
    env.vars.insert("STT_ENGINE".into(), "none".into());
    let stack = TestStack::start_in(env).await;
    let business_id = business_with_number(&stack, BUSINESS_NUMBER, true).await;
    let api = Api::new(&stack, Some(stack.sign_in(&business_id, "agent").await));

    // The call as Twilio drives it, with no transcription engine.
    let first = post_signed(
        &stack,
        "/webhook/incoming_call",
        &call_params(&[("CallStatus", "ringing")]),
    )
    .await;
    let action = element(&first.twiml(), "Record")
        .attr("action")
        .unwrap()
        .to_string();
    let turn = post_signed(
        &stack,
        &action,
        &call_params(&[
            ("RecordingUrl", &recording_url),
            ("RecordingDuration", "3"),
            ("RecordingSid", RECORDING_SID),
        ]),
    )
    .await;
    assert_eq!(turn.status, 200, "{}", turn.body);
    let done = post_signed(
        &stack,
        "/webhook/call_status",
        &call_params(&[("CallStatus", "completed"), ("CallDuration", "12")]),
    )
    .await;
    assert_eq!(done.status, 200);
    let (_, calls) = timeline_calls(&api, CALLER, |c| {
        c.first()
            .is_some_and(|c| c["transcript_status"] == "pending")
    })
    .await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["transcript_status"], "pending", "{calls:?}");

    // Without an engine the command refuses, naming what to set.
    let err = agentlocator::transcribe_pending::run(&stack.config, 100)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("STT_ENGINE"), "{err}");

    // With one (a loopback OpenAI-compatible server), the recording is transcribed.
    let openai = openai_server(HEARD, 200, "").await;
    let mut config = stack.config.clone();
    config.stt_engine = SttEngine::OpenAi;
    config.openai_base_url = openai.uri();
    let summary = agentlocator::transcribe_pending::run(&config, 100)
        .await
        .unwrap();
    assert_eq!(
        (summary.transcribed, summary.unclear, summary.failed),
        (1, 0, 0),
        "{summary:?}"
    );
    let (_, calls) = timeline_calls(&api, CALLER, |c| {
        c.first().is_some_and(|c| c["transcript_status"] == "done")
    })
    .await;
    assert_eq!(calls[0]["transcript_status"], "done", "{calls:?}");
    assert_eq!(calls[0]["transcript"], HEARD);
    let uploads = openai
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/v1/audio/transcriptions")
        .count();
    assert_eq!(uploads, 1);

    // Nothing is left for a second run.
    let again = agentlocator::transcribe_pending::run(&config, 100)
        .await
        .unwrap();
    assert_eq!((again.transcribed, again.unclear, again.failed), (0, 0, 0));
    stack.stop().await.unwrap();
}
