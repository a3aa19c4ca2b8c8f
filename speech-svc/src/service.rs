//! The speech domain: transcription, replies and speech, with per-stage timings and the fallback
//! semantics of the voice flow. No gRPC types here.

use crate::{
    audio::{self, Limits, SourceFormat},
    error::{Error, ProviderFailure, Result},
    recording_download::RecordingDownloader,
    reply::{self, Replier, Reply, ReplyContext},
    settings::Settings,
    strings,
    stt::{self, Transcriber, Transcript},
    tts::{self, AudioFile, AudioFormat, SharedAudioStore, Synthesizer, TtsCache},
};
use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

/// Longest text one synthesis accepts (a spoken answer is a sentence or two).
pub const MAX_TTS_CHARS: usize = 1000;
/// Longest caller text a reply accepts.
pub const MAX_CALLER_CHARS: usize = 4000;

/// How long each stage took, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings(Vec<(&'static str, Duration)>);

impl Timings {
    pub fn push(&mut self, stage: &'static str, d: Duration) {
        self.0.push((stage, d));
    }
    pub fn extend(&mut self, other: Timings) {
        self.0.extend(other.0);
    }
    pub fn stages(&self) -> &[(&'static str, Duration)] {
        &self.0
    }
    pub fn get(&self, stage: &str) -> Option<Duration> {
        self.0.iter().find(|(s, _)| *s == stage).map(|(_, d)| *d)
    }
    /// Runs `f`, recording its duration under `stage` whatever its outcome.
    async fn time<T>(&mut self, stage: &'static str, f: impl Future<Output = T>) -> T {
        let start = Instant::now();
        let out = f.await;
        self.push(stage, start.elapsed());
        out
    }
}

/// Where the audio to transcribe comes from.
#[derive(Debug, Clone)]
pub enum AudioInput {
    Bytes(Vec<u8>),
    RecordingUrl(String),
}

#[derive(Debug, Clone)]
pub struct Transcribed {
    pub transcript: Transcript,
    pub engine: &'static str,
    pub audio_duration: Duration,
    pub source_format: SourceFormat,
    pub timings: Timings,
}

#[derive(Debug, Clone)]
pub struct Replied {
    pub reply: Reply,
    pub engine: &'static str,
    pub timings: Timings,
}

#[derive(Debug, Clone)]
pub struct Synthesized {
    pub audio: AudioFile,
    /// `PUBLIC_BASE_URL/static/tts/<file>`.
    pub url: String,
    /// `engine:voice`.
    pub voice: String,
    pub engine: &'static str,
    pub timings: Timings,
}

#[derive(Debug, Clone)]
pub struct Spoken {
    /// What the audio says.
    pub text: String,
    pub audio: Synthesized,
    pub fallback: bool,
    /// Why the fallback was spoken.
    pub failure: Option<String>,
    pub reply_engine: &'static str,
    pub needs_follow_up: bool,
    pub matched_question: Option<String>,
    pub timings: Timings,
}

pub struct Speech {
    downloader: RecordingDownloader,
    stt: Arc<dyn Transcriber>,
    replier: Arc<dyn Replier>,
    tts: Arc<dyn Synthesizer>,
    cache: TtsCache,
    limits: Limits,
    public_base_url: String,
    stt_timeout: Duration,
    reply_timeout: Duration,
    tts_timeout: Duration,
}

impl Speech {
    /// The engines `settings` select.
    pub fn new(settings: &Settings) -> Result<Self> {
        Self::with_engines(
            settings,
            stt::build(settings)?,
            reply::build(settings)?,
            tts::build(settings)?,
        )
    }

    /// Given engines (tests use their own).
    pub fn with_engines(
        settings: &Settings,
        stt: Arc<dyn Transcriber>,
        replier: Arc<dyn Replier>,
        tts: Arc<dyn Synthesizer>,
    ) -> Result<Self> {
        Ok(Self {
            downloader: RecordingDownloader::new(settings.download.clone())
                .map_err(Error::Internal)?,
            stt,
            replier,
            tts,
            cache: TtsCache::with_limit(
                settings.data_dir.join("tts"),
                settings.tts_cache_max_bytes,
            ),
            limits: settings.limits,
            public_base_url: settings.public_base_url.clone(),
            stt_timeout: settings.stt_timeout,
            reply_timeout: settings.reply_timeout,
            tts_timeout: settings.tts_timeout,
        })
    }

    /// Shares synthesised audio with the other replicas through `store`.
    pub fn with_shared_audio(mut self, store: Arc<SharedAudioStore>) -> Self {
        self.cache = self.cache.with_shared(store);
        self
    }

    /// `(stt, llm, tts)` engine names.
    pub fn engine_names(&self) -> (&'static str, &'static str, &'static str) {
        (self.stt.name(), self.replier.name(), self.tts.name())
    }

    pub fn cache(&self) -> &TtsCache {
        &self.cache
    }

    pub async fn transcribe(&self, input: AudioInput) -> Result<Transcribed> {
        let mut timings = Timings::default();
        let bytes = match input {
            AudioInput::Bytes(b) => b,
            AudioInput::RecordingUrl(url) => {
                timings
                    .time("download", self.downloader.download(&url))
                    .await?
                    .bytes
            }
        };
        let limits = self.limits;
        let normalized = timings
            .time(
                "decode",
                tokio::task::spawn_blocking(move || audio::normalize_for_stt(&bytes, &limits)),
            )
            .await
            .map_err(|e| Error::Internal(format!("audio task: {e}")))??;
        let engine = self.stt.name();
        let raw = timings
            .time(
                "stt",
                with_timeout(engine, self.stt_timeout, self.stt.transcribe(&normalized)),
            )
            .await?;
        Ok(Transcribed {
            transcript: stt::post_filter(raw),
            engine,
            audio_duration: normalized.duration(),
            source_format: normalized.source.format,
            timings,
        })
    }

    pub async fn reply(&self, ctx: &ReplyContext) -> Result<Replied> {
        let caller = ctx.caller_text.trim();
        if caller.is_empty() {
            return Err(Error::InvalidRequest("caller_text is empty".into()));
        }
        if caller.chars().count() > MAX_CALLER_CHARS {
            return Err(Error::InvalidRequest(format!(
                "caller_text is longer than {MAX_CALLER_CHARS} characters"
            )));
        }
        let mut timings = Timings::default();
        let engine = self.replier.name();
        let reply = timings
            .time(
                "reply",
                with_timeout(engine, self.reply_timeout, self.replier.reply(ctx)),
            )
            .await?;
        Ok(Replied {
            reply,
            engine,
            timings,
        })
    }

    /// Speech of `text` in `voice` (or the engine's own), from the cache when it is there.
    pub async fn synthesize(&self, text: &str, voice: Option<&str>) -> Result<Synthesized> {
        let mut timings = Timings::default();
        let audio = self
            .synthesize_timed(text, voice, "tts", &mut timings)
            .await?;
        Ok(Synthesized { timings, ..audio })
    }

    async fn synthesize_timed(
        &self,
        text: &str,
        voice: Option<&str>,
        stage: &'static str,
        timings: &mut Timings,
    ) -> Result<Synthesized> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::InvalidRequest("text is empty".into()));
        }
        if text.chars().count() > MAX_TTS_CHARS {
            return Err(Error::InvalidRequest(format!(
                "text is longer than {MAX_TTS_CHARS} characters"
            )));
        }
        let voice = match voice.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => valid_voice(v)?,
            None => self.tts.default_voice().to_string(),
        };
        let engine = self.tts.name();
        let voice_id = format!("{engine}:{voice}");
        let format = self.tts.format();
        let tts = self.tts.clone();
        let timeout = self.tts_timeout;
        let audio = timings
            .time(
                stage,
                self.cache
                    .get_or_create(&voice_id, text, format, || async move {
                        let bytes =
                            with_timeout(engine, timeout, tts.synthesize(text, &voice)).await?;
                        check_playable(engine, bytes, format).await
                    }),
            )
            .await?;
        Ok(Synthesized {
            url: format!("{}/static/tts/{}", self.public_base_url, audio.file_name),
            audio,
            voice: voice_id,
            engine,
            timings: Timings::default(),
        })
    }

    /// Reply, then speak it; on a failure of either, speak [`strings::FALLBACK`] once; when that
    /// fails too, [`Error::FallbackFailed`].
    pub async fn reply_and_speak(&self, ctx: &ReplyContext, voice: Option<&str>) -> Result<Spoken> {
        let mut timings = Timings::default();
        let reply_engine = self.replier.name();
        let started = Instant::now();
        let failure = match self.reply(ctx).await {
            Ok(replied) => {
                timings.extend(replied.timings);
                let reply = replied.reply;
                match self
                    .synthesize_timed(&reply.text, voice, "tts", &mut timings)
                    .await
                {
                    Ok(audio) => {
                        return Ok(Spoken {
                            text: reply.text,
                            audio,
                            fallback: false,
                            failure: None,
                            reply_engine,
                            needs_follow_up: reply.needs_follow_up,
                            matched_question: reply.matched_question,
                            timings,
                        });
                    }
                    Err(e @ Error::InvalidRequest(_)) => return Err(e),
                    Err(e) => format!("tts: {e}"),
                }
            }
            Err(e @ Error::InvalidRequest(_)) => return Err(e),
            Err(e) => {
                timings.push("reply", started.elapsed());
                format!("reply: {e}")
            }
        };
        tracing::warn!(%failure, "speaking the fallback sentence");
        match self
            .synthesize_timed(strings::FALLBACK, voice, "fallback_tts", &mut timings)
            .await
        {
            Ok(audio) => Ok(Spoken {
                text: strings::FALLBACK.into(),
                audio,
                fallback: true,
                failure: Some(failure),
                reply_engine,
                // The caller's question went unanswered: staff should call back.
                needs_follow_up: true,
                matched_question: None,
                timings,
            }),
            Err(e) => Err(Error::FallbackFailed {
                reply: failure,
                fallback: e.to_string(),
            }),
        }
    }

    /// A cached audio file for `GET /static/tts/{file}`.
    pub async fn audio_file(&self, file_name: &str) -> Result<(Vec<u8>, AudioFormat)> {
        self.cache.read(file_name).await
    }

    /// Synthesises the fallback sentence ahead of time, so it plays from the cache even while
    /// the TTS provider is down.
    pub async fn warm_fallback(&self) {
        match self.synthesize(strings::FALLBACK, None).await {
            Ok(s) => {
                tracing::info!(file = %s.audio.file_name, cached = s.audio.cached, "fallback sentence ready")
            }
            Err(e) => tracing::warn!(error = %e, "fallback sentence could not be synthesised yet"),
        }
    }
}

async fn with_timeout<T>(
    engine: &'static str,
    limit: Duration,
    f: impl Future<Output = Result<T>>,
) -> Result<T> {
    // The engines have their own timeouts; this one (a little longer) also bounds local engines.
    tokio::time::timeout(limit + Duration::from_millis(500), f)
        .await
        .map_err(|_| Error::provider(engine, ProviderFailure::Timeout))?
}

/// A voice name is letters, digits and `-_.+:`, at most 64, never an option (`-…`).
fn valid_voice(v: &str) -> Result<String> {
    let ok = v.len() <= 64
        && !v.starts_with('-')
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | ':'));
    if ok {
        Ok(v.to_string())
    } else {
        Err(Error::InvalidRequest(format!("invalid voice name {v:?}")))
    }
}

/// Provider audio must decode before it is cached and handed to Twilio.
async fn check_playable(
    engine: &'static str,
    bytes: Vec<u8>,
    format: AudioFormat,
) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || {
        let decoded = audio::decode(&bytes, &Limits::default()).map_err(|e| {
            Error::provider(
                engine,
                ProviderFailure::BadResponse(format!("the audio is not playable: {e}")),
            )
        })?;
        let expected = match format {
            AudioFormat::Wav => SourceFormat::Wav,
            AudioFormat::Mp3 => SourceFormat::Mp3,
        };
        if decoded.format != expected {
            return Err(Error::provider(
                engine,
                ProviderFailure::BadResponse(format!(
                    "expected {} audio, got {}",
                    format.extension(),
                    decoded.format.as_str()
                )),
            ));
        }
        Ok(bytes)
    })
    .await
    .map_err(|e| Error::Internal(format!("audio task: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_names_are_restricted() {
        assert!(valid_voice("he-IL-Wavenet-A").is_ok());
        assert!(valid_voice("he+f3").is_ok());
        assert!(valid_voice("--help").is_err());
        assert!(valid_voice("a b").is_err());
        assert!(valid_voice("../x").is_err());
    }
}
