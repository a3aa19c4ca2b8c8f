//! `TTS_ENGINE=openai`: `POST {OPENAI_BASE_URL}/v1/audio/speech` with
//! `{"model", "input", "voice", "response_format": "mp3"}`; the answer is the MP3 itself.

use super::{AudioFormat, Synthesizer};
use crate::{
    error::{Error, ProviderFailure, Result},
    http,
    settings::OpenAiSettings,
};
use agentlocator_common::Secret;
use serde_json::json;
use std::time::Duration;

const ENGINE: &str = "openai";

pub struct OpenAiTts {
    client: reqwest::Client,
    url: String,
    api_key: Option<Secret>,
    model: String,
    voice: String,
}

impl OpenAiTts {
    pub fn new(settings: &OpenAiSettings, timeout: Duration) -> Result<Self> {
        Ok(Self {
            client: http::client(timeout)?,
            url: http::openai_url(&settings.base_url, "/audio/speech"),
            api_key: settings.api_key.clone(),
            model: settings.tts_model.clone(),
            voice: settings.tts_voice.clone(),
        })
    }
}

#[async_trait::async_trait]
impl Synthesizer for OpenAiTts {
    fn name(&self) -> &'static str {
        ENGINE
    }
    fn default_voice(&self) -> &str {
        &self.voice
    }
    fn format(&self) -> AudioFormat {
        AudioFormat::Mp3
    }
    async fn synthesize(&self, text: &str, voice: &str) -> Result<Vec<u8>> {
        let body = json!({
            "model": self.model,
            "input": text,
            "voice": voice,
            "response_format": "mp3",
        });
        let mut req = self.client.post(&self.url).json(&body);
        if let Some(key) = &self.api_key {
            req = req.bearer_auth(key.expose());
        }
        let resp = req.send().await.map_err(|e| http::transport(ENGINE, e))?;
        let resp = http::check(ENGINE, resp).await?;
        let bytes = resp.bytes().await.map_err(|e| http::transport(ENGINE, e))?;
        if bytes.is_empty() {
            return Err(Error::provider(
                ENGINE,
                ProviderFailure::BadResponse("empty audio".into()),
            ));
        }
        Ok(bytes.to_vec())
    }
}
