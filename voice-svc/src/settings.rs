//! voice-svc's settings: the shared [`Config`] plus the few variables only this service reads.
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `VOICE_TURN_BUDGET_MS` | `12000` | longest a caller turn may take before the fallback is said (Twilio waits 15 s) |
//! | `VOICE_MAX_TURNS` | `6` | caller turns before the call is closed politely |
//! | `TWILIO_API_BASE_URL` | `https://api.twilio.com` | Twilio's REST API (outbound calls) |

use crate::error::{Error, Result};
use agentlocator_common::{Config, Secret};
use std::{collections::HashMap, time::Duration};

pub const DEFAULT_TWILIO_API_BASE_URL: &str = "https://api.twilio.com";

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
        let public_base_url = config.public_base_url.trim_end_matches('/').to_string();
        let verification = match &config.twilio_auth_token {
            Some(token) => Verification::Enforce(token.clone()),
            None if config.public_url_is_loopback() => Verification::OpenOnLoopback,
            None => Verification::Refuse,
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
        })
    }
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
    fn defaults_and_validation_of_own_variables() {
        let s = Settings::from_parts(&config(&[]), &env(&[])).unwrap();
        assert_eq!(s.turn_budget, Duration::from_secs(12));
        assert_eq!(s.max_turns, 6);
        assert_eq!(s.twilio_api_base_url, DEFAULT_TWILIO_API_BASE_URL);
        let s = Settings::from_parts(
            &config(&[]),
            &env(&[("VOICE_TURN_BUDGET_MS", "500"), ("VOICE_MAX_TURNS", "2")]),
        )
        .unwrap();
        assert_eq!(s.turn_budget, Duration::from_millis(500));
        assert_eq!(s.max_turns, 2);
        for (k, v) in [
            ("VOICE_TURN_BUDGET_MS", "20000"),
            ("VOICE_TURN_BUDGET_MS", "soon"),
            ("VOICE_MAX_TURNS", "0"),
            ("TWILIO_API_BASE_URL", "http://api.twilio.com"),
        ] {
            let e = Settings::from_parts(&config(&[]), &env(&[(k, v)])).unwrap_err();
            assert!(e.to_string().contains(k), "{e}");
        }
    }
}
