//! The bridge's one error type, mapped to gRPC status in one place.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A provider payload that does not have the documented shape.
    #[error("malformed provider payload: {0}")]
    BadPayload(String),
    /// A webhook whose signature or shared secret is missing or wrong.
    #[error("webhook signature missing or invalid")]
    BadSignature,
    /// The Cloud API subscription handshake with a wrong mode or verify token.
    #[error("webhook verification refused")]
    VerificationRefused,
    /// A request value that cannot be acted on (named field).
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("unknown business")]
    UnknownBusiness,
    /// The business's WhatsApp is not connected (pairing needed, logged out, reconnecting).
    #[error("WhatsApp is not connected: {0}")]
    NotConnected(String),
    /// The change collides with existing data (a Cloud number of another business).
    #[error("{0}")]
    Conflict(String),
    /// The sidecar cannot be reached or failed.
    #[error("the WhatsApp sidecar is unavailable: {0}")]
    SidecarUnavailable(String),
    /// crm-svc or the bus cannot take the request right now (the database or NATS is down, the
    /// event journal's disk is full): nothing was accepted, a retry may succeed.
    #[error("{0}")]
    Unavailable(String),
    /// crm-svc or another bridge replica failed.
    #[error("{0}")]
    Upstream(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for tonic::Status {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        match e {
            Error::BadPayload(_) | Error::Invalid { .. } => {
                tonic::Status::invalid_argument(message)
            }
            Error::BadSignature | Error::VerificationRefused => {
                tonic::Status::permission_denied(message)
            }
            Error::UnknownBusiness => tonic::Status::not_found(message),
            Error::Conflict(_) => tonic::Status::already_exists(message),
            Error::NotConnected(_) => tonic::Status::failed_precondition(message),
            Error::SidecarUnavailable(_) | Error::Unavailable(_) => {
                tonic::Status::unavailable(message)
            }
            Error::Upstream(_) => tonic::Status::internal(message),
        }
    }
}

impl From<tonic::Status> for Error {
    fn from(s: tonic::Status) -> Self {
        match s.code() {
            tonic::Code::NotFound => Error::UnknownBusiness,
            tonic::Code::InvalidArgument => Error::Invalid {
                field: "request",
                message: s.message().to_owned(),
            },
            tonic::Code::Unavailable | tonic::Code::DeadlineExceeded => {
                Error::Unavailable(format!("crm-svc: {}", s.message()))
            }
            _ => Error::Upstream(format!("crm-svc: {}", s.message())),
        }
    }
}
