//! speech-svc: Hebrew audio pipeline, transcription, replies and text-to-speech.
//!
//! - [`audio`]: decode WAV/MP3, downmix, resample, encode WAV (no framework types);
//! - [`recording_download`]: Twilio recordings, with basic auth and an allowed host;
//! - [`stt`], [`reply`], [`tts`]: engines behind traits, chosen by `STT_ENGINE`, `LLM_ENGINE`,
//!   `TTS_ENGINE`;
//! - [`service::Speech`]: the domain operations with timings and the fallback semantics;
//!   for a live call the reply is streamed sentence by sentence as 8 kHz μ-law
//!   ([`service::Speech::stream_reply_and_speak`], cut by [`reply::sentences`]);
//! - [`crm`]: the business's agent as crm-svc keeps it (definition, tools), for turns that name
//!   a conversation;
//! - [`grpc::SpeechGrpc`]: the thin gRPC layer.

pub mod audio;
pub mod crm;
pub mod error;
pub mod grpc;
mod http;
pub mod recording_download;
pub mod reply;
pub mod service;
pub mod settings;
pub mod strings;
pub mod stt;
pub mod tts;

pub use error::{Error, Result};
pub use service::Speech;
pub use settings::Settings;

use agentlocator_common::{Config, grpc as common_grpc, runner::service_info};
use agentlocator_proto::v1::speech_service_server::SpeechServiceServer;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub const NAME: &str = "speech-svc";

/// Largest gRPC message: a 50 MB recording plus framing.
pub const MAX_MESSAGE_BYTES: usize = 52 * 1024 * 1024;

/// The gRPC server of `speech`, with message limits fit for audio.
pub fn server(speech: Arc<Speech>) -> SpeechServiceServer<grpc::SpeechGrpc> {
    let (stt, llm, tts) = speech.engine_names();
    let info = service_info(
        NAME,
        [
            ("stt_engine", stt.to_string()),
            ("llm_engine", llm.to_string()),
            ("tts_engine", tts.to_string()),
        ],
    );
    SpeechServiceServer::new(grpc::SpeechGrpc::new(info, speech))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES)
}

/// Serves speech-svc on `listener` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let settings = Settings::from_config(&config)?;
    let agent = crm::CrmAgent::new(crm::client(&config.services.crm.url)?);
    let mut speech = Speech::new(&settings)?.with_agent(Arc::new(agent));
    if let Some(url) = &config.nats_url {
        let store = tts::SharedAudioStore::connect(url, &config.nats_subject_root).await?;
        tracing::info!(
            bucket = store.bucket(),
            "synthesised audio shared through NATS"
        );
        speech = speech.with_shared_audio(Arc::new(store));
    }
    let speech = Arc::new(speech);
    let (stt, llm, tts) = speech.engine_names();
    tracing::info!(stt, llm, tts, cache = %speech.cache().dir().display(), "speech engines ready");
    let warm = speech.clone();
    tokio::spawn(async move { warm.warm_fallback().await });
    common_grpc::serve(listener, server(speech), shutdown).await?;
    Ok(())
}

/// Runs speech-svc on its own: binds its configured gRPC address and serves until `shutdown`.
pub async fn serve(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let listener = common_grpc::bind(&config.services.speech.bind.to_string()).await?;
    run(config, listener, shutdown).await
}
