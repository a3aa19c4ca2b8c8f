//! The one error type of the gateway. Every failure a client sees is
//! `{"error": "<snake_code>", "message": "<human text>"}` with the matching status; internal
//! causes go to the log only.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: &'static str,
    pub message: String,
    /// The request field a validation error is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds to wait before trying again (429; also the `Retry-After` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }
    /// 429: too many attempts; try again in `seconds` (sent as `Retry-After`).
    pub fn too_many_attempts(message: impl Into<String>, seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
        }
    }
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            message,
        )
    }
    /// 410: the thing existed but is used up for good (a signing link already used).
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, "gone", message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            message,
        )
    }
    /// A failure that is ours, not the client's: logged with its cause, answered generically.
    #[track_caller]
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let at = std::panic::Location::caller();
        tracing::error!(error = %cause, location = %at, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "something went wrong on our side",
        )
    }
}

/// The codes of 409 answers other than `conflict`, as services name them: `document_changed` (a
/// signer's page showed another text than the document has now).
const CONFLICT_CODES: [&str; 1] = ["document_changed"];

/// The snake code used for an error status that carries no code of its own.
pub fn code_for_status(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("bad_request", "the request is malformed"),
        401 => ("unauthorized", "sign in required"),
        403 => ("forbidden", "not allowed"),
        404 => ("not_found", "no such resource"),
        405 => ("method_not_allowed", "this method is not allowed here"),
        406 => (
            "not_acceptable",
            "cannot produce the requested content type",
        ),
        408 => ("request_timeout", "the request took too long"),
        409 => ("conflict", "conflicts with existing data"),
        410 => ("gone", "no longer available"),
        411 => ("length_required", "Content-Length is required"),
        413 => ("payload_too_large", "the request body is too large"),
        415 => ("unsupported_media_type", "unsupported content type"),
        422 => ("validation_error", "the request is invalid"),
        429 => ("too_many_requests", "slow down"),
        503 => ("service_unavailable", "temporarily unavailable"),
        s if s >= 500 => ("server_error", "something went wrong on our side"),
        _ => ("bad_request", "the request cannot be served"),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            res.insert_header((actix_web::http::header::RETRY_AFTER, seconds));
        }
        res.json(ErrorBody {
            error: self.code,
            message: self.message.clone(),
            field: self.field.clone(),
            retry_after: self.retry_after,
        })
    }
}

/// gRPC failures of the services, mapped to HTTP in this one place.
impl From<tonic::Status> for ApiError {
    #[track_caller]
    fn from(s: tonic::Status) -> Self {
        use tonic::Code;
        let msg = s.message().to_string();
        match s.code() {
            Code::InvalidArgument => {
                let e = Self::validation(msg);
                match s.metadata().get("al-field").and_then(|v| v.to_str().ok()) {
                    Some(f) => e.with_field(f),
                    None => e,
                }
            }
            Code::NotFound => Self::not_found(msg),
            // A conflict may name its own code (crm-svc's `al-code` metadata); only codes this
            // gateway knows are passed on.
            Code::AlreadyExists => {
                let code = s
                    .metadata()
                    .get("al-code")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|c| CONFLICT_CODES.iter().find(|known| **known == c))
                    .copied()
                    .unwrap_or("conflict");
                Self::new(StatusCode::CONFLICT, code, msg)
            }
            Code::PermissionDenied => Self::new(StatusCode::FORBIDDEN, "forbidden", msg),
            Code::Unauthenticated => Self::unauthorized(msg),
            // crm-svc's `Error::Gone`: gRPC has no "gone", so it is FAILED_PRECONDITION coded
            // `gone` in the `al-code` metadata.
            Code::FailedPrecondition => match s.metadata().get("al-code").map(|v| v.to_str()) {
                Some(Ok("gone")) => Self::gone(msg),
                _ => Self::new(StatusCode::CONFLICT, "conflict", msg),
            },
            Code::ResourceExhausted => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", msg)
            }
            Code::Unavailable | Code::DeadlineExceeded => {
                tracing::warn!(code = ?s.code(), message = %msg, "service unavailable");
                Self::unavailable("a service is temporarily unavailable, try again")
            }
            _ => Self::internal(format!("gRPC {:?}: {msg}", s.code())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    fn coded(mut s: tonic::Status, code: &'static str) -> tonic::Status {
        s.metadata_mut()
            .insert("al-code", tonic::metadata::MetadataValue::from_static(code));
        s
    }

    fn coded_conflict(code: &'static str, message: &str) -> tonic::Status {
        coded(tonic::Status::already_exists(message), code)
    }

    #[actix_web::test]
    async fn grpc_codes_map_to_http() {
        let cases = [
            (
                tonic::Status::invalid_argument("page: must be at least 1"),
                422,
                "validation_error",
            ),
            (
                tonic::Status::not_found("customer not found"),
                404,
                "not_found",
            ),
            (
                tonic::Status::already_exists("phone taken"),
                409,
                "conflict",
            ),
            (
                coded_conflict("document_changed", "reload the page"),
                409,
                "document_changed",
            ),
            (
                coded_conflict("made_up_code", "an unknown code is a plain conflict"),
                409,
                "conflict",
            ),
            (
                coded(
                    tonic::Status::failed_precondition("this signing link was already used"),
                    "gone",
                ),
                410,
                "gone",
            ),
            (
                tonic::Status::failed_precondition("gone: a message prefix is not a code"),
                409,
                "conflict",
            ),
            (
                tonic::Status::failed_precondition("the invoice is paid"),
                409,
                "conflict",
            ),
            (tonic::Status::permission_denied("no"), 403, "forbidden"),
            (tonic::Status::unauthenticated("no"), 401, "unauthorized"),
            (
                tonic::Status::unavailable("down"),
                503,
                "service_unavailable",
            ),
            (
                tonic::Status::internal("db password=hunter2 failed"),
                500,
                "server_error",
            ),
        ];
        for (status, http, code) in cases {
            let e = ApiError::from(status);
            assert_eq!(e.status.as_u16(), http);
            assert_eq!(e.code, code);
            let body = to_bytes(e.error_response().into_body()).await.unwrap();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["error"], code);
            assert!(!v["message"].as_str().unwrap().contains("hunter2"));
        }
    }
}
