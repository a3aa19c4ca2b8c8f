//! Downloading a call recording from Twilio: HTTP basic auth with the account SID and auth token,
//! `<url>.mp3`, then `<url>.wav`, then the bare URL; a timeout per request and one retry on a 5xx
//! answer or a dropped connection.
//!
//! Only URLs on the configured Twilio API host are fetched (`TWILIO_API_HOST`, default
//! `api.twilio.com`), over https: a request cannot make this service fetch an arbitrary URL
//! (SSRF). Redirects (Twilio may redirect media to its storage) are followed over https only, at
//! most three times, and never carry the credentials to another host (reqwest drops the
//! `Authorization` header on a cross-host redirect).

use agentlocator_common::Secret;
use reqwest::{StatusCode, Url, redirect};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DownloadError {
    #[error("recording URL refused: {0}")]
    NotAllowed(String),
    #[error("no recording at any of {0} candidate URLs")]
    NotFound(usize),
    #[error("Twilio refused the account credentials (HTTP {0})")]
    Unauthorized(u16),
    #[error("recording download failed with HTTP {0}")]
    Status(u16),
    #[error("recording download timed out")]
    Timeout,
    #[error("recording download failed: {0}")]
    Transport(String),
    #[error("the recording is larger than {0} bytes")]
    TooBig(usize),
}

pub use agentlocator_common::recording_url::AllowedHost;

/// A recording as downloaded.
#[derive(Debug, Clone)]
pub struct Downloaded {
    pub bytes: Vec<u8>,
    /// The candidate URL that answered.
    pub url: String,
    pub content_type: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DownloadSettings {
    pub allowed_host: AllowedHost,
    pub account_sid: Option<String>,
    pub auth_token: Option<Secret>,
    /// Longest one request may take (connect to last byte).
    pub timeout: Duration,
    /// Pause before the one retry.
    pub retry_delay: Duration,
    pub max_bytes: usize,
}

impl DownloadSettings {
    pub fn new(allowed_host: AllowedHost) -> Self {
        Self {
            allowed_host,
            account_sid: None,
            auth_token: None,
            timeout: Duration::from_secs(10),
            retry_delay: Duration::from_millis(250),
            max_bytes: 50 * 1024 * 1024,
        }
    }
}

pub struct RecordingDownloader {
    client: reqwest::Client,
    settings: DownloadSettings,
}

enum Attempt {
    Done(Downloaded),
    /// Try the next candidate URL.
    Next(DownloadError),
}

impl RecordingDownloader {
    pub fn new(settings: DownloadSettings) -> Result<Self, String> {
        let allow_http = settings.allowed_host.allows_http();
        let policy = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 3 {
                attempt.error("more than 3 redirects")
            } else if attempt.url().scheme() != "https" && !allow_http {
                attempt.error("redirect to a non-https URL")
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .redirect(policy)
            .connect_timeout(Duration::from_secs(5).min(settings.timeout))
            .timeout(settings.timeout)
            .user_agent(concat!("agentlocator-speech/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self { client, settings })
    }

    /// Checks that `raw` is a recording URL on the allowed host.
    pub fn validate(&self, raw: &str) -> Result<Url, DownloadError> {
        agentlocator_common::recording_url::check(raw, &self.settings.allowed_host)
            .map_err(DownloadError::NotAllowed)
    }

    /// The URLs to try, in order: `.mp3`, `.wav`, bare — or just the URL when it already names
    /// a format.
    pub fn candidates(url: &Url) -> Vec<Url> {
        let path = url.path();
        if path.ends_with(".mp3") || path.ends_with(".wav") {
            return vec![url.clone()];
        }
        let with_ext = |ext: &str| {
            let mut u = url.clone();
            u.set_path(&format!("{path}.{ext}"));
            u
        };
        vec![with_ext("mp3"), with_ext("wav"), url.clone()]
    }

    /// Downloads the recording at `raw_url`.
    pub async fn download(&self, raw_url: &str) -> Result<Downloaded, DownloadError> {
        let url = self.validate(raw_url)?;
        let candidates = Self::candidates(&url);
        let mut last = DownloadError::NotFound(candidates.len());
        let mut all_not_found = true;
        for candidate in &candidates {
            match self.fetch_with_retry(candidate).await? {
                Attempt::Done(d) => return Ok(d),
                Attempt::Next(e) => {
                    let url = agentlocator_common::redact::url(candidate.as_str());
                    tracing::debug!(%url, error = %e, "recording candidate failed");
                    if e != DownloadError::NotFound(1) {
                        all_not_found = false;
                        last = e;
                    }
                }
            }
        }
        Err(if all_not_found {
            DownloadError::NotFound(candidates.len())
        } else {
            last
        })
    }

    /// One candidate: a request and, on 5xx or a dropped connection, one retry.
    /// `Err` ends the whole download (bad credentials, too big); `Next` moves to the next URL.
    async fn fetch_with_retry(&self, url: &Url) -> Result<Attempt, DownloadError> {
        let mut retried = false;
        loop {
            let outcome = self.fetch_once(url).await;
            let retryable = match &outcome {
                Ok(Attempt::Next(DownloadError::Status(s))) => *s >= 500,
                Ok(Attempt::Next(DownloadError::Transport(_))) => true,
                _ => false,
            };
            if retryable && !retried {
                retried = true;
                tokio::time::sleep(self.settings.retry_delay).await;
                continue;
            }
            return outcome;
        }
    }

    async fn fetch_once(&self, url: &Url) -> Result<Attempt, DownloadError> {
        let mut req = self.client.get(url.clone());
        if let Some(sid) = &self.settings.account_sid {
            req = req.basic_auth(sid, self.settings.auth_token.as_ref().map(Secret::expose));
        }
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Err(DownloadError::Timeout),
            Err(e) if e.is_redirect() => {
                // Without the URL: a redirect target may be a signed storage URL.
                let e = e.without_url();
                return Err(DownloadError::NotAllowed(format!("redirect refused: {e}")));
            }
            Err(e) => {
                return Ok(Attempt::Next(DownloadError::Transport(
                    e.without_url().to_string(),
                )));
            }
        };
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(DownloadError::Unauthorized(status.as_u16()));
        }
        if status == StatusCode::NOT_FOUND {
            return Ok(Attempt::Next(DownloadError::NotFound(1)));
        }
        if !status.is_success() {
            return Ok(Attempt::Next(DownloadError::Status(status.as_u16())));
        }
        let max = self.settings.max_bytes;
        if resp.content_length().is_some_and(|n| n > max as u64) {
            return Err(DownloadError::TooBig(max));
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut bytes = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > max {
                        return Err(DownloadError::TooBig(max));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.is_timeout() => return Err(DownloadError::Timeout),
                Err(e) => {
                    return Ok(Attempt::Next(DownloadError::Transport(
                        e.without_url().to_string(),
                    )));
                }
            }
        }
        Ok(Attempt::Done(Downloaded {
            bytes,
            url: url.to_string(),
            content_type,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_try_mp3_then_wav_then_bare() {
        let u =
            Url::parse("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1").unwrap();
        let c: Vec<String> = RecordingDownloader::candidates(&u)
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            c,
            [
                "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.mp3",
                "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav",
                "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
            ]
        );
        let wav = Url::parse("https://api.twilio.com/a/Recordings/RE1.wav").unwrap();
        assert_eq!(RecordingDownloader::candidates(&wav), vec![wav.clone()]);
    }

    #[test]
    fn only_the_twilio_host_over_https_is_accepted() {
        let d = RecordingDownloader::new(DownloadSettings::new(
            AllowedHost::parse("api.twilio.com").unwrap(),
        ))
        .unwrap();
        let ok = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1";
        assert!(d.validate(ok).is_ok());
        for bad in [
            "http://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
            "https://api.twilio.com.evil.com/2010-04-01/Accounts/AC1/Recordings/RE1",
            "https://evil.com/api.twilio.com/Recordings/RE1",
            "https://api.twilio.com@evil.com/Recordings/RE1",
            "https://user:pw@api.twilio.com/Recordings/RE1",
            "https://api.twilio.com:8443/2010-04-01/Accounts/AC1/Recordings/RE1",
            "https://169.254.169.254/latest/meta-data/Recordings/x",
            "https://127.0.0.1/Recordings/RE1",
            "file:///etc/passwd",
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls/CA1",
            "not a url",
        ] {
            assert!(
                matches!(d.validate(bad), Err(DownloadError::NotAllowed(_))),
                "{bad} was accepted"
            );
        }
    }
}
