//! Transcription engines behind one trait, chosen by `STT_ENGINE`; Hebrew (`he`) always.

mod openai;
#[cfg(feature = "whisper")]
mod whisper;

pub use openai::OpenAiTranscriber;

use crate::{
    audio::Normalized,
    error::{Error, Result},
    settings::Settings,
    strings,
};
use agentlocator_common::config::SttEngine;
use std::sync::Arc;

/// The language every engine is told explicitly.
pub const LANGUAGE: &str = "he";

/// What an engine produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawTranscript {
    Text(String),
    /// No engine is configured: the call is logged and transcribed later.
    Pending,
}

#[async_trait::async_trait]
pub trait Transcriber: Send + Sync {
    /// The engine's name in responses and logs (`openai`, `whisper-cpp`, `none`).
    fn name(&self) -> &'static str;
    /// Transcribes 16 kHz mono audio.
    async fn transcribe(&self, audio: &Normalized) -> Result<RawTranscript>;
}

/// `STT_ENGINE=none`: every transcript is pending.
pub struct NoTranscriber;

#[async_trait::async_trait]
impl Transcriber for NoTranscriber {
    fn name(&self) -> &'static str {
        "none"
    }
    async fn transcribe(&self, _: &Normalized) -> Result<RawTranscript> {
        Ok(RawTranscript::Pending)
    }
}

/// A transcript after the post-filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transcript {
    Done(String),
    Pending,
    /// Fewer than two letters or digits were heard; the voice flow answers with
    /// [`strings::UNCLEAR`]. The engine's raw output is kept for the log only.
    Unclear {
        raw: String,
    },
}

impl Transcript {
    pub fn unclear_notice(&self) -> Option<&'static str> {
        matches!(self, Transcript::Unclear { .. }).then_some(strings::UNCLEAR)
    }
}

/// The post-filter: a transcript with fewer than two letters or digits (Whisper's "." or "…" for
/// silence, a lone syllable) is unclear, not a transcript.
pub fn post_filter(raw: RawTranscript) -> Transcript {
    match raw {
        RawTranscript::Pending => Transcript::Pending,
        RawTranscript::Text(t) => {
            let text = t.trim();
            if text.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
                Transcript::Unclear {
                    raw: text.to_string(),
                }
            } else {
                Transcript::Done(text.to_string())
            }
        }
    }
}

/// The engine `STT_ENGINE` selects.
pub fn build(settings: &Settings) -> Result<Arc<dyn Transcriber>> {
    Ok(match settings.stt_engine {
        SttEngine::None => Arc::new(NoTranscriber),
        SttEngine::OpenAi => Arc::new(OpenAiTranscriber::new(
            &settings.openai,
            settings.stt_timeout,
        )?),
        SttEngine::WhisperCpp => whisper_cpp(settings)?,
    })
}

#[cfg(feature = "whisper")]
fn whisper_cpp(settings: &Settings) -> Result<Arc<dyn Transcriber>> {
    let path = settings
        .whisper_model
        .as_ref()
        .ok_or_else(|| Error::Config("STT_ENGINE=whisper-cpp needs WHISPER_MODEL".into()))?;
    Ok(Arc::new(whisper::WhisperCpp::load(path)?))
}

#[cfg(not(feature = "whisper"))]
fn whisper_cpp(settings: &Settings) -> Result<Arc<dyn Transcriber>> {
    let model = settings
        .whisper_model
        .as_ref()
        .map_or_else(|| "(unset)".into(), |p| p.display().to_string());
    Err(Error::Config(format!(
        "STT_ENGINE=whisper-cpp (WHISPER_MODEL={model}) needs speech-svc built with the \
         `whisper` cargo feature (cargo build --release -p agentlocator --features \
         speech-svc/whisper; needs cmake and libclang); or set STT_ENGINE=openai or none"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_transcripts_become_the_unclear_flag() {
        for raw in ["", " ", ".", "…", "א", " ש. ", "?!"] {
            let t = post_filter(RawTranscript::Text(raw.into()));
            assert!(matches!(t, Transcript::Unclear { .. }), "{raw:?}");
            assert_eq!(t.unclear_notice(), Some(strings::UNCLEAR));
        }
        assert_eq!(
            post_filter(RawTranscript::Text("  כן ".into())),
            Transcript::Done("כן".into())
        );
        assert_eq!(post_filter(RawTranscript::Pending), Transcript::Pending);
    }
}
