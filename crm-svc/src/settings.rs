//! crm-svc's own settings: the few variables of the shared configuration only this service reads.
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `SIGNATURE_LINK_TTL_DAYS` | `30` | days a signing link works after it is made (1–365) |
//! | `SPEECH_SVC_URL` | `http://127.0.0.1:50053` | speech-svc, whose LLM summarises completed calls |
//! | `TAX_AUTHORITY_*` | unset | the Tax Authority's allocation numbers: [`crate::tax_authority::config`] |

use crate::tax_authority::config::TaxAuthorityConfig;
use agentlocator_common::{Config, ConfigError, config::Vars};
use chrono::Duration;

pub const SIGNATURE_LINK_TTL_DAYS: &str = "SIGNATURE_LINK_TTL_DAYS";
pub const DEFAULT_SIGNATURE_LINK_TTL_DAYS: i64 = 30;
pub const MAX_SIGNATURE_LINK_TTL_DAYS: i64 = 365;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// How long a signing link works after it is made.
    pub signature_link_ttl: Duration,
    /// speech-svc, which summarises completed calls with its LLM; `None`: every summary is the
    /// fallback made without a model.
    pub speech_url: Option<String>,
    /// How the Tax Authority is reached; `None`: allocation numbers are not requested.
    pub tax_authority: Option<TaxAuthorityConfig>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            signature_link_ttl: Duration::days(DEFAULT_SIGNATURE_LINK_TTL_DAYS),
            speech_url: None,
            tax_authority: None,
        }
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
        Ok(Settings {
            signature_link_ttl: Duration::days(days),
            speech_url: None,
            tax_authority: None,
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
}
