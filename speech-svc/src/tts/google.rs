//! `TTS_ENGINE=google`: Cloud Text-to-Speech `POST {base}/v1/text:synthesize` with
//! `{"input": {"text"}, "voice": {"languageCode": "he-IL", "name"}, "audioConfig":
//! {"audioEncoding": "MP3"}}`, answered `{"audioContent": "<base64 MP3>"}`. For a live call
//! `{"audioEncoding": "MULAW", "sampleRateHertz": 8000}`, which comes back as a μ-law WAV whose
//! data is sent on unchanged — unless the voice streams (`GOOGLE_TTS_STREAMING`, by default the
//! Chirp 3 HD voices): then a live call's sentence is synthesised over gRPC `StreamingSynthesize`
//! and its audio passed on as it is made ([`super::google_streaming`]). The fallback sentence and
//! `<Play>` files are always `text:synthesize` (they are cached whole).
//!
//! Authentication follows Google's server-to-server OAuth 2.0 flow: a JWT signed RS256 with the
//! service account's private key (`iss` = its e-mail, `scope` = cloud-platform, `aud` = its
//! `token_uri`, one hour) is exchanged at `token_uri` (`grant_type=
//! urn:ietf:params:oauth:grant-type:jwt-bearer`) for an access token, cached until a minute
//! before it expires.

use super::{
    AudioFormat, PhoneAudio, Synthesizer,
    google_streaming::{Credential, StreamingClient},
};
use crate::{
    audio::{PHONE_RATE, wav},
    error::{Error, ProviderFailure, Result},
    http,
    settings::GoogleStreaming,
};
use agentlocator_common::Secret;
use base64::Engine as _;
use futures::StreamExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
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

/// How requests to Text-to-Speech are authorised.
enum Auth {
    /// A service account: a signed JWT exchanged for an access token, cached until near expiry.
    ServiceAccount {
        account: ServiceAccount,
        key: EncodingKey,
        token: tokio::sync::Mutex<Option<CachedToken>>,
    },
    /// An API key restricted to the Text-to-Speech API (`x-goog-api-key`).
    ApiKey(Secret),
}

pub struct GoogleTts {
    client: reqwest::Client,
    auth: Auth,
    synthesize_url: String,
    voice: String,
    timeout: Duration,
    /// Live-call speech over `StreamingSynthesize`, for the voices `streaming` names.
    streaming: Option<(StreamingClient, GoogleStreaming)>,
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
        Self::with_auth(
            Auth::ServiceAccount {
                account,
                key,
                token: tokio::sync::Mutex::new(None),
            },
            api_base,
            voice,
            timeout,
        )
    }

    /// Authorised by an API key (`GOOGLE_API_KEY`) instead of a service account.
    pub fn with_api_key(
        api_key: Secret,
        api_base: &str,
        voice: &str,
        timeout: Duration,
    ) -> Result<Self> {
        Self::with_auth(Auth::ApiKey(api_key), api_base, voice, timeout)
    }

    fn with_auth(auth: Auth, api_base: &str, voice: &str, timeout: Duration) -> Result<Self> {
        Ok(Self {
            client: http::client(timeout)?,
            auth,
            synthesize_url: format!("{}/v1/text:synthesize", api_base.trim_end_matches('/')),
            voice: voice.to_string(),
            timeout,
            streaming: None,
        })
    }

    /// Live-call speech in the voices `mode` names streamed from `grpc_url`'s
    /// `StreamingSynthesize`.
    pub fn with_streaming(mut self, grpc_url: &str, mode: GoogleStreaming) -> Result<Self> {
        self.streaming = match mode {
            GoogleStreaming::Off => None,
            mode => Some((StreamingClient::new(grpc_url, self.timeout)?, mode)),
        };
        Ok(self)
    }

    /// Whether a live call's speech in `voice` is streamed.
    pub fn streams(&self, voice: &str) -> bool {
        self.streaming
            .as_ref()
            .is_some_and(|(_, mode)| mode.streams(voice))
    }

    /// What authorises a streaming call.
    async fn credential(&self) -> Result<Credential> {
        Ok(match &self.auth {
            Auth::ServiceAccount { .. } => Credential::Bearer(self.access_token().await?),
            Auth::ApiKey(key) => Credential::ApiKey(key.clone()),
        })
    }

    /// A revoked or expired token: fetch a new one next time.
    async fn forget_refused_token(&self, e: &Error) {
        if let (
            Error::Provider {
                failure: ProviderFailure::Unauthorized(_),
                ..
            },
            Auth::ServiceAccount { token, .. },
        ) = (e, &self.auth)
        {
            *token.lock().await = None;
        }
    }

    /// The signed assertion for the token exchange.
    pub fn assertion(&self, now: u64) -> Result<String> {
        let Auth::ServiceAccount { account, key, .. } = &self.auth else {
            return Err(Error::Config(
                "an API key is used: there is no service-account assertion".into(),
            ));
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = account.private_key_id.clone();
        let claims = Claims {
            iss: account.client_email.clone(),
            scope: SCOPE.into(),
            aud: account.token_uri().into(),
            iat: now,
            exp: now + 3600,
        };
        jsonwebtoken::encode(&header, &claims, key)
            .map_err(|e| Error::Internal(format!("signing the Google assertion: {e}")))
    }

    /// A valid access token: the cached one, or a fresh one from the token exchange.
    async fn access_token(&self) -> Result<String> {
        let Auth::ServiceAccount { account, token, .. } = &self.auth else {
            return Err(Error::Config("no service account configured".into()));
        };
        let mut cached = token.lock().await;
        if let Some(t) = cached.as_ref().filter(|t| Instant::now() < t.refresh_at) {
            return Ok(t.token.clone());
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let assertion = self.assertion(now)?;
        let resp = self
            .client
            .post(account.token_uri())
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
        self.request(text, voice, json!({"audioEncoding": "MP3"}))
            .await
    }
    /// Streamed for the voices that stream; otherwise `MULAW` at 8 kHz, which Google returns as
    /// a WAV: its data is passed on as it is.
    async fn synthesize_phone(&self, text: &str, voice: &str) -> Result<PhoneAudio> {
        if let Some((streaming, _)) = self.streaming.as_ref().filter(|_| self.streams(voice)) {
            let credential = self.credential().await?;
            let audio = streaming
                .synthesize(text, voice, &Self::language_code(voice), credential)
                .await;
            if let Err(e) = &audio {
                self.forget_refused_token(e).await;
            }
            return audio;
        }
        let wav = self
            .request(
                text,
                voice,
                json!({"audioEncoding": "MULAW", "sampleRateHertz": PHONE_RATE}),
            )
            .await?;
        let mulaw = wav::mulaw_data(&wav)
            .map_err(|e| Error::provider(ENGINE, ProviderFailure::BadResponse(e.to_string())))?
            .to_vec();
        Ok(futures::stream::iter([Ok(mulaw)]).boxed())
    }
}

impl GoogleTts {
    /// `text:synthesize` of `text` in `voice` with `audio_config`: the decoded `audioContent`.
    async fn request(&self, text: &str, voice: &str, audio_config: Value) -> Result<Vec<u8>> {
        let body = json!({
            "input": {"text": text},
            "voice": {"languageCode": Self::language_code(voice), "name": voice},
            "audioConfig": audio_config,
        });
        let request = self.client.post(&self.synthesize_url);
        let request = match &self.auth {
            Auth::ServiceAccount { .. } => request.bearer_auth(self.access_token().await?),
            // In a header, not the `?key=` query, so it never appears in a logged URL.
            Auth::ApiKey(key) => request.header("x-goog-api-key", key.expose()),
        };
        let resp = request
            .json(&body)
            .send()
            .await
            .map_err(|e| http::transport(ENGINE, e))?;
        let resp = match http::check(ENGINE, resp).await {
            Ok(r) => r,
            Err(e) => {
                self.forget_refused_token(&e).await;
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
