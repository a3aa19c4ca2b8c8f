//! Text-to-speech engines behind one trait, chosen by `TTS_ENGINE`, and the content-addressed
//! cache of what they produced.

pub mod cache;
mod espeak;
pub mod google;
mod openai;
pub mod shared_store;

pub use cache::{AudioFile, TtsCache};
pub use espeak::Espeak;
pub use google::{GoogleTts, ServiceAccount};
pub use openai::OpenAiTts;
pub use shared_store::SharedAudioStore;

use crate::{error::Result, settings::Settings};
use agentlocator_common::config::TtsEngine;
use std::sync::Arc;

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
            match (&g.credentials_file, &g.api_key) {
                (Some(path), _) => Arc::new(GoogleTts::new(
                    ServiceAccount::from_file(path)?,
                    &g.api_base,
                    &g.voice,
                    settings.tts_timeout,
                )?),
                (None, Some(key)) => Arc::new(GoogleTts::with_api_key(
                    key.clone(),
                    &g.api_base,
                    &g.voice,
                    settings.tts_timeout,
                )?),
                (None, None) => {
                    return Err(crate::error::Error::Config(
                        "TTS_ENGINE=google needs GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_API_KEY"
                            .into(),
                    ));
                }
            }
        }
    })
}
