//! voice-svc's settings: the shared [`Config`] plus the few variables only this service reads.
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `VOICE_TURN_BUDGET_MS` | `12000` | longest a caller turn may take before the fallback is said (Twilio waits 15 s) |
//! | `VOICE_MAX_TURNS` | `6` | caller turns before the call is closed politely |
//! | `TWILIO_API_BASE_URL` | `https://api.twilio.com` | Twilio's REST API (outbound calls, recordings, call updates) |
//! | `REALTIME_ENGINE` | `none` | live calls over Twilio Media Streams: `openai`, `cascade` or `none` (record loop only) |
//! | `OPENAI_REALTIME_MODEL` | `gpt-realtime` | the OpenAI Realtime model (`REALTIME_ENGINE=openai`) |
//! | `OPENAI_REALTIME_VOICE` | `marin` | its voice when the business names none |
//! | `REALTIME_END_OF_TURN_MS` | `600` | silence that ends a caller turn (cascade's VAD, OpenAI's server VAD) |
//! | `REALTIME_BARGE_IN_MS` | `240` | speech over the agent that interrupts it; shorter is a backchannel ("כן") |
//! | `VOICE_DRAIN_SECONDS` | `600` | at shutdown, longest live calls may go on before they are handed to the record loop |
//! | `VOICE_DIRECTORY_TTL_SECONDS` | `30` | longest a business or greeting is answered from memory without an event confirming it; `0` asks crm-svc and speech-svc on every webhook |
//! | `VOICE_HOURS_AT` | unset: the real time | an RFC 3339 instant calls are answered as if it were, for the opening hours only (to hear the closed line on a weekday); loopback PUBLIC_BASE_URL only |

use crate::error::{Error, Result};
use agentlocator_common::{Config, Secret, recording_url::AllowedHost};
use std::{collections::HashMap, time::Duration};

pub const DEFAULT_TWILIO_API_BASE_URL: &str = "https://api.twilio.com";
pub const DEFAULT_REALTIME_MODEL: &str = "gpt-realtime";
pub const DEFAULT_REALTIME_VOICE: &str = "marin";
/// Ten minutes: longer than nearly every call a business's line gets (they last a few minutes),
/// short enough that a rolling update of a few pods ends within the hour. A call still live then
/// is handed to the record loop, not dropped.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(600);
/// Kubernetes gives the pod `terminationGracePeriodSeconds` in all (640 in deploy/k8s): the
/// limit stays under it with room for `preStop` and the handover.
pub const MAX_DRAIN_SECONDS: u64 = 3600;
/// Longest `VOICE_DIRECTORY_TTL_SECONDS`: the TTL is a backstop for a lost event, not the rule.
pub const MAX_DIRECTORY_TTL_SECONDS: u64 = 3600;

/// The engine of live calls (`REALTIME_ENGINE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealtimeEngineKind {
    /// No live calls: every call runs the record loop.
    None,
    /// Speech to speech over the OpenAI Realtime API.
    OpenAi,
    /// VAD here, speech-svc's STT, streamed reply and speech.
    Cascade,
}

/// The OpenAI Realtime API's connection.
#[derive(Debug, Clone)]
pub struct OpenAiRealtimeSettings {
    /// `wss://…/v1/realtime?model=…` (`ws://` for an `http://` OPENAI_BASE_URL: a loopback server).
    pub url: String,
    pub api_key: Option<Secret>,
    pub model: String,
    pub default_voice: String,
}

/// Turn taking on a live call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnTaking {
    /// Silence that ends a caller turn.
    pub end_of_turn: Duration,
    /// Speech over the agent that interrupts it.
    pub barge_in: Duration,
}

/// The time the opening hours are read at (`VOICE_HOURS_AT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoursClock {
    System,
    /// Always this instant: a local instance trying out the closed line.
    Fixed(chrono::DateTime<chrono::Utc>),
}

impl HoursClock {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            HoursClock::System => chrono::Utc::now(),
            HoursClock::Fixed(at) => *at,
        }
    }
}

/// How webhooks are authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// `X-Twilio-Signature` must be Twilio's HMAC with this auth token.
    Enforce(Secret),
    /// No auth token and a loopback PUBLIC_BASE_URL: nothing outside this machine can reach the
    /// webhooks through that URL, so they are accepted unsigned (embedded default, `make up`).
    OpenOnLoopback,
    /// No auth token but a public URL: every webhook is refused.
    Refuse,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Without a trailing slash.
    pub public_base_url: String,
    pub verification: Verification,
    pub turn_budget: Duration,
    pub max_turns: u32,
    pub twilio_api_base_url: String,
    pub twilio_account_sid: Option<String>,
    pub twilio_auth_token: Option<Secret>,
    /// Longest the greeting's speech synthesis may take before `<Say>` is used instead.
    pub greeting_budget: Duration,
    pub realtime_engine: RealtimeEngineKind,
    pub openai_realtime: OpenAiRealtimeSettings,
    pub turn_taking: TurnTaking,
    /// Keys the per-call tokens of Media Streams: SECRET_KEY, else TWILIO_AUTH_TOKEN (both shared
    /// by every replica), else a key of this process (one replica, or webhooks refused anyway).
    pub stream_token_key: Secret,
    /// At shutdown, longest live calls go on before they are handed to the record loop
    /// (`VOICE_DRAIN_SECONDS`).
    pub drain_limit: Duration,
    /// `TWILIO_API_HOST`: a call keeps only recording URLs on this host (as speech-svc downloads
    /// only from it).
    pub recording_host: AllowedHost,
    /// `VOICE_DIRECTORY_TTL_SECONDS`: how long [`crate::directory`] keeps what it found
    /// (zero: nothing is kept).
    pub directory_ttl: Duration,
    /// `VOICE_HOURS_AT`: the "now" of the opening hours.
    pub hours_clock: HoursClock,
}

impl Settings {
    /// Settings from `config` (its variables hold this service's own too).
    pub fn from_config(config: &Config) -> Result<Self> {
        Self::from_parts(config, config.vars.as_map())
    }

    /// Settings from `config` and a map of the service's own variables (tests pass a map).
    pub fn from_parts(config: &Config, env: &HashMap<String, String>) -> Result<Self> {
        let get = |k: &str| env.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let turn_budget_ms: u64 = match get("VOICE_TURN_BUDGET_MS") {
            None => 12_000,
            Some(v) => v
                .parse()
                .ok()
                .filter(|ms| (1..=14_000).contains(ms))
                .ok_or_else(|| {
                    Error::NotConfigured(format!(
                        "invalid VOICE_TURN_BUDGET_MS {v:?}: milliseconds from 1 to 14000 \
                         (Twilio gives up after 15 s)"
                    ))
                })?,
        };
        let max_turns: u32 = match get("VOICE_MAX_TURNS") {
            None => 6,
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| (1..=50).contains(n))
                .ok_or_else(|| {
                    Error::NotConfigured(format!("invalid VOICE_MAX_TURNS {v:?}: 1 to 50"))
                })?,
        };
        let twilio_api_base_url = get("TWILIO_API_BASE_URL")
            .unwrap_or(DEFAULT_TWILIO_API_BASE_URL)
            .trim_end_matches('/')
            .to_string();
        if !(twilio_api_base_url.starts_with("https://")
            || twilio_api_base_url.starts_with("http://127.")
            || twilio_api_base_url.starts_with("http://localhost"))
        {
            return Err(Error::NotConfigured(format!(
                "invalid TWILIO_API_BASE_URL {twilio_api_base_url:?}: https, or http on loopback"
            )));
        }
        let realtime_engine = match get("REALTIME_ENGINE") {
            None | Some("none") => RealtimeEngineKind::None,
            Some("openai") => RealtimeEngineKind::OpenAi,
            Some("cascade") => RealtimeEngineKind::Cascade,
            Some(v) => {
                return Err(Error::NotConfigured(format!(
                    "invalid REALTIME_ENGINE {v:?}: openai, cascade or none"
                )));
            }
        };
        let model = get("OPENAI_REALTIME_MODEL")
            .unwrap_or(DEFAULT_REALTIME_MODEL)
            .to_string();
        let openai_realtime = OpenAiRealtimeSettings {
            url: realtime_url(&config.openai_base_url, &model),
            api_key: config.openai_api_key.clone(),
            model,
            default_voice: get("OPENAI_REALTIME_VOICE")
                .unwrap_or(DEFAULT_REALTIME_VOICE)
                .to_string(),
        };
        let millis = |key: &str, default: u64, range: std::ops::RangeInclusive<u64>| match get(key)
        {
            None => Ok(Duration::from_millis(default)),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|ms| range.contains(ms))
                .map(Duration::from_millis)
                .ok_or_else(|| {
                    Error::NotConfigured(format!(
                        "invalid {key} {v:?}: milliseconds from {} to {}",
                        range.start(),
                        range.end()
                    ))
                }),
        };
        let turn_taking = TurnTaking {
            end_of_turn: millis("REALTIME_END_OF_TURN_MS", 600, 200..=3000)?,
            barge_in: millis("REALTIME_BARGE_IN_MS", 240, 60..=1000)?,
        };
        let drain_limit = match get("VOICE_DRAIN_SECONDS") {
            None => DEFAULT_DRAIN,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|s| *s <= MAX_DRAIN_SECONDS)
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    Error::NotConfigured(format!(
                        "invalid VOICE_DRAIN_SECONDS {v:?}: seconds from 0 to {MAX_DRAIN_SECONDS}"
                    ))
                })?,
        };
        let directory_ttl = match get("VOICE_DIRECTORY_TTL_SECONDS") {
            None => crate::directory::TTL,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|s| *s <= MAX_DIRECTORY_TTL_SECONDS)
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    Error::NotConfigured(format!(
                        "invalid VOICE_DIRECTORY_TTL_SECONDS {v:?}: seconds from 0 to \
                         {MAX_DIRECTORY_TTL_SECONDS}"
                    ))
                })?,
        };
        let stream_token_key = config
            .secret_key
            .clone()
            .or_else(|| config.twilio_auth_token.clone())
            .unwrap_or_else(|| Secret::new(process_key()));
        let public_base_url = config.public_base_url.trim_end_matches('/').to_string();
        let verification = match &config.twilio_auth_token {
            Some(token) => Verification::Enforce(token.clone()),
            None if config.public_url_is_loopback() => Verification::OpenOnLoopback,
            None => Verification::Refuse,
        };
        let hours_clock = match get("VOICE_HOURS_AT") {
            None => HoursClock::System,
            Some(_) if !config.public_url_is_loopback() => {
                return Err(Error::NotConfigured(
                    "VOICE_HOURS_AT is for trying the closed line on a local instance: it is \
                     refused when PUBLIC_BASE_URL is not a loopback address"
                        .into(),
                ));
            }
            Some(v) => chrono::DateTime::parse_from_rfc3339(v)
                .map(|t| HoursClock::Fixed(t.with_timezone(&chrono::Utc)))
                .map_err(|e| {
                    Error::NotConfigured(format!(
                        "invalid VOICE_HOURS_AT {v:?}: an RFC 3339 instant such as \
                         2026-12-05T12:00:00+02:00 ({e})"
                    ))
                })?,
        };
        Ok(Settings {
            public_base_url,
            verification,
            turn_budget: Duration::from_millis(turn_budget_ms),
            max_turns,
            twilio_api_base_url,
            twilio_account_sid: config.twilio_account_sid.clone(),
            twilio_auth_token: config.twilio_auth_token.clone(),
            greeting_budget: Duration::from_secs(5),
            realtime_engine,
            openai_realtime,
            turn_taking,
            stream_token_key,
            drain_limit,
            recording_host: AllowedHost::from_vars(env).map_err(Error::NotConfigured)?,
            directory_ttl,
            hours_clock,
        })
    }

    /// The WebSocket URL Twilio streams a call to: PUBLIC_BASE_URL's host, `wss` (`ws` when
    /// PUBLIC_BASE_URL is `http://`), path `/webhook/media_stream`. Twilio signs the upgrade
    /// over exactly this URL.
    pub fn media_stream_url(&self) -> String {
        let base = &self.public_base_url;
        let (scheme, rest) = match base.split_once("://") {
            Some(("http", rest)) => ("ws", rest),
            Some((_, rest)) => ("wss", rest),
            None => ("wss", base.as_str()),
        };
        let host = rest.split('/').next().unwrap_or(rest);
        format!("{scheme}://{host}{}", crate::media_stream::PATH)
    }
}

/// The Realtime API's WebSocket URL under `base` (OPENAI_BASE_URL): https → wss, http → ws,
/// `/v1` added unless `base` ends with it.
pub fn realtime_url(base: &str, model: &str) -> String {
    let base = base.trim_end_matches('/');
    let base = match base.split_once("://") {
        Some(("http", rest)) => format!("ws://{rest}"),
        Some((_, rest)) => format!("wss://{rest}"),
        None => format!("wss://{base}"),
    };
    let v1 = if base.ends_with("/v1") { "" } else { "/v1" };
    let model: String = serde_urlencoded::to_string([("model", model)]).unwrap_or_default();
    format!("{base}{v1}/realtime?{model}")
}

/// 32 random bytes as hex, for a key that lives as long as the process.
fn process_key() -> String {
    rand::random::<[u8; 32]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
    fn the_hours_clock_is_fixed_only_on_a_local_instance() {
        let local = config(&[("PUBLIC_BASE_URL", "http://localhost:8080")]);
        let s = Settings::from_parts(&local, &env(&[])).unwrap();
        assert_eq!(s.hours_clock, HoursClock::System);
        let s = Settings::from_parts(
            &local,
            &env(&[("VOICE_HOURS_AT", "2026-12-05T12:00:00+02:00")]),
        )
        .unwrap();
        assert_eq!(
            s.hours_clock.now().to_rfc3339(),
            "2026-12-05T10:00:00+00:00"
        );
        let e = Settings::from_parts(&local, &env(&[("VOICE_HOURS_AT", "saturday")])).unwrap_err();
        assert!(e.to_string().contains("VOICE_HOURS_AT"), "{e}");
        let public = config(&[("PUBLIC_BASE_URL", "https://voice.example.com")]);
        let e = Settings::from_parts(
            &public,
            &env(&[("VOICE_HOURS_AT", "2026-12-05T12:00:00+02:00")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("loopback"), "{e}");
    }

    #[test]
    fn validation_is_off_only_on_loopback_without_a_token() {
        let s = Settings::from_parts(
            &config(&[("PUBLIC_BASE_URL", "http://localhost:8080")]),
            &env(&[]),
        )
        .unwrap();
        assert_eq!(s.verification, Verification::OpenOnLoopback);
        let s = Settings::from_parts(
            &config(&[("PUBLIC_BASE_URL", "https://voice.example.com")]),
            &env(&[]),
        )
        .unwrap();
        assert_eq!(s.verification, Verification::Refuse);
        // Example values, not credentials.
        let s = Settings::from_parts(
            &config(&[
                ("PUBLIC_BASE_URL", "http://localhost:8080"),
                ("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"), // example value
                ("TWILIO_AUTH_TOKEN", "example-auth-token"),
            ]),
            &env(&[]),
        )
        .unwrap();
        assert!(matches!(s.verification, Verification::Enforce(_)));
    }

    #[test]
    fn realtime_urls_follow_the_base_urls() {
        assert_eq!(
            realtime_url("https://api.openai.com", "gpt-realtime"),
            "wss://api.openai.com/v1/realtime?model=gpt-realtime"
        );
        assert_eq!(
            realtime_url("http://127.0.0.1:9000/v1/", "gpt-realtime"),
            "ws://127.0.0.1:9000/v1/realtime?model=gpt-realtime"
        );
        let s = Settings::from_parts(
            &config(&[("PUBLIC_BASE_URL", "https://voice.example.com/")]),
            &env(&[]),
        )
        .unwrap();
        assert_eq!(
            s.media_stream_url(),
            "wss://voice.example.com/webhook/media_stream"
        );
        let s = Settings::from_parts(
            &config(&[("PUBLIC_BASE_URL", "http://127.0.0.1:8080")]),
            &env(&[]),
        )
        .unwrap();
        assert_eq!(
            s.media_stream_url(),
            "ws://127.0.0.1:8080/webhook/media_stream"
        );
        assert_eq!(s.realtime_engine, RealtimeEngineKind::None);
        assert_eq!(s.turn_taking.end_of_turn, Duration::from_millis(600));
    }

    #[test]
    fn defaults_and_validation_of_own_variables() {
        let s = Settings::from_parts(&config(&[]), &env(&[])).unwrap();
        assert_eq!(s.turn_budget, Duration::from_secs(12));
        assert_eq!(s.max_turns, 6);
        assert_eq!(s.twilio_api_base_url, DEFAULT_TWILIO_API_BASE_URL);
        assert_eq!(s.drain_limit, Duration::from_secs(600));
        assert_eq!(s.directory_ttl, Duration::from_secs(30));
        let s = Settings::from_parts(
            &config(&[]),
            &env(&[
                ("VOICE_TURN_BUDGET_MS", "500"),
                ("VOICE_MAX_TURNS", "2"),
                ("VOICE_DRAIN_SECONDS", "0"),
                ("VOICE_DIRECTORY_TTL_SECONDS", "0"),
            ]),
        )
        .unwrap();
        assert_eq!(s.turn_budget, Duration::from_millis(500));
        assert_eq!(s.max_turns, 2);
        assert_eq!(s.drain_limit, Duration::ZERO);
        assert_eq!(s.directory_ttl, Duration::ZERO);
        for (k, v) in [
            ("VOICE_TURN_BUDGET_MS", "20000"),
            ("VOICE_TURN_BUDGET_MS", "soon"),
            ("VOICE_MAX_TURNS", "0"),
            ("TWILIO_API_BASE_URL", "http://api.twilio.com"),
            ("REALTIME_ENGINE", "gemini"),
            ("REALTIME_END_OF_TURN_MS", "50"),
            ("REALTIME_BARGE_IN_MS", "soon"),
            ("VOICE_DRAIN_SECONDS", "3601"),
            ("VOICE_DRAIN_SECONDS", "-1"),
            ("VOICE_DIRECTORY_TTL_SECONDS", "3601"),
            ("VOICE_DIRECTORY_TTL_SECONDS", "soon"),
        ] {
            let e = Settings::from_parts(&config(&[]), &env(&[(k, v)])).unwrap_err();
            assert!(e.to_string().contains(k), "{e}");
        }
    }
}
