//! `STT_ENGINE=whisper-cpp`: local whisper.cpp through whisper-rs (cargo feature `whisper`).
//! The model is loaded once at start-up; each transcription runs on the blocking pool, off the
//! async runtime, with its own state.

use super::{LANGUAGE, RawTranscript, Transcriber};
use crate::{
    audio::Normalized,
    error::{Error, ProviderFailure, Result},
};
use std::{path::Path, sync::Arc};
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

const ENGINE: &str = "whisper-cpp";

pub struct WhisperCpp {
    ctx: Arc<WhisperContext>,
}

impl WhisperCpp {
    /// Loads the ggml model at `path`: a clear start-up error when it is missing or not a model.
    pub fn load(path: &Path) -> Result<Self> {
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::Config(format!(
                "invalid WHISPER_MODEL: {} cannot be read: {e}",
                path.display()
            ))
        })?;
        if !meta.is_file() {
            return Err(Error::Config(format!(
                "invalid WHISPER_MODEL: {} is not a file",
                path.display()
            )));
        }
        let path_str = path
            .to_str()
            .ok_or_else(|| Error::Config("invalid WHISPER_MODEL: the path is not UTF-8".into()))?;
        let ctx = WhisperContext::new_with_params(path_str, WhisperContextParameters::default())
            .map_err(|e| {
                Error::Config(format!(
                    "invalid WHISPER_MODEL: {} is not a whisper.cpp ggml model ({e})",
                    path.display()
                ))
            })?;
        Ok(Self { ctx: Arc::new(ctx) })
    }
}

#[async_trait::async_trait]
impl Transcriber for WhisperCpp {
    fn name(&self) -> &'static str {
        ENGINE
    }

    async fn transcribe(&self, audio: &Normalized) -> Result<RawTranscript> {
        let ctx = self.ctx.clone();
        let samples = audio.samples.clone();
        let local = |e: String| Error::provider(ENGINE, ProviderFailure::Local(e));
        tokio::task::spawn_blocking(move || {
            let mut state = ctx.create_state().map_err(|e| local(e.to_string()))?;
            let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
            params.set_language(Some(LANGUAGE));
            params.set_print_special(false);
            params.set_print_progress(false);
            params.set_print_realtime(false);
            params.set_print_timestamps(false);
            state
                .full(params, &samples)
                .map_err(|e| local(e.to_string()))?;
            let text: String = state
                .as_iter()
                .map(|segment| segment.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            Ok(RawTranscript::Text(text))
        })
        .await
        .map_err(|e| Error::Internal(format!("whisper task: {e}")))?
    }
}
