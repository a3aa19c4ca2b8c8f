//! The bridge's one error type, mapped to gRPC status in one place.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A provider payload that does not have the documented shape.
    #[error("malformed provider payload: {0}")]
    BadPayload(String),
    /// A webhook whose signature is missing or does not match the configured secret.
    #[error("webhook signature missing or invalid")]
    BadSignature,
    /// The Cloud API subscription handshake with a wrong mode or verify token.
    #[error("webhook verification refused")]
    VerificationRefused,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for tonic::Status {
    fn from(e: Error) -> Self {
        match e {
            Error::BadPayload(_) => tonic::Status::invalid_argument(e.to_string()),
            Error::BadSignature | Error::VerificationRefused => {
                tonic::Status::permission_denied(e.to_string())
            }
        }
    }
}
