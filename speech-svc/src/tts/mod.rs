//! Text-to-speech engines behind one trait, chosen by `TTS_ENGINE`, and the content-addressed
//! cache of what they produced.

pub mod cache;
mod espeak;
pub mod google;
pub mod google_streaming;
mod openai;
pub mod shared_store;

pub use cache::{AudioFile, TtsCache};
pub use espeak::Espeak;
pub use google::{GoogleTts, ServiceAccount};
pub use openai::OpenAiTts;
pub use shared_store::SharedAudioStore;

use crate::{
    audio::{self, Limits},
    error::{Error, ProviderFailure, Result},
    settings::Settings,
};
use agentlocator_common::config::TtsEngine;
use futures::{StreamExt, stream::BoxStream};
use std::sync::Arc;

/// Speech for a live call as it is made: chunks of 8 kHz mono G.711 μ-law, of any length.
/// Dropping it stops the engine's request.
pub type PhoneAudio = BoxStream<'static, Result<Vec<u8>>>;

/// Audio formats Twilio `<Play>` accepts that the engines produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioFormat {
    /// 8 kHz mono 16-bit PCM WAV.
    Wav,
    Mp3,
}

impl AudioFormat {
    pub fn extension(self) -> &'static str {
        match self {
            AudioFormat::Wav => "wav",
            AudioFormat::Mp3 => "mp3",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            AudioFormat::Wav => "audio/wav",
            AudioFormat::Mp3 => "audio/mpeg",
        }
    }
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext {
            "wav" => Some(AudioFormat::Wav),
            "mp3" => Some(AudioFormat::Mp3),
            _ => None,
        }
    }
}

#[async_trait::async_trait]
pub trait Synthesizer: Send + Sync {
    /// The engine's name in responses and logs (`espeak`, `openai`, `google`).
    fn name(&self) -> &'static str;
    /// The voice used when a request names none.
    fn default_voice(&self) -> &str;
    fn format(&self) -> AudioFormat;
    /// Hebrew speech of `text` in `voice`, encoded as [`Self::format`].
    async fn synthesize(&self, text: &str, voice: &str) -> Result<Vec<u8>>;
    /// The same speech as telephone audio, for a live call. Engines that cannot stream give
    /// their whole [`Self::synthesize`] converted, in one chunk.
    async fn synthesize_phone(&self, text: &str, voice: &str) -> Result<PhoneAudio> {
        let file = self.synthesize(text, voice).await?;
        let mulaw = phone_audio_of_file(self.name(), file).await?;
        Ok(futures::stream::iter([Ok(mulaw)]).boxed())
    }
}

/// An engine's audio file as 8 kHz μ-law; audio that does not decode is the engine's failure.
pub async fn phone_audio_of_file(engine: &'static str, file: Vec<u8>) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || audio::phone::mulaw_of_file(&file, &Limits::default()))
        .await
        .map_err(|e| Error::Internal(format!("audio task: {e}")))?
        .map_err(|e| {
            Error::provider(
                engine,
                ProviderFailure::BadResponse(format!("the audio is not playable: {e}")),
            )
        })
}

/// The engine `TTS_ENGINE` selects.
pub fn build(settings: &Settings) -> Result<Arc<dyn Synthesizer>> {
    Ok(match settings.tts_engine {
        TtsEngine::Espeak => Arc::new(Espeak::new(
            settings.espeak_bin.clone(),
            settings.espeak_voice.clone(),
            settings.tts_timeout,
        )),
        TtsEngine::OpenAi => Arc::new(OpenAiTts::new(&settings.openai, settings.tts_timeout)?),
        TtsEngine::Google => {
            let g = &settings.google;
            let engine = match (&g.credentials_file, &g.api_key) {
                (Some(path), _) => GoogleTts::new(
                    ServiceAccount::from_file(path)?,
                    &g.api_base,
                    &g.voice,
                    settings.tts_timeout,
                )?,
                (None, Some(key)) => GoogleTts::with_api_key(
                    key.clone(),
                    &g.api_base,
                    &g.voice,
                    settings.tts_timeout,
                )?,
                (None, None) => {
                    return Err(crate::error::Error::Config(
                        "TTS_ENGINE=google needs GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_API_KEY"
                            .into(),
                    ));
                }
            };
            Arc::new(engine.with_streaming(&g.grpc_url, g.streaming)?)
        }
    })
}
