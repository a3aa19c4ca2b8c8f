//! `TTS_ENGINE=openai`: `POST {OPENAI_BASE_URL}/v1/audio/speech` with
//! `{"model", "input", "voice", "response_format": "mp3"}`; the answer is the MP3 itself. For a
//! live call `"response_format": "pcm"`: raw 24 kHz 16-bit little-endian mono, read as it
//! streams in and turned into 8 kHz μ-law chunk by chunk.

use super::{AudioFormat, PhoneAudio, Synthesizer};
use crate::{
    audio::phone::{Downsampler24kTo8k, Pcm16Reader, mulaw_of},
    error::{Error, ProviderFailure, Result},
    http,
    settings::OpenAiSettings,
};
use agentlocator_common::Secret;
use futures::StreamExt;
use serde_json::{Value, json};
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

    async fn request(&self, text: &str, voice: &str, format: &str) -> Result<reqwest::Response> {
        let body: Value = json!({
            "model": self.model,
            "input": text,
            "voice": voice,
            "response_format": format,
        });
        let mut req = self.client.post(&self.url).json(&body);
        if let Some(key) = &self.api_key {
            req = req.bearer_auth(key.expose());
        }
        let resp = req.send().await.map_err(|e| http::transport(ENGINE, e))?;
        http::check(ENGINE, resp).await
    }
}

/// Content types of audio files, which a `pcm` answer is not.
const ENCODED_AUDIO_TYPES: [&str; 9] = [
    "audio/mpeg",
    "audio/mp3",
    "audio/wav",
    "audio/x-wav",
    "audio/wave",
    "audio/ogg",
    "audio/opus",
    "audio/aac",
    "audio/flac",
];

fn empty_audio() -> Error {
    Error::provider(ENGINE, ProviderFailure::BadResponse("empty audio".into()))
}

/// Input converted at once: 100 ms of 24 kHz 16-bit PCM. A server that sends seconds of audio in
/// one chunk is converted (and passed on) slice by slice, yielding in between, so one reply's
/// resampling never holds a runtime thread that live calls' 20 ms pacers need.
const SLICE_BYTES: usize = 4_800;

/// The state of one streamed `pcm` answer.
struct PcmToPhone {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    /// Received and not yet converted.
    pending: bytes::Bytes,
    pcm: Pcm16Reader,
    downsampler: Downsampler24kTo8k,
    got_audio: bool,
    ended: bool,
}

impl PcmToPhone {
    fn into_stream(self) -> PhoneAudio {
        futures::stream::unfold(self, |mut s| async move {
            while !s.ended {
                if !s.pending.is_empty() {
                    let slice = s.pending.split_to(SLICE_BYTES.min(s.pending.len()));
                    let samples = s.downsampler.push(&s.pcm.push(&slice));
                    if !s.pending.is_empty() {
                        tokio::task::yield_now().await;
                    }
                    if !samples.is_empty() {
                        s.got_audio = true;
                        return Some((Ok(mulaw_of(&samples)), s));
                    }
                    continue;
                }
                let (samples, failure) = match s.body.next().await {
                    Some(Ok(bytes)) => {
                        s.pending = bytes;
                        continue;
                    }
                    Some(Err(e)) => (Vec::new(), Some(http::transport(ENGINE, e))),
                    None => {
                        s.ended = true;
                        let rest = s.downsampler.finish();
                        let failure = (!s.got_audio && rest.is_empty()).then(empty_audio);
                        (rest, failure)
                    }
                };
                if let Some(e) = failure {
                    s.ended = true;
                    return Some((Err(e), s));
                }
                if !samples.is_empty() {
                    s.got_audio = true;
                    return Some((Ok(mulaw_of(&samples)), s));
                }
            }
            None
        })
        .boxed()
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
        let resp = self.request(text, voice, "mp3").await?;
        let bytes = resp.bytes().await.map_err(|e| http::transport(ENGINE, e))?;
        if bytes.is_empty() {
            return Err(empty_audio());
        }
        Ok(bytes.to_vec())
    }
    async fn synthesize_phone(&self, text: &str, voice: &str) -> Result<PhoneAudio> {
        let resp = self.request(text, voice, "pcm").await?;
        // A compatible server that ignores `pcm` would otherwise be played as noise.
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if ENCODED_AUDIO_TYPES
            .iter()
            .any(|t| content_type.starts_with(t))
        {
            return Err(Error::provider(
                ENGINE,
                ProviderFailure::BadResponse(format!("expected raw pcm audio, got {content_type}")),
            ));
        }
        Ok(PcmToPhone {
            body: resp.bytes_stream().boxed(),
            pcm: Pcm16Reader::default(),
            downsampler: Downsampler24kTo8k::default(),
            pending: bytes::Bytes::new(),
            got_audio: false,
            ended: false,
        }
        .into_stream())
    }
}
