//! Realtime engines: what talks with the caller during a Media Stream. Two engines behind one
//! trait, chosen by `REALTIME_ENGINE`:
//! - [`openai`]: speech to speech over the OpenAI Realtime API; the caller's μ-law passes through.
//! - [`cascade`]: our own pipeline — VAD and endpointing here, speech-svc's STT, its streamed reply
//!   and sentence-by-sentence speech.
//!
//! An engine owns its provider connection in a task of its own; the call's session (in
//! [`crate::media_stream`]) talks to it through two channels: [`EngineCommand`]s in (the caller's
//! audio, barge-in), [`EngineEvent`]s out (what the caller said, the reply's audio and text).
//! Barge-in is decided by the session, the same for every engine.

pub mod cascade;
pub mod openai;
pub mod tools;
pub mod vad;

use agentlocator_proto::v1 as pb;
use tokio::sync::mpsc;

/// Identifies one reply of the agent within a call.
pub type ReplyId = u64;

/// What an engine needs to know about the call it talks in.
#[derive(Debug, Clone)]
pub struct CallContext {
    pub business: pb::Business,
    pub call_sid: String,
    /// The caller's number as Twilio gave it.
    pub from: String,
    /// The voice to speak in; empty for the engine's default.
    pub voice: String,
    /// The business's AI agent and its tools; `None`: the engine only answers.
    pub agent: Option<tools::CallAgent>,
    /// The business was closed when the call came in: the caller heard why and until when, and
    /// the agent takes their message.
    pub closed: Option<crate::hours::Closed>,
}

/// From the session to the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineCommand {
    /// 20 ms of the caller's audio, 8 kHz μ-law, in order.
    Audio(Vec<u8>),
    /// The caller has heard all of `reply`'s audio (its last mark came back): the agent is
    /// silent now, so short caller speech is an answer again, not a backchannel.
    Played { reply: ReplyId },
    /// The caller spoke over `reply`: stop it. The caller heard its first `heard_ms` of audio,
    /// which said `heard_text`; only that stays in the conversation.
    Interrupt {
        reply: ReplyId,
        heard_ms: u32,
        heard_text: String,
    },
}

/// From the engine to the session.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    /// The engine is connected and listening.
    Ready,
    /// The caller started speaking (the engine's own VAD; the session decides on barge-in).
    SpeechStarted,
    /// What the caller said in a turn that ended.
    CallerSaid { text: String },
    /// Audio of `reply`, 8 kHz μ-law, any length, in order.
    ReplyAudio { reply: ReplyId, mulaw: Vec<u8> },
    /// The audio of `reply` that follows speaks `text` (the cascade: a sentence, before its
    /// audio).
    ReplySentence { reply: ReplyId, text: String },
    /// The audio of `reply` so far spoke `text` (OpenAI: the transcript, after the audio).
    ReplyText { reply: ReplyId, text: String },
    /// `reply` has been produced in full (its audio may still be playing).
    ReplyDone {
        reply: ReplyId,
        /// Nothing in the business's knowledge answered: staff should call back.
        needs_follow_up: bool,
    },
    /// The agent handed the call to a person (`hand_off`): dial `phone` once a reply after
    /// `after` (the one that called the tool) has played.
    HandOff { phone: String, after: ReplyId },
    /// The agent ended the call (`end_call`): hang up once a reply after `after` (the goodbye)
    /// has played.
    EndCall { after: ReplyId },
    /// The provider failed; the session falls back to the record loop. Why, for logs.
    Failed { reason: String },
}

/// The session's ends of an engine's channels. Dropping `commands` ends the engine's task.
pub struct EngineChannels {
    pub commands: mpsc::Sender<EngineCommand>,
    pub events: mpsc::Receiver<EngineEvent>,
}

/// The engine's ends.
pub struct EngineEnds {
    pub commands: mpsc::Receiver<EngineCommand>,
    pub events: mpsc::Sender<EngineEvent>,
}

/// A pair of connected channel ends. Caller audio arrives every 20 ms; the bound is a few seconds
/// of it, so a stalled provider is noticed as a full channel rather than unbounded memory.
pub fn channels() -> (EngineChannels, EngineEnds) {
    let (cmd_tx, cmd_rx) = mpsc::channel(256);
    let (ev_tx, ev_rx) = mpsc::channel(1024);
    (
        EngineChannels {
            commands: cmd_tx,
            events: ev_rx,
        },
        EngineEnds {
            commands: cmd_rx,
            events: ev_tx,
        },
    )
}

#[async_trait::async_trait]
pub trait RealtimeEngine: Send + Sync {
    /// The engine's name in logs and metrics (`openai`, `cascade`).
    fn name(&self) -> &'static str;
    /// Starts talking in `call`: connects to the provider and spawns the engine's task. An error
    /// here means the provider could not be reached; the session falls back.
    async fn start(&self, call: CallContext) -> crate::error::Result<EngineChannels>;
}

/// The engine `REALTIME_ENGINE` selects, if any.
pub fn build(
    settings: &crate::settings::Settings,
    speech: &crate::service::SpeechClient,
) -> crate::error::Result<Option<std::sync::Arc<dyn RealtimeEngine>>> {
    use crate::settings::RealtimeEngineKind;
    Ok(match settings.realtime_engine {
        RealtimeEngineKind::None => None,
        RealtimeEngineKind::OpenAi => Some(std::sync::Arc::new(openai::OpenAiRealtime::new(
            &settings.openai_realtime,
            settings.turn_taking,
        ))),
        RealtimeEngineKind::Cascade => Some(std::sync::Arc::new(cascade::Cascade::new(
            speech.clone(),
            settings.turn_taking,
        ))),
    })
}
