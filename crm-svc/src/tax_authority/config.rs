//! The Tax Authority settings of crm-svc (all from the environment; the secrets never logged):
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `TAX_AUTHORITY_CLIENT_ID` | unset: allocation numbers off | the application key of the app registered at the Authority's API portal |
//! | `TAX_AUTHORITY_CLIENT_SECRET` | required with the id | its secret |
//! | `TAX_AUTHORITY_TOKEN_KEY` | required with the id | 64 hex digits (32 bytes): the AES-256-GCM key the businesses' tokens are encrypted with |
//! | `TAX_AUTHORITY_ENV` | `production` | `production` or `sandbox` (the Authority's `tsandbox`) |
//! | `TAX_AUTHORITY_OAUTH_URL` | `https://openapi.taxes.gov.il/shaam/<env>` | where `/longtimetoken/oauth2/{authorize,token}` are |
//! | `TAX_AUTHORITY_API_URL` | `https://ita-api.taxes.gov.il/shaam/<env>` | where `/Invoices/v1/Approval` is |
//! | `TAX_AUTHORITY_SOFTWARE_NUMBER` | unset: the issuer's own ע.מ | `Accounting_Software_Number`: the software's registration number at the Authority |

use agentlocator_common::{ConfigError, config::Secret, config::Vars};
use std::fmt;

pub const CLIENT_ID: &str = "TAX_AUTHORITY_CLIENT_ID";
pub const CLIENT_SECRET: &str = "TAX_AUTHORITY_CLIENT_SECRET";
pub const TOKEN_KEY: &str = "TAX_AUTHORITY_TOKEN_KEY";
pub const ENV: &str = "TAX_AUTHORITY_ENV";
pub const OAUTH_URL: &str = "TAX_AUTHORITY_OAUTH_URL";
pub const API_URL: &str = "TAX_AUTHORITY_API_URL";
pub const SOFTWARE_NUMBER: &str = "TAX_AUTHORITY_SOFTWARE_NUMBER";

/// The page of the web app the Authority sends the owner back to (`redirect_uri`), under
/// `PUBLIC_BASE_URL`; it must be registered, exactly, as the app's redirect URI.
pub const CALLBACK_PATH: &str = "/settings/tax-authority/callback";

/// How crm-svc reaches the Tax Authority.
#[derive(Clone, PartialEq, Eq)]
pub struct TaxAuthorityConfig {
    pub client_id: String,
    pub client_secret: Secret,
    /// AES-256-GCM key of the stored tokens.
    pub token_key: [u8; 32],
    /// `production` or `sandbox`.
    pub environment: &'static str,
    /// Base of the OAuth2 endpoints, without a trailing slash.
    pub oauth_url: String,
    /// Base of the invoices API, without a trailing slash.
    pub api_url: String,
    pub software_number: Option<i64>,
    /// `PUBLIC_BASE_URL` + [`CALLBACK_PATH`].
    pub redirect_uri: String,
}

impl fmt::Debug for TaxAuthorityConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaxAuthorityConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("token_key", &"***")
            .field("environment", &self.environment)
            .field("oauth_url", &self.oauth_url)
            .field("api_url", &self.api_url)
            .field("software_number", &self.software_number)
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

fn err(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

/// An `https://` URL, or `http://` on loopback (a local test server); without a trailing slash.
fn base_url(var: &'static str, value: &str) -> Result<String, ConfigError> {
    let trimmed = value.trim_end_matches('/');
    let host_part = |rest: &str| rest.split(['/', '?', '#']).next().unwrap_or("").to_owned();
    let ok = if let Some(rest) = trimmed.strip_prefix("https://") {
        !host_part(rest).is_empty()
    } else if let Some(rest) = trimmed.strip_prefix("http://") {
        let host = host_part(rest);
        let name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
        matches!(name, "127.0.0.1" | "localhost" | "[::1]")
    } else {
        false
    };
    if !ok {
        return Err(err(
            var,
            format!("expected an https:// URL (http:// only on loopback), got {value:?}"),
        ));
    }
    Ok(trimmed.to_owned())
}

fn hex_key(value: &str) -> Option<[u8; 32]> {
    let bytes = value.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        key[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(key)
}

impl TaxAuthorityConfig {
    /// The settings in `vars` (`None` while `TAX_AUTHORITY_CLIENT_ID` is unset);
    /// `public_base_url` is where browsers reach the gateway.
    pub fn from_vars(vars: &Vars, public_base_url: &str) -> Result<Option<Self>, ConfigError> {
        let Some(client_id) = vars.get(CLIENT_ID) else {
            return Ok(None);
        };
        let client_secret = vars
            .get(CLIENT_SECRET)
            .ok_or_else(|| err(CLIENT_SECRET, format!("required with {CLIENT_ID}")))?;
        let token_key = vars
            .get(TOKEN_KEY)
            .ok_or_else(|| err(TOKEN_KEY, format!("required with {CLIENT_ID}")))?;
        let token_key = hex_key(token_key).ok_or_else(|| {
            err(
                TOKEN_KEY,
                "expected 64 hex digits (32 bytes; `openssl rand -hex 32`)",
            )
        })?;
        let (environment, segment) = match vars.get(ENV).unwrap_or("production") {
            "production" => ("production", "production"),
            "sandbox" | "tsandbox" => ("sandbox", "tsandbox"),
            other => {
                return Err(err(
                    ENV,
                    format!("expected production or sandbox, got {other:?}"),
                ));
            }
        };
        let oauth_url = match vars.get(OAUTH_URL) {
            Some(v) => base_url(OAUTH_URL, v)?,
            None => format!("https://openapi.taxes.gov.il/shaam/{segment}"),
        };
        let api_url = match vars.get(API_URL) {
            Some(v) => base_url(API_URL, v)?,
            None => format!("https://ita-api.taxes.gov.il/shaam/{segment}"),
        };
        let software_number = vars
            .get(SOFTWARE_NUMBER)
            .map(|v| {
                v.parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| err(SOFTWARE_NUMBER, format!("expected digits, got {v:?}")))
            })
            .transpose()?;
        Ok(Some(TaxAuthorityConfig {
            client_id: client_id.to_owned(),
            client_secret: Secret::new(client_secret),
            token_key,
            environment,
            oauth_url,
            api_url,
            software_number,
            redirect_uri: format!("{}{CALLBACK_PATH}", public_base_url.trim_end_matches('/')),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        agentlocator_common::Config::from_map(&map).unwrap().vars
    }

    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn off_without_a_client_id_and_complete_with_one() {
        assert_eq!(
            TaxAuthorityConfig::from_vars(&vars(&[]), "http://x").unwrap(),
            None
        );
        let c = TaxAuthorityConfig::from_vars(
            &vars(&[
                (CLIENT_ID, "app"),
                (CLIENT_SECRET, "s3cret"),
                (TOKEN_KEY, KEY),
                (ENV, "sandbox"),
            ]),
            "https://crm.example.co.il/",
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.oauth_url, "https://openapi.taxes.gov.il/shaam/tsandbox");
        assert_eq!(c.api_url, "https://ita-api.taxes.gov.il/shaam/tsandbox");
        assert_eq!(
            c.redirect_uri,
            "https://crm.example.co.il/settings/tax-authority/callback"
        );
        assert_eq!(c.token_key[1], 0x11);
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("aabbcc"),
            "{debug}"
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        let base = [(CLIENT_ID, "app"), (CLIENT_SECRET, "s"), (TOKEN_KEY, KEY)];
        let fails = |extra: &[(&'static str, &'static str)], var: &str| {
            let mut all: Vec<_> = base.to_vec();
            all.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
            all.extend_from_slice(extra);
            let e = TaxAuthorityConfig::from_vars(&vars(&all), "http://x").unwrap_err();
            assert_eq!(e.var, var, "{extra:?}");
        };
        fails(&[(CLIENT_SECRET, "")], CLIENT_SECRET);
        fails(&[(TOKEN_KEY, "short")], TOKEN_KEY);
        fails(&[(ENV, "staging")], ENV);
        fails(&[(OAUTH_URL, "http://example.com")], OAUTH_URL);
        fails(&[(API_URL, "ftp://127.0.0.1")], API_URL);
        fails(&[(SOFTWARE_NUMBER, "abc")], SOFTWARE_NUMBER);
        let c = TaxAuthorityConfig::from_vars(
            &vars(&[
                (CLIENT_ID, "app"),
                (CLIENT_SECRET, "s"),
                (TOKEN_KEY, KEY),
                (OAUTH_URL, "http://127.0.0.1:9999/shaam/tsandbox/"),
            ]),
            "http://x",
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.oauth_url, "http://127.0.0.1:9999/shaam/tsandbox");
    }
}
