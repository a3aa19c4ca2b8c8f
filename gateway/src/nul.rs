//! NUL characters refused at the edge. PostgreSQL cannot store U+0000 in text, so a name, a search
//! or a webhook parameter holding one would otherwise fail deep inside a service as a 500. Every
//! request passes [`reject_nul`] first: its query string, and its JSON or form body, are checked
//! here once for all routes, and a NUL anywhere is a 422 naming the field (`name`,
//! `items[0].description`, `q`).
//!
//! The WhatsApp webhooks are let through untouched: their bodies are signed as sent, and the
//! bridge drops NUL characters from a customer's message instead of refusing it (a message must
//! not be lost over one).

use crate::error::ApiError;
use actix_web::{
    HttpMessage, ResponseError,
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{StatusCode, header},
    web::Bytes,
};
use futures::StreamExt;
use serde_json::Value;

/// Paths whose bodies are passed on as signed, never inspected here.
const UNINSPECTED: &[&str] = &["/webhook/whatsapp_"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
}

/// Refuses a request whose query string or JSON / form body holds a NUL character (see the
/// module documentation). Bodies up to `limit` bytes are read here and handed on unchanged; a
/// larger one is refused by its route's own limit.
pub async fn reject_nul<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let limit = crate::routes::LARGEST_BODY;
    if let Some(field) = form_field_with_nul(req.query_string().as_bytes()) {
        return Ok(refuse(req, &field));
    }
    let kind = body_kind(&req);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(kind) = kind
        && !UNINSPECTED.iter().any(|p| req.path().starts_with(p))
        && declared.is_none_or(|n| n <= limit)
    {
        let mut payload = req.take_payload();
        let mut body = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > limit {
                let e = ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("the body is larger than {limit} bytes"),
                );
                return Ok(req.into_response(e.error_response()).map_into_right_body());
            }
            body.extend_from_slice(&chunk);
        }
        let found = match kind {
            BodyKind::Json => json_field_with_nul(&body),
            BodyKind::Form => form_field_with_nul(&body),
        };
        if let Some(field) = found {
            return Ok(refuse(req, &field));
        }
        req.set_payload(Bytes::from(body).into());
    }
    next.call(req).await.map(|r| r.map_into_left_body())
}

fn refuse<B>(req: ServiceRequest, field: &str) -> ServiceResponse<EitherBody<B>> {
    let e = ApiError::validation(format!("{field}: must not contain a NUL character"))
        .with_field(field);
    req.into_response(e.error_response()).map_into_right_body()
}

fn body_kind(req: &ServiceRequest) -> Option<BodyKind> {
    let ct = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = ct.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        Some(BodyKind::Form)
    } else if essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
    {
        Some(BodyKind::Json)
    } else {
        None
    }
}

/// The name of the first form (or query string) parameter whose name or value holds a NUL.
fn form_field_with_nul(form: &[u8]) -> Option<String> {
    // `%00` is the only way a NUL gets into a well-formed form; skip decoding without one.
    if !form.windows(3).any(|w| w == b"%00") && !form.contains(&0) {
        return None;
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(form).ok()?;
    pairs
        .into_iter()
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k.replace('\0', ""))
}

/// The path (`name`, `items[0].description`) of the first JSON string holding a NUL. A body that
/// is not JSON is left to the route, which answers it as malformed.
fn json_field_with_nul(body: &[u8]) -> Option<String> {
    // JSON can only spell NUL as `\u0000`; most bodies are passed without parsing.
    if !body.windows(6).any(|w| w == b"\\u0000") {
        return None;
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    let mut path = String::new();
    find_nul(&value, &mut path).then_some(path)
}

/// Whether `value` holds a NUL; `path` is left naming it.
fn find_nul(value: &Value, path: &mut String) -> bool {
    let len = path.len();
    let found = match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
            path.truncate(len);
            path.push_str(&format!("[{i}]"));
            find_nul(item, path)
        }),
        Value::Object(fields) => fields.iter().any(|(name, item)| {
            path.truncate(len);
            if len > 0 {
                path.push('.');
            }
            path.push_str(&name.replace('\0', ""));
            name.contains('\0') || find_nul(item, path)
        }),
        _ => false,
    };
    if !found {
        path.truncate(len);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_with_nul_are_found_by_path() {
        let cases = [
            (r#"{"name":"a\u0000b"}"#, Some("name")),
            (
                r#"{"items":[{"description":"ok"},{"description":"\u0000"}]}"#,
                Some("items[1].description"),
            ),
            (r#"["x","\u0000"]"#, Some("[1]")),
            (r#"{"a\u0000":1}"#, Some("a")),
            // An escaped backslash before `u0000` is text, not NUL.
            (r#"{"name":"\\u0000"}"#, None),
            (r#"{"name":"שלום"}"#, None),
            ("not json \\u0000", None),
        ];
        for (body, want) in cases {
            assert_eq!(
                json_field_with_nul(body.as_bytes()).as_deref(),
                want,
                "{body}"
            );
        }
    }

    #[test]
    fn form_parameters_with_nul_are_named() {
        assert_eq!(form_field_with_nul(b"q=a%00b&page=1").as_deref(), Some("q"));
        assert_eq!(
            form_field_with_nul(b"CallSid=CA1&SpeechResult=%00").as_deref(),
            Some("SpeechResult")
        );
        assert_eq!(form_field_with_nul(b"q=%D7%A9&x=%2500").as_deref(), None);
        assert_eq!(form_field_with_nul(b"").as_deref(), None);
    }
}
