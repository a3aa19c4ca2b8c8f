//! speech-svc's settings: the shared [`Config`] plus the few variables only this service reads.
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `TWILIO_API_HOST` | `api.twilio.com` | the only host recordings are downloaded from (`host[:port]`) |
//! | `OPENAI_STT_MODEL` | `whisper-1` | model of `STT_ENGINE=openai` |
//! | `OPENAI_CHAT_MODEL` | `gpt-4o-mini` | model of `LLM_ENGINE=openai` |
//! | `OPENAI_TTS_MODEL` | `tts-1` | model of `TTS_ENGINE=openai` |
//! | `OPENAI_TTS_VOICE` | `alloy` | voice of `TTS_ENGINE=openai` |
//! | `GOOGLE_TTS_VOICE` | `he-IL-Wavenet-A` | voice of `TTS_ENGINE=google` |
//! | `GOOGLE_API_KEY` | unset | `TTS_ENGINE=google` with an API key instead of a service account |
//! | `GOOGLE_TTS_STREAMING` | `auto` | live-call speech over gRPC `StreamingSynthesize`: `auto` (Chirp 3 HD voices), `on`, `off` |
//! | `GOOGLE_TTS_GRPC_URL` | `https://texttospeech.googleapis.com` | where `StreamingSynthesize` is called (TLS for `https://`) |
//! | `ESPEAK_VOICE` | `he` | voice of `TTS_ENGINE=espeak` |
//! | `TTS_CACHE_MAX_MB` | `512` | bound of the synthesised-audio cache (`DATA_DIR/tts`), least recently used out first |

use crate::{
    audio::Limits,
    error::{Error, Result},
    recording_download::{AllowedHost, DownloadSettings},
};
use agentlocator_common::{
    Config, Secret,
    config::{LlmEngine, SttEngine, TtsEngine},
};
use std::{collections::HashMap, path::PathBuf, time::Duration};

pub const DEFAULT_OPENAI_BASE_URL: &str = "https://api.openai.com";
pub const DEFAULT_GOOGLE_TTS_URL: &str = "https://texttospeech.googleapis.com";
/// The gRPC endpoint of Text-to-Speech (port 443 with TLS).
pub const DEFAULT_GOOGLE_TTS_GRPC_URL: &str = "https://texttospeech.googleapis.com";

/// Which Google voices speak a live call over `StreamingSynthesize` (`GOOGLE_TTS_STREAMING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoogleStreaming {
    /// Chirp 3 HD voices (`…-Chirp3-HD-…`), the ones Google streams.
    Auto,
    /// Every voice.
    On,
    /// None: every sentence is one `text:synthesize`.
    Off,
}

impl GoogleStreaming {
    pub fn parse(v: &str) -> Option<Self> {
        match v.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Some(Self::Auto),
            "on" | "true" | "1" => Some(Self::On),
            "off" | "false" | "0" => Some(Self::Off),
            _ => None,
        }
    }

    /// Whether live-call speech in `voice` is streamed.
    pub fn streams(self, voice: &str) -> bool {
        match self {
            Self::Auto => voice.contains("-Chirp3-HD-"),
            Self::On => true,
            Self::Off => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    /// With or without a trailing `/v1`; any OpenAI-compatible server.
    pub base_url: String,
    /// Optional: self-hosted compatible servers often need none.
    pub api_key: Option<Secret>,
    pub stt_model: String,
    pub chat_model: String,
    pub tts_model: String,
    pub tts_voice: String,
}

#[derive(Debug, Clone)]
pub struct GoogleSettings {
    /// The service-account JSON (`GOOGLE_APPLICATION_CREDENTIALS`); preferred when both are set.
    pub credentials_file: Option<PathBuf>,
    /// An API key restricted to Text-to-Speech (`GOOGLE_API_KEY`).
    pub api_key: Option<Secret>,
    pub voice: String,
    /// Where `v1/text:synthesize` lives (tests point it at a local server).
    pub api_base: String,
    /// Which voices stream live-call speech (`GOOGLE_TTS_STREAMING`).
    pub streaming: GoogleStreaming,
    /// Where `StreamingSynthesize` is called (`GOOGLE_TTS_GRPC_URL`): `https://` is TLS,
    /// `http://` plaintext (a local server).
    pub grpc_url: String,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// Audio URLs handed to Twilio are `{public_base_url}/static/tts/<file>`.
    pub public_base_url: String,
    pub stt_engine: SttEngine,
    pub llm_engine: LlmEngine,
    pub tts_engine: TtsEngine,
    pub whisper_model: Option<PathBuf>,
    pub download: DownloadSettings,
    pub openai: OpenAiSettings,
    pub google: GoogleSettings,
    pub espeak_voice: String,
    /// The espeak-ng program (tests replace it to make the engine fail).
    pub espeak_bin: PathBuf,
    pub limits: Limits,
    pub stt_timeout: Duration,
    pub reply_timeout: Duration,
    pub tts_timeout: Duration,
    /// Bound of the TTS cache directory, bytes (`TTS_CACHE_MAX_MB`).
    pub tts_cache_max_bytes: u64,
}

impl Settings {
    /// Settings from `config` (its variables hold this service's own too).
    pub fn from_config(config: &Config) -> Result<Self> {
        Self::from_parts(config, config.vars.as_map())
    }

    /// Settings from `config` and a map of the service's own variables (tests pass a map).
    pub fn from_parts(config: &Config, env: &HashMap<String, String>) -> Result<Self> {
        let get = |k: &str, default: &str| {
            env.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        let allowed_host = AllowedHost::from_vars(env).map_err(Error::Config)?;
        let mut download = DownloadSettings::new(allowed_host);
        download.account_sid = config.twilio_account_sid.clone();
        download.auth_token = config.twilio_auth_token.clone();

        let openai = OpenAiSettings {
            base_url: config.openai_base_url.clone(),
            api_key: config.openai_api_key.clone(),
            stt_model: get("OPENAI_STT_MODEL", "whisper-1"),
            chat_model: get("OPENAI_CHAT_MODEL", "gpt-4o-mini"),
            tts_model: get("OPENAI_TTS_MODEL", "tts-1"),
            tts_voice: get("OPENAI_TTS_VOICE", "alloy"),
        };
        let uses_openai = config.stt_engine == SttEngine::OpenAi
            || config.llm_engine == LlmEngine::OpenAi
            || config.tts_engine == TtsEngine::OpenAi;
        if uses_openai
            && openai.api_key.is_none()
            && openai.base_url.trim_end_matches('/') == DEFAULT_OPENAI_BASE_URL
        {
            return Err(Error::Config(
                "invalid OPENAI_API_KEY: an openai engine is selected (STT_ENGINE, LLM_ENGINE or \
                 TTS_ENGINE) and api.openai.com needs OPENAI_API_KEY (or set OPENAI_BASE_URL to \
                 a compatible server that needs no key)"
                    .into(),
            ));
        }
        let streaming = get("GOOGLE_TTS_STREAMING", "auto");
        let streaming = GoogleStreaming::parse(&streaming).ok_or_else(|| {
            Error::Config(format!(
                "invalid GOOGLE_TTS_STREAMING: {streaming:?} (expected auto, on or off)"
            ))
        })?;
        let google = GoogleSettings {
            credentials_file: config.google_application_credentials.clone(),
            api_key: env
                .get("GOOGLE_API_KEY")
                .map(|k| k.trim())
                .filter(|k| !k.is_empty())
                .map(Secret::new),
            voice: get("GOOGLE_TTS_VOICE", "he-IL-Wavenet-A"),
            api_base: DEFAULT_GOOGLE_TTS_URL.into(),
            streaming,
            grpc_url: grpc_url(&get("GOOGLE_TTS_GRPC_URL", DEFAULT_GOOGLE_TTS_GRPC_URL))?,
        };
        Ok(Settings {
            data_dir: config.data_dir.clone(),
            public_base_url: config.public_base_url.trim_end_matches('/').to_string(),
            stt_engine: config.stt_engine,
            llm_engine: config.llm_engine,
            tts_engine: config.tts_engine,
            whisper_model: config.whisper_model.clone(),
            download,
            openai,
            google,
            tts_cache_max_bytes: match env.get("TTS_CACHE_MAX_MB").map(|v| v.trim()) {
                None | Some("") => crate::tts::cache::DEFAULT_MAX_BYTES,
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|mb| (1..=1_000_000).contains(mb))
                    .map(|mb| mb * 1024 * 1024)
                    .ok_or_else(|| {
                        Error::Config(format!(
                            "invalid TTS_CACHE_MAX_MB: {v:?} (megabytes, 1 to 1000000)"
                        ))
                    })?,
            },
            espeak_voice: get("ESPEAK_VOICE", "he"),
            espeak_bin: PathBuf::from("espeak-ng"),
            limits: Limits::default(),
            stt_timeout: Duration::from_secs(30),
            reply_timeout: Duration::from_secs(8),
            tts_timeout: Duration::from_secs(10),
        })
    }
}

/// `GOOGLE_TTS_GRPC_URL`, checked: `http(s)://host[:port]`, nothing after the authority.
fn grpc_url(v: &str) -> Result<String> {
    let bad = |why: &str| Error::Config(format!("invalid GOOGLE_TTS_GRPC_URL: {v:?} ({why})"));
    let v = v.trim_end_matches('/');
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .ok_or_else(|| bad("expected https://host or http://host:port"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return Err(bad("expected only a host and an optional port"));
    }
    Ok(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_map(&map).unwrap()
    }

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_the_embedded_engines_and_twilio_host() {
        let s = Settings::from_parts(&config(&[]), &env(&[])).unwrap();
        assert_eq!(s.download.allowed_host.to_string(), "api.twilio.com");
        assert_eq!(s.openai.stt_model, "whisper-1");
        assert_eq!(s.openai.chat_model, "gpt-4o-mini");
        assert_eq!(s.google.voice, "he-IL-Wavenet-A");
        assert_eq!(s.reply_timeout, Duration::from_secs(8));
        assert_eq!(s.tts_engine, TtsEngine::Espeak);
    }

    #[test]
    fn twilio_host_is_configurable_and_validated() {
        let s = Settings::from_parts(&config(&[]), &env(&[("TWILIO_API_HOST", "127.0.0.1:9")]))
            .unwrap();
        assert_eq!(s.download.allowed_host.to_string(), "127.0.0.1:9");
        let e = Settings::from_parts(
            &config(&[]),
            &env(&[("TWILIO_API_HOST", "https://evil.com/")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("TWILIO_API_HOST"), "{e}");
    }

    #[test]
    fn openai_engines_on_api_openai_com_need_a_key() {
        let e = Settings::from_parts(&config(&[("LLM_ENGINE", "openai")]), &env(&[])).unwrap_err();
        assert!(e.to_string().contains("OPENAI_API_KEY"), "{e}");
        // A self-hosted compatible server may need none.
        Settings::from_parts(
            &config(&[
                ("STT_ENGINE", "openai"),
                ("OPENAI_BASE_URL", "http://whisper.local:8000"),
            ]),
            &env(&[]),
        )
        .unwrap();
    }

    #[test]
    fn google_streaming_is_chirp_3_hd_by_default_and_its_endpoint_checked() {
        let s = Settings::from_parts(&config(&[]), &env(&[])).unwrap();
        assert_eq!(s.google.streaming, GoogleStreaming::Auto);
        assert_eq!(s.google.grpc_url, "https://texttospeech.googleapis.com");
        assert!(s.google.streaming.streams("he-IL-Chirp3-HD-Achernar"));
        assert!(!s.google.streaming.streams("he-IL-Wavenet-A"));
        let s = Settings::from_parts(
            &config(&[]),
            &env(&[
                ("GOOGLE_TTS_STREAMING", "off"),
                ("GOOGLE_TTS_GRPC_URL", "http://127.0.0.1:50099/"),
            ]),
        )
        .unwrap();
        assert!(!s.google.streaming.streams("he-IL-Chirp3-HD-Achernar"));
        assert_eq!(s.google.grpc_url, "http://127.0.0.1:50099");
        for (k, v) in [
            ("GOOGLE_TTS_STREAMING", "sometimes"),
            ("GOOGLE_TTS_GRPC_URL", "texttospeech.googleapis.com:443"),
            ("GOOGLE_TTS_GRPC_URL", "https://evil.example/path"),
        ] {
            let e = Settings::from_parts(&config(&[]), &env(&[(k, v)])).unwrap_err();
            assert!(e.to_string().contains(k), "{e}");
        }
    }

    #[test]
    fn tts_cache_bound_is_megabytes_with_a_default() {
        let s = Settings::from_parts(&config(&[]), &env(&[])).unwrap();
        assert_eq!(s.tts_cache_max_bytes, crate::tts::cache::DEFAULT_MAX_BYTES);
        let s = Settings::from_parts(&config(&[]), &env(&[("TTS_CACHE_MAX_MB", "64")])).unwrap();
        assert_eq!(s.tts_cache_max_bytes, 64 * 1024 * 1024);
        for bad in ["0", "-5", "lots"] {
            let e =
                Settings::from_parts(&config(&[]), &env(&[("TTS_CACHE_MAX_MB", bad)])).unwrap_err();
            assert!(e.to_string().contains("TTS_CACHE_MAX_MB"), "{e}");
        }
    }
}
