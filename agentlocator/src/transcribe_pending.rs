//! `agentlocator transcribe-pending`: calls recorded while no transcription engine was configured
//! (`STT_ENGINE=none`) are transcribed once one is. Each result is the same `call.transcribed`
//! event the voice flow produces: published to NATS when the deployment has it (crm-svc stores it,
//! notify-svc announces it), else applied to the database here through crm-svc's event consumer —
//! the same code path, recorded as processed, so running the command twice changes nothing more.

use agentlocator_common::{
    Config,
    bus::{self, SharedBus},
    config::SttEngine,
};
use agentlocator_proto::v1::{CallEvent, CallEventKind, event::Payload};
use crm_svc::calls::{self, PendingTranscript};
use speech_svc::{
    service::{AudioInput, Speech},
    settings::Settings,
    stt::Transcript,
};

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub transcribed: usize,
    /// Heard too little to transcribe: the call's transcript is marked failed.
    pub unclear: usize,
    /// The download or the engine failed; the call stays pending for the next run.
    pub failed: usize,
}

/// Transcribes up to `limit` pending calls.
pub async fn run(config: &Config, limit: i64) -> anyhow::Result<Summary> {
    if config.stt_engine == SttEngine::None {
        anyhow::bail!(
            "STT_ENGINE is none: configure a transcription engine first \
             (STT_ENGINE=openai with OPENAI_API_KEY, or STT_ENGINE=whisper-cpp with WHISPER_MODEL)"
        );
    }
    let db = crm_svc::connect_db(config).await?;
    let speech = Speech::new(&Settings::from_config(config)?)?;
    // Only a shared bus reaches the running services; the in-process one would reach no one.
    let bus: Option<SharedBus> = match config.nats_url {
        Some(_) => Some(bus::connect_from(config).await?),
        None => None,
    };
    let pending = calls::pending_transcripts(&db, limit).await?;
    tracing::info!(calls = pending.len(), "transcribing pending calls");
    let mut summary = Summary::default();
    for call in pending {
        let text = match speech
            .transcribe(AudioInput::RecordingUrl(call.recording_url.clone()))
            .await
        {
            Ok(t) => match t.transcript {
                Transcript::Done(text) => {
                    summary.transcribed += 1;
                    text
                }
                Transcript::Unclear { .. } => {
                    summary.unclear += 1;
                    String::new()
                }
                Transcript::Pending => {
                    summary.failed += 1;
                    continue;
                }
            },
            Err(e) => {
                tracing::warn!(call_sid = %call.call_sid, error = %e, "transcription failed; left pending");
                summary.failed += 1;
                continue;
            }
        };
        let event = transcribed_event(&call, text);
        match &bus {
            Some(bus) => bus.publish(&event).await?,
            None => {
                db.transaction(move |conn| crm_svc::event_consumer::apply(conn, &event))
                    .await?;
            }
        }
    }
    Ok(summary)
}

fn transcribed_event(call: &PendingTranscript, transcript: String) -> agentlocator_proto::Event {
    agentlocator_proto::new_event(
        call.business_id.as_str(),
        Payload::Call(CallEvent {
            kind: CallEventKind::Transcribed as i32,
            call_sid: call.call_sid.clone(),
            transcript,
            ..Default::default()
        }),
    )
}
