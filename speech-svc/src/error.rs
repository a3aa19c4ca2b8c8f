//! The one error type of speech-svc, mapped to `tonic::Status` in one place.

use crate::{audio::AudioError, recording_download::DownloadError};
use std::fmt;

/// How a provider (OpenAI, Google, espeak-ng, whisper.cpp) failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderFailure {
    /// 401/403: our key or token is wrong.
    Unauthorized(u16),
    /// 429.
    RateLimited,
    /// Any other non-success status; the body is kept (shortened) for the log.
    Status(u16, String),
    Timeout,
    Transport(String),
    /// A success status with a body we cannot use.
    BadResponse(String),
    /// A local engine (espeak-ng, whisper.cpp) failed.
    Local(String),
}

impl fmt::Display for ProviderFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderFailure::Unauthorized(s) => write!(f, "credentials refused (HTTP {s})"),
            ProviderFailure::RateLimited => f.write_str("rate limited (HTTP 429)"),
            ProviderFailure::Status(s, body) => write!(f, "HTTP {s}: {body}"),
            ProviderFailure::Timeout => f.write_str("timed out"),
            ProviderFailure::Transport(e) => write!(f, "connection failed: {e}"),
            ProviderFailure::BadResponse(e) => write!(f, "unusable response: {e}"),
            ProviderFailure::Local(e) => f.write_str(e),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Audio(#[from] AudioError),
    #[error(transparent)]
    Download(#[from] DownloadError),
    #[error("{engine}: {failure}")]
    Provider {
        engine: &'static str,
        failure: ProviderFailure,
    },
    /// The reply or its speech failed, and so did speaking the fallback sentence: the voice flow
    /// says `strings::FALLBACK` with `<Say language="he-IL">` instead.
    #[error(
        "the reply failed ({reply}) and the fallback sentence could not be synthesised ({fallback})"
    )]
    FallbackFailed { reply: String, fallback: String },
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// A setting is missing or invalid (start-up) or an engine is not built in.
    #[error("{0}")]
    Config(String),
    /// crm-svc (the agent's definition and tools) could not be reached or failed.
    #[error("crm-svc: {0}")]
    Crm(String),
    #[error("{0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn provider(engine: &'static str, failure: ProviderFailure) -> Self {
        Error::Provider { engine, failure }
    }

    /// The gRPC code of this error: the one place errors become statuses.
    pub fn code(&self) -> tonic::Code {
        use tonic::Code;
        match self {
            Error::Audio(AudioError::Resample(_)) => Code::Internal,
            Error::Audio(_) => Code::InvalidArgument,
            Error::Download(d) => match d {
                DownloadError::NotAllowed(_) | DownloadError::TooBig(_) => Code::InvalidArgument,
                DownloadError::NotFound(_) => Code::NotFound,
                DownloadError::Unauthorized(_) => Code::FailedPrecondition,
                DownloadError::Timeout => Code::DeadlineExceeded,
                DownloadError::Status(_) | DownloadError::Transport(_) => Code::Unavailable,
            },
            Error::Provider { failure, .. } => match failure {
                ProviderFailure::Unauthorized(_) => Code::FailedPrecondition,
                ProviderFailure::RateLimited => Code::ResourceExhausted,
                ProviderFailure::Timeout => Code::DeadlineExceeded,
                ProviderFailure::Status(..)
                | ProviderFailure::Transport(_)
                | ProviderFailure::BadResponse(_)
                | ProviderFailure::Local(_) => Code::Unavailable,
            },
            Error::FallbackFailed { .. } => Code::Unavailable,
            Error::InvalidRequest(_) => Code::InvalidArgument,
            Error::NotFound(_) => Code::NotFound,
            Error::Config(_) => Code::FailedPrecondition,
            Error::Crm(_) => Code::Unavailable,
            Error::Internal(_) => Code::Internal,
        }
    }
}

impl From<Error> for tonic::Status {
    fn from(e: Error) -> Self {
        let code = e.code();
        match code {
            // Internal causes stay in the log.
            tonic::Code::Internal => {
                tracing::error!(error = %e, "speech-svc internal error");
                tonic::Status::internal("speech-svc internal error")
            }
            _ => {
                if matches!(
                    code,
                    tonic::Code::Unavailable
                        | tonic::Code::DeadlineExceeded
                        | tonic::Code::FailedPrecondition
                        | tonic::Code::ResourceExhausted
                ) {
                    tracing::warn!(error = %e, ?code, "speech request failed");
                }
                tonic::Status::new(code, e.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_a_deliberate_code() {
        use tonic::Code;
        let cases: Vec<(Error, Code)> = vec![
            (AudioError::Empty.into(), Code::InvalidArgument),
            (
                AudioError::TooLong { limit_secs: 600 }.into(),
                Code::InvalidArgument,
            ),
            (AudioError::Resample("x".into()).into(), Code::Internal),
            (
                DownloadError::NotAllowed("h".into()).into(),
                Code::InvalidArgument,
            ),
            (DownloadError::NotFound(3).into(), Code::NotFound),
            (
                DownloadError::Unauthorized(401).into(),
                Code::FailedPrecondition,
            ),
            (DownloadError::Timeout.into(), Code::DeadlineExceeded),
            (DownloadError::Status(503).into(), Code::Unavailable),
            (
                Error::provider("openai", ProviderFailure::RateLimited),
                Code::ResourceExhausted,
            ),
            (
                Error::provider("openai", ProviderFailure::Unauthorized(401)),
                Code::FailedPrecondition,
            ),
            (
                Error::provider("google", ProviderFailure::Timeout),
                Code::DeadlineExceeded,
            ),
            (
                Error::provider("google", ProviderFailure::Status(500, "boom".into())),
                Code::Unavailable,
            ),
            (
                Error::FallbackFailed {
                    reply: "a".into(),
                    fallback: "b".into(),
                },
                Code::Unavailable,
            ),
            (Error::InvalidRequest("x".into()), Code::InvalidArgument),
            (Error::NotFound("x".into()), Code::NotFound),
            (Error::Config("x".into()), Code::FailedPrecondition),
            (Error::Crm("down".into()), Code::Unavailable),
            (Error::Internal("secret path /x".into()), Code::Internal),
        ];
        for (e, code) in cases {
            let status = tonic::Status::from(e);
            assert_eq!(status.code(), code);
            assert!(!status.message().contains("secret path"));
        }
    }
}
