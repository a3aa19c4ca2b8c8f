//! `TTS_ENGINE=google`: Cloud Text-to-Speech `POST {base}/v1/text:synthesize` with
//! `{"input": {"text"}, "voice": {"languageCode": "he-IL", "name"}, "audioConfig":
//! {"audioEncoding": "MP3"}}`, answered `{"audioContent": "<base64 MP3>"}`.
//!
//! Authentication follows Google's server-to-server OAuth 2.0 flow: a JWT signed RS256 with the
//! service account's private key (`iss` = its e-mail, `scope` = cloud-platform, `aud` = its
//! `token_uri`, one hour) is exchanged at `token_uri` (`grant_type=
//! urn:ietf:params:oauth:grant-type:jwt-bearer`) for an access token, cached until a minute
//! before it expires.

use super::{AudioFormat, Synthesizer};
use crate::{
    error::{Error, ProviderFailure, Result},
    http,
};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::{
    path::Path,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

const ENGINE: &str = "google";
pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
pub const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The fields of a service-account JSON key file this engine uses.
#[derive(Clone, Deserialize)]
pub struct ServiceAccount {
    pub client_email: String,
    pub private_key: String,
    #[serde(default)]
    pub private_key_id: Option<String>,
    #[serde(default)]
    pub token_uri: Option<String>,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .field("private_key", &"***")
            .finish()
    }
}

impl ServiceAccount {
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Config(format!(
                "invalid GOOGLE_APPLICATION_CREDENTIALS: {} cannot be read: {e}",
                path.display()
            ))
        })?;
        Self::from_json(&text)
    }

    pub fn from_json(text: &str) -> Result<Self> {
        let account: ServiceAccount = serde_json::from_str(text).map_err(|e| {
            Error::Config(format!(
                "invalid GOOGLE_APPLICATION_CREDENTIALS: not a service-account key file ({e})"
            ))
        })?;
        // Fail at start-up, not at the first call, on a key that cannot sign.
        EncodingKey::from_rsa_pem(account.private_key.as_bytes()).map_err(|e| {
            Error::Config(format!(
                "invalid GOOGLE_APPLICATION_CREDENTIALS: private_key is not an RSA PEM key ({e})"
            ))
        })?;
        Ok(account)
    }

    fn token_uri(&self) -> &str {
        self.token_uri.as_deref().unwrap_or(DEFAULT_TOKEN_URI)
    }
}

/// The claims of the signed assertion.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub scope: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default = "default_expires_in")]
    expires_in: u64,
}

fn default_expires_in() -> u64 {
    3600
}

#[derive(Deserialize)]
struct SynthesizeResponse {
    #[serde(rename = "audioContent")]
    audio_content: String,
}

struct CachedToken {
    token: String,
    refresh_at: Instant,
}

pub struct GoogleTts {
    client: reqwest::Client,
    account: ServiceAccount,
    key: EncodingKey,
    synthesize_url: String,
    voice: String,
    token: tokio::sync::Mutex<Option<CachedToken>>,
}

impl GoogleTts {
    pub fn new(
        account: ServiceAccount,
        api_base: &str,
        voice: &str,
        timeout: Duration,
    ) -> Result<Self> {
        let key = EncodingKey::from_rsa_pem(account.private_key.as_bytes())
            .map_err(|e| Error::Config(format!("Google private key: {e}")))?;
        Ok(Self {
            client: http::client(timeout)?,
            account,
            key,
            synthesize_url: format!("{}/v1/text:synthesize", api_base.trim_end_matches('/')),
            voice: voice.to_string(),
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// The signed assertion for the token exchange.
    pub fn assertion(&self, now: u64) -> Result<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.account.private_key_id.clone();
        let claims = Claims {
            iss: self.account.client_email.clone(),
            scope: SCOPE.into(),
            aud: self.account.token_uri().into(),
            iat: now,
            exp: now + 3600,
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| Error::Internal(format!("signing the Google assertion: {e}")))
    }

    /// A valid access token: the cached one, or a fresh one from the token exchange.
    async fn access_token(&self) -> Result<String> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref().filter(|t| Instant::now() < t.refresh_at) {
            return Ok(t.token.clone());
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let assertion = self.assertion(now)?;
        let resp = self
            .client
            .post(self.account.token_uri())
            .form(&[
                ("grant_type", JWT_BEARER),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| http::transport(ENGINE, e))?;
        let resp = http::check(ENGINE, resp).await?;
        let body: TokenResponse = resp.json().await.map_err(|e| {
            Error::provider(ENGINE, ProviderFailure::BadResponse(format!("token: {e}")))
        })?;
        let lifetime = Duration::from_secs(body.expires_in.saturating_sub(60).max(1));
        *cached = Some(CachedToken {
            token: body.access_token.clone(),
            refresh_at: Instant::now() + lifetime,
        });
        Ok(body.access_token)
    }

    /// `he-IL-Wavenet-A` → `he-IL`.
    fn language_code(voice: &str) -> String {
        let mut parts = voice.splitn(3, '-');
        match (parts.next(), parts.next()) {
            (Some(l), Some(r)) if !l.is_empty() && !r.is_empty() => format!("{l}-{r}"),
            _ => "he-IL".into(),
        }
    }
}

#[async_trait::async_trait]
impl Synthesizer for GoogleTts {
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
        let token = self.access_token().await?;
        let body = json!({
            "input": {"text": text},
            "voice": {"languageCode": Self::language_code(voice), "name": voice},
            "audioConfig": {"audioEncoding": "MP3"},
        });
        let resp = self
            .client
            .post(&self.synthesize_url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| http::transport(ENGINE, e))?;
        let resp = match http::check(ENGINE, resp).await {
            Ok(r) => r,
            Err(e) => {
                if matches!(
                    e,
                    Error::Provider {
                        failure: ProviderFailure::Unauthorized(_),
                        ..
                    }
                ) {
                    // A revoked or expired token: fetch a new one next time.
                    *self.token.lock().await = None;
                }
                return Err(e);
            }
        };
        let bad = |m: String| Error::provider(ENGINE, ProviderFailure::BadResponse(m));
        let body: SynthesizeResponse = resp.json().await.map_err(|e| bad(e.to_string()))?;
        let audio = base64::engine::general_purpose::STANDARD
            .decode(body.audio_content.as_bytes())
            .map_err(|e| bad(format!("audioContent is not base64: {e}")))?;
        if audio.is_empty() {
            return Err(bad("empty audioContent".into()));
        }
        Ok(audio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_code_comes_from_the_voice_name() {
        assert_eq!(GoogleTts::language_code("he-IL-Wavenet-A"), "he-IL");
        assert_eq!(GoogleTts::language_code("he-IL-Standard-B"), "he-IL");
        assert_eq!(GoogleTts::language_code("x"), "he-IL");
    }

    #[test]
    fn a_key_file_that_cannot_sign_fails_at_start_up() {
        let e = ServiceAccount::from_json(
            r#"{"client_email":"a@b.iam.gserviceaccount.com","private_key":"nope"}"#,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("GOOGLE_APPLICATION_CREDENTIALS"),
            "{e}"
        );
        let e = ServiceAccount::from_json("{}").unwrap_err();
        assert!(e.to_string().contains("service-account"), "{e}");
    }
}
