//! crm-svc's own settings: the few variables of the shared configuration only this service reads.
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `SIGNATURE_LINK_TTL_DAYS` | `30` | days a signing link works after it is made (1–365) |
//! | `SPEECH_SVC_URL` | `http://127.0.0.1:50053` | speech-svc, whose LLM summarises completed calls |
//! | `TAX_AUTHORITY_*` | unset | the Tax Authority's allocation numbers: [`crate::tax_authority::config`] |
//! | `WHATSAPP_AGENT_BURST_MS` | `4000` | quiet time (ms) after a customer's last WhatsApp message before the agent answers (0–60000) |
//! | `WHATSAPP_AGENT_LEASE_MS` | `60000` | how long (ms) one crm-svc holds a WhatsApp turn it is answering before another may retake it (1000–600000) |
//!
//! speech-svc (`SPEECH_SVC_URL`) makes the WhatsApp agent's replies and the call summaries.

use crate::agent::whatsapp::TurnSettings;
use crate::tax_authority::config::TaxAuthorityConfig;
use agentlocator_common::{Config, ConfigError, config::Vars};
use chrono::Duration;

pub const SIGNATURE_LINK_TTL_DAYS: &str = "SIGNATURE_LINK_TTL_DAYS";
pub const DEFAULT_SIGNATURE_LINK_TTL_DAYS: i64 = 30;
pub const MAX_SIGNATURE_LINK_TTL_DAYS: i64 = 365;
/// Where speech-svc is when no configuration names it (tests built from variables alone).
pub const DEFAULT_SPEECH_URL: &str = "http://127.0.0.1:50053";
pub const WHATSAPP_AGENT_BURST_MS: &str = "WHATSAPP_AGENT_BURST_MS";
pub const WHATSAPP_AGENT_LEASE_MS: &str = "WHATSAPP_AGENT_LEASE_MS";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// How long a signing link works after it is made.
    pub signature_link_ttl: Duration,
    /// speech-svc, which summarises completed calls with its LLM; `None`: every summary is the
    /// fallback made without a model.
    pub speech_url: Option<String>,
    /// How the Tax Authority is reached; `None`: allocation numbers are not requested.
    pub tax_authority: Option<TaxAuthorityConfig>,
    /// The WhatsApp agent's burst window and claim lease.
    pub whatsapp_agent: TurnSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            signature_link_ttl: Duration::days(DEFAULT_SIGNATURE_LINK_TTL_DAYS),
            speech_url: None,
            tax_authority: None,
            whatsapp_agent: TurnSettings::default(),
        }
    }
}

/// The whole milliseconds in `var`, from `range`; unset or empty is `default`.
fn millis(
    vars: &Vars,
    var: &'static str,
    range: std::ops::RangeInclusive<u64>,
    default: std::time::Duration,
) -> Result<std::time::Duration, ConfigError> {
    match vars.get(var).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| range.contains(n))
            .map(std::time::Duration::from_millis)
            .ok_or_else(|| ConfigError {
                var,
                message: format!(
                    "expected whole milliseconds from {} to {}, got {v:?}",
                    range.start(),
                    range.end()
                ),
            }),
    }
}

impl Settings {
    /// The settings in `config`'s variables; an invalid value is an error naming its variable.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        Ok(Settings {
            speech_url: Some(config.services.speech.url.clone()),
            tax_authority: TaxAuthorityConfig::from_vars(&config.vars, &config.public_base_url)?,
            ..Self::from_vars(&config.vars)?
        })
    }

    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        let days = match vars.get(SIGNATURE_LINK_TTL_DAYS) {
            None => DEFAULT_SIGNATURE_LINK_TTL_DAYS,
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=MAX_SIGNATURE_LINK_TTL_DAYS).contains(d))
                .ok_or_else(|| ConfigError {
                    var: SIGNATURE_LINK_TTL_DAYS,
                    message: format!(
                        "expected whole days from 1 to {MAX_SIGNATURE_LINK_TTL_DAYS}, got {v:?}"
                    ),
                })?,
        };
        let defaults = TurnSettings::default();
        Ok(Settings {
            signature_link_ttl: Duration::days(days),
            whatsapp_agent: TurnSettings {
                burst_window: millis(
                    vars,
                    WHATSAPP_AGENT_BURST_MS,
                    0..=60_000,
                    defaults.burst_window,
                )?,
                lease: millis(
                    vars,
                    WHATSAPP_AGENT_LEASE_MS,
                    1_000..=600_000,
                    defaults.lease,
                )?,
            },
            ..Settings::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(value: Option<&str>) -> Result<Settings, ConfigError> {
        let vars = value
            .map(|v| [(SIGNATURE_LINK_TTL_DAYS.to_string(), v.to_string())].into())
            .unwrap_or_default();
        Settings::from_config(&Config::from_map(&vars).expect("a valid base configuration"))
    }

    #[test]
    fn signing_links_last_30_days_unless_configured() {
        assert_eq!(
            settings(None).unwrap().signature_link_ttl,
            Duration::days(30)
        );
        assert_eq!(
            settings(Some("")).unwrap().signature_link_ttl,
            Settings::default().signature_link_ttl
        );
        assert_eq!(
            settings(Some(" 7 ")).unwrap().signature_link_ttl,
            Duration::days(7)
        );
        assert_eq!(
            settings(Some("365")).unwrap().signature_link_ttl,
            Duration::days(365)
        );
        for bad in ["0", "-1", "366", "1.5", "a week"] {
            let e = settings(Some(bad)).unwrap_err();
            assert_eq!(e.var, SIGNATURE_LINK_TTL_DAYS, "{bad}");
            assert!(e.message.contains(bad), "{e}");
        }
    }

    #[test]
    fn the_whatsapp_agent_waits_4_s_unless_configured() {
        let vars = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<std::collections::HashMap<_, _>>()
        };
        let got = |pairs: &[(&str, &str)]| {
            Settings::from_config(&Config::from_map(&vars(pairs)).expect("a valid configuration"))
        };
        let d = got(&[]).unwrap().whatsapp_agent;
        assert_eq!(d.burst_window, std::time::Duration::from_secs(4));
        assert_eq!(d.lease, std::time::Duration::from_secs(60));
        let s = got(&[
            (WHATSAPP_AGENT_BURST_MS, "150"),
            (WHATSAPP_AGENT_LEASE_MS, "2000"),
        ])
        .unwrap();
        assert_eq!(
            s.whatsapp_agent.burst_window,
            std::time::Duration::from_millis(150)
        );
        assert_eq!(s.whatsapp_agent.lease, std::time::Duration::from_secs(2));
        for (var, bad) in [
            (WHATSAPP_AGENT_BURST_MS, "60001"),
            (WHATSAPP_AGENT_BURST_MS, "4s"),
            (WHATSAPP_AGENT_LEASE_MS, "999"),
        ] {
            let e = got(&[(var, bad)]).unwrap_err();
            assert_eq!(e.var, var, "{bad}");
        }
    }
}
