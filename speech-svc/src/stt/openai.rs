//! `STT_ENGINE=openai`: `POST {OPENAI_BASE_URL}/v1/audio/transcriptions`, multipart with `file`,
//! `model`, `language=he` and `response_format=json`; answers `{"text": "…"}`. Works with
//! self-hosted OpenAI-compatible Whisper servers too.

use super::{LANGUAGE, RawTranscript, Transcriber};
use crate::{
    audio::Normalized,
    error::{Error, ProviderFailure, Result},
    http,
    settings::OpenAiSettings,
};
use agentlocator_common::Secret;
use reqwest::multipart::{Form, Part};
use std::time::Duration;

const ENGINE: &str = "openai";

pub struct OpenAiTranscriber {
    client: reqwest::Client,
    url: String,
    api_key: Option<Secret>,
    model: String,
}

impl OpenAiTranscriber {
    pub fn new(settings: &OpenAiSettings, timeout: Duration) -> Result<Self> {
        Ok(Self {
            client: http::client(timeout)?,
            url: http::openai_url(&settings.base_url, "/audio/transcriptions"),
            api_key: settings.api_key.clone(),
            model: settings.stt_model.clone(),
        })
    }
}

#[derive(serde::Deserialize)]
struct TranscriptionResponse {
    text: String,
}

#[async_trait::async_trait]
impl Transcriber for OpenAiTranscriber {
    fn name(&self) -> &'static str {
        ENGINE
    }

    async fn transcribe(&self, audio: &Normalized) -> Result<RawTranscript> {
        let file = Part::bytes(audio.wav.clone())
            .file_name("recording.wav")
            .mime_str("audio/wav")
            .map_err(|e| Error::Internal(e.to_string()))?;
        let form = Form::new()
            .part("file", file)
            .text("model", self.model.clone())
            .text("language", LANGUAGE)
            .text("response_format", "json");
        let mut req = self.client.post(&self.url).multipart(form);
        if let Some(key) = &self.api_key {
            req = req.bearer_auth(key.expose());
        }
        let resp = req.send().await.map_err(|e| http::transport(ENGINE, e))?;
        let resp = http::check(ENGINE, resp).await?;
        let body: TranscriptionResponse = resp
            .json()
            .await
            .map_err(|e| Error::provider(ENGINE, ProviderFailure::BadResponse(e.to_string())))?;
        Ok(RawTranscript::Text(body.text))
    }
}
