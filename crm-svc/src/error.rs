//! The one error type of crm-svc, mapped to gRPC in one place ([`From<Error> for tonic::Status`]).
//! Internal causes are logged there and never sent to the client.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The entity (`"customer"`, `"business"`, …) does not exist, or belongs to another business.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is well-formed but a field's value is not acceptable.
    #[error("{field}: {message}")]
    Validation {
        field: &'static str,
        message: String,
    },
    /// The change collides with existing data (duplicate phone, …).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The thing existed but is used up for good (a signing link already used); the gateway
    /// answers 410.
    #[error("gone: {0}")]
    Gone(String),
    /// The signer's page showed another text than the document has now (its hash differs); the
    /// gateway answers 409 `document_changed`.
    #[error("document changed: {0}")]
    DocumentChanged(String),
    #[error("database error: {0}")]
    Database(#[from] DieselError),
    #[error("database pool error: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("database migrations failed: {0}")]
    Migration(String),
    #[error("event bus error: {0}")]
    Bus(#[from] agentlocator_common::bus::BusError),
    /// An event that cannot be applied however often it is retried (missing fields, unknown
    /// business, …): consumers log and drop it.
    #[error("bad event: {0}")]
    BadEvent(String),
    /// The acting user's role does not allow this (an admin changing an owner, …).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Wrong credentials (which part was wrong is not said).
    #[error("wrong email or password")]
    Unauthenticated,
    /// An outside service (the Tax Authority) could not be reached or answered with an error of
    /// its own; the message says which, without secrets. The caller may retry (UNAVAILABLE).
    #[error("upstream: {0}")]
    Upstream(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// gRPC metadata key of a conflict's own error code (see [`Error::DocumentChanged`]).
pub const CODE_METADATA: &str = "al-code";
/// The code of [`Error::DocumentChanged`].
pub const DOCUMENT_CHANGED: &str = "document_changed";
/// The code of [`Error::Gone`] (gRPC has no "gone").
pub const GONE: &str = "gone";

/// `status` naming its own error `code` in [`CODE_METADATA`], which the gateway answers instead of
/// the gRPC code's generic one.
fn with_code(mut status: tonic::Status, code: &'static str) -> tonic::Status {
    status.metadata_mut().insert(
        CODE_METADATA,
        tonic::metadata::MetadataValue::from_static(code),
    );
    status
}

impl Error {
    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        Error::Validation {
            field,
            message: message.into(),
        }
    }

    /// Whether the database refused the change for a unique constraint.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            Error::Database(DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }

    /// Whether the database cannot be reached right now (no pooled connection, a connection
    /// closed under the query): the caller may retry, and is told so (UNAVAILABLE).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Error::Pool(_)
                | Error::Connect(_)
                | Error::Database(DieselError::DatabaseError(
                    DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                    _
                ))
        )
    }

    /// Whether retrying the same operation later may succeed (connection trouble, lock timeouts,
    /// serialisation failures), as opposed to an error the input itself causes.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Pool(_) | Error::Connect(_) | Error::Bus(_) | Error::Upstream(_) => true,
            Error::Database(e) => match e {
                DieselError::DatabaseError(kind, _) => !matches!(
                    kind,
                    DatabaseErrorKind::ForeignKeyViolation
                        | DatabaseErrorKind::NotNullViolation
                        | DatabaseErrorKind::CheckViolation
                ),
                DieselError::DeserializationError(_) | DieselError::SerializationError(_) => false,
                _ => true,
            },
            // A panic or a lost blocking task: worth another try.
            Error::Internal(_) => true,
            Error::NotFound(_)
            | Error::Validation { .. }
            | Error::Conflict(_)
            | Error::Gone(_)
            | Error::Forbidden(_)
            | Error::DocumentChanged(_)
            | Error::Unauthenticated
            | Error::Migration(_)
            | Error::BadEvent(_) => false,
        }
    }
}

impl From<Error> for tonic::Status {
    fn from(e: Error) -> Self {
        match e {
            Error::NotFound(what) => tonic::Status::not_found(format!("{what} not found")),
            Error::Validation { field, message } => {
                let mut status = tonic::Status::invalid_argument(format!("{field}: {message}"));
                // The field on its own too, so the gateway can answer 422 naming it without
                // parsing the message.
                if let Ok(v) = field.parse() {
                    status.metadata_mut().insert("al-field", v);
                }
                status
            }
            Error::Conflict(message) => tonic::Status::already_exists(message),
            Error::DocumentChanged(message) => {
                with_code(tonic::Status::already_exists(message), DOCUMENT_CHANGED)
            }
            // gRPC has no "gone": FAILED_PRECONDITION coded `gone`, which the gateway answers 410.
            Error::Gone(message) => with_code(tonic::Status::failed_precondition(message), GONE),
            Error::Forbidden(message) => tonic::Status::permission_denied(message),
            Error::Unauthenticated => tonic::Status::unauthenticated("wrong email or password"),
            Error::BadEvent(message) => tonic::Status::invalid_argument(message),
            Error::Upstream(message) => tonic::Status::unavailable(message),
            unreachable if unreachable.is_unreachable() => {
                tracing::warn!(error = %unreachable, "database unreachable");
                tonic::Status::unavailable("the database is unavailable, try again")
            }
            internal => {
                tracing::error!(error = %internal, "internal error");
                tonic::Status::internal("internal error")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_its_grpc_code_without_leaking_internals() {
        use tonic::Code;
        let s = tonic::Status::from(Error::NotFound("customer"));
        assert_eq!(
            (s.code(), s.message()),
            (Code::NotFound, "customer not found")
        );

        let s = tonic::Status::from(Error::validation("phone", "not an Israeli number"));
        assert_eq!(s.code(), Code::InvalidArgument);
        assert!(s.message().contains("phone"), "{}", s.message());
        assert_eq!(s.metadata().get("al-field").unwrap(), "phone");

        let s = tonic::Status::from(Error::Conflict("duplicate phone".into()));
        assert_eq!(s.code(), Code::AlreadyExists);
        assert!(s.metadata().get(CODE_METADATA).is_none());

        let s = tonic::Status::from(Error::DocumentChanged("reload".into()));
        assert_eq!((s.code(), s.message()), (Code::AlreadyExists, "reload"));
        assert_eq!(s.metadata().get(CODE_METADATA).unwrap(), "document_changed");
        assert!(!Error::DocumentChanged(String::new()).is_transient());

        let s = tonic::Status::from(Error::Gone("this signing link was already used".into()));
        assert_eq!(
            (s.code(), s.message()),
            (
                Code::FailedPrecondition,
                "this signing link was already used"
            )
        );
        assert_eq!(s.metadata().get(CODE_METADATA).unwrap(), GONE);
        assert!(!Error::Gone(String::new()).is_transient());

        // A database that cannot be reached is a retry later, not an internal error.
        let s = tonic::Status::from(Error::Connect("password=secret host=db".into()));
        assert_eq!(
            (s.code(), s.message()),
            (Code::Unavailable, "the database is unavailable, try again")
        );

        for internal in [
            Error::Database(DieselError::NotFound),
            Error::Migration("boom".into()),
            Error::Internal("stack".into()),
        ] {
            let s = tonic::Status::from(internal);
            assert_eq!((s.code(), s.message()), (Code::Internal, "internal error"));
        }
    }

    #[test]
    fn constraint_violations_are_permanent_and_connection_trouble_is_transient() {
        struct Info;
        impl diesel::result::DatabaseErrorInformation for Info {
            fn message(&self) -> &str {
                "x"
            }
            fn details(&self) -> Option<&str> {
                None
            }
            fn hint(&self) -> Option<&str> {
                None
            }
            fn table_name(&self) -> Option<&str> {
                None
            }
            fn column_name(&self) -> Option<&str> {
                None
            }
            fn constraint_name(&self) -> Option<&str> {
                None
            }
            fn statement_position(&self) -> Option<i32> {
                None
            }
        }
        let db = |kind| Error::Database(DieselError::DatabaseError(kind, Box::new(Info)));
        assert!(!db(DatabaseErrorKind::ForeignKeyViolation).is_transient());
        assert!(db(DatabaseErrorKind::ClosedConnection).is_transient());
        assert!(db(DatabaseErrorKind::UniqueViolation).is_unique_violation());
        assert!(!Error::BadEvent("no sid".into()).is_transient());
    }
}
