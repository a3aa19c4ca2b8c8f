//! voice-svc's one error type, mapped to a gRPC status in one place.

use tonic::{Code, Status};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request field is missing or malformed.
    #[error("invalid {field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Something the request names does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Twilio is not configured (no account SID / auth token / number).
    #[error("voice is not configured: {0}")]
    NotConfigured(String),
    /// The business has voice turned off.
    #[error("voice is turned off for this business")]
    VoiceDisabled,
    /// Another service answered with an error.
    #[error("{service}: {status}")]
    Upstream {
        service: &'static str,
        status: Status,
    },
    /// Twilio's REST API refused or failed.
    #[error("Twilio: {0}")]
    Twilio(String),
    /// The realtime provider could not be reached or refused the session.
    #[error("realtime engine {engine}: {message}")]
    Realtime {
        engine: &'static str,
        message: String,
    },
    #[error("event bus: {0}")]
    Bus(#[from] agentlocator_common::bus::BusError),
}

impl Error {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn upstream(service: &'static str) -> impl FnOnce(Status) -> Self {
        move |status| Error::Upstream { service, status }
    }
}

impl From<Error> for Status {
    fn from(e: Error) -> Self {
        match &e {
            Error::Invalid { .. } => Status::invalid_argument(e.to_string()),
            Error::NotFound(_) => Status::not_found(e.to_string()),
            Error::NotConfigured(_) => Status::failed_precondition(e.to_string()),
            Error::VoiceDisabled => Status::permission_denied(e.to_string()),
            // A caller-side error of another service stays what it was (e.g. NOT_FOUND), with
            // that service's own message and field; never the debug text of its status.
            Error::Upstream { status, .. } => match status.code() {
                Code::NotFound | Code::InvalidArgument | Code::PermissionDenied => {
                    Status::with_metadata(
                        status.code(),
                        status.message(),
                        status.metadata().clone(),
                    )
                }
                _ => {
                    tracing::warn!(error = %e, "upstream failure");
                    Status::unavailable(e.to_string())
                }
            },
            Error::Twilio(_) | Error::Realtime { .. } | Error::Bus(_) => {
                tracing::warn!(error = %e, "dependency failure");
                Status::unavailable(e.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_code() {
        let cases = [
            (
                Error::invalid("CallSid", "is required"),
                Code::InvalidArgument,
            ),
            (Error::NotFound("customer"), Code::NotFound),
            (
                Error::NotConfigured("no SID".into()),
                Code::FailedPrecondition,
            ),
            (Error::VoiceDisabled, Code::PermissionDenied),
            (
                Error::upstream("crm-svc")(Status::not_found("customer")),
                Code::NotFound,
            ),
            (
                Error::upstream("crm-svc")(Status::internal("db")),
                Code::Unavailable,
            ),
            (Error::Twilio("401".into()), Code::Unavailable),
            (
                Error::Realtime {
                    engine: "openai",
                    message: "HTTP 401".into(),
                },
                Code::Unavailable,
            ),
            (
                Error::Bus(agentlocator_common::bus::BusError::Closed),
                Code::Unavailable,
            ),
        ];
        for (e, code) in cases {
            assert_eq!(Status::from(e).code(), code);
        }
    }

    #[test]
    fn a_passed_on_error_keeps_the_services_message_and_field_only() {
        let mut crm = Status::invalid_argument("phone: is not a phone number");
        crm.metadata_mut()
            .insert("al-field", "phone".parse().unwrap());
        let s = Status::from(Error::upstream("crm-svc")(crm));
        assert_eq!(s.message(), "phone: is not a phone number");
        assert_eq!(s.metadata().get("al-field").unwrap(), "phone");
        let s = Status::from(Error::upstream("crm-svc")(Status::not_found(
            "customer not found",
        )));
        assert_eq!(
            (s.code(), s.message()),
            (Code::NotFound, "customer not found")
        );
    }
}
