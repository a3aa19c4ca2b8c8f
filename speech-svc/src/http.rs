//! What every provider client shares: one way to build a client, to join OpenAI URLs and to turn
//! HTTP failures into [`ProviderFailure`]s.

use crate::error::{Error, ProviderFailure};
use std::time::Duration;

/// A client for one provider, with `timeout` for a whole request. No redirects: provider APIs
/// answer directly.
pub fn client(timeout: Duration) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5).min(timeout))
        .timeout(timeout)
        .user_agent(concat!("agentlocator-speech/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Internal(format!("HTTP client: {e}")))
}

/// `{base}/v1{path}`, whether or not `base` already ends in `/v1`.
pub fn openai_url(base: &str, path: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.ends_with("/v1") {
        format!("{base}{path}")
    } else {
        format!("{base}/v1{path}")
    }
}

/// A transport error as a provider failure.
pub fn transport(engine: &'static str, e: reqwest::Error) -> Error {
    let failure = if e.is_timeout() {
        ProviderFailure::Timeout
    } else if e.is_decode() {
        ProviderFailure::BadResponse(e.to_string())
    } else {
        ProviderFailure::Transport(e.to_string())
    };
    Error::provider(engine, failure)
}

/// Passes a success response through; any other status becomes a provider failure.
pub async fn check(
    engine: &'static str,
    resp: reqwest::Response,
) -> Result<reqwest::Response, Error> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let failure = match status.as_u16() {
        s @ (401 | 403) => ProviderFailure::Unauthorized(s),
        429 => ProviderFailure::RateLimited,
        s => {
            let body = resp.text().await.unwrap_or_default();
            ProviderFailure::Status(s, shorten(&body, 300))
        }
    };
    Err(Error::provider(engine, failure))
}

pub fn shorten(s: &str, max_chars: usize) -> String {
    let s = s.trim();
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_urls_join_with_or_without_v1() {
        assert_eq!(
            openai_url("https://api.openai.com", "/audio/speech"),
            "https://api.openai.com/v1/audio/speech"
        );
        assert_eq!(
            openai_url("http://localhost:8000/v1/", "/chat/completions"),
            "http://localhost:8000/v1/chat/completions"
        );
    }

    #[test]
    fn long_bodies_are_shortened_on_a_char_boundary() {
        let s = "א".repeat(400);
        let short = shorten(&s, 300);
        assert_eq!(short.chars().count(), 301);
    }
}
