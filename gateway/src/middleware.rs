//! Cross-cutting HTTP behaviour: request logs, and JSON bodies for errors that actix itself
//! produces (unknown route, wrong method, oversized body), so every error has one shape.

use crate::error::{ErrorBody, code_for_status};
use actix_web::{
    HttpResponse,
    body::{BoxBody, EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header,
    middleware::{ErrorHandlerResponse, ErrorHandlers},
};
use std::time::Instant;
use tracing::Instrument;

/// Rewrites any 4xx/5xx response that is not already JSON into `{"error","message"}`.
pub fn json_errors<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new()
        .default_handler_client(to_json_error)
        .default_handler_server(to_json_error)
}

fn to_json_error<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (code, message) = code_for_status(status);
    if status.is_server_error() {
        tracing::error!(%status, path = %res.request().path(), "server error");
    }
    let (req, old) = res.into_parts();
    let mut new = HttpResponse::build(status).json(ErrorBody {
        error: code,
        message: message.to_string(),
        field: None,
        retry_after: None,
    });
    // Keep headers such as `Allow` on 405.
    for (k, v) in old.headers() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            new.headers_mut().insert(k.clone(), v.clone());
        }
    }
    let res = ServiceResponse::new(req, new.map_into_boxed_body()).map_into_right_body::<B>();
    Ok(ErrorHandlerResponse::Response(res))
}

/// One log line per request: method, path (no query string: it can carry personal data),
/// status and duration.
pub async fn log_request(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_string();
    let res = next.call(req).await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    match &res {
        Ok(r) => tracing::info!(%method, %path, status = r.status().as_u16(), ms, "request"),
        Err(e) => tracing::warn!(%method, %path, error = %e, ms, "request failed"),
    }
    res.map(|r| r.map_body(|_, b| EitherBody::left(b.boxed())))
}

/// One trace span per request, named by method and route (`POST /webhook/incoming_call`) and
/// continuing the caller's W3C trace context when it sent one; the gRPC calls made while
/// handling it carry it on to the services. Probes and metric scrapes are not traced.
pub async fn trace_request<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    use agentlocator_common::telemetry;
    if matches!(req.path(), "/healthz" | "/readyz" | "/metrics") {
        return next.call(req).await;
    }
    let parent = telemetry::extract_pairs(
        req.headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?))),
    );
    let span = telemetry::http_server_span(
        req.method().as_str(),
        req.match_pattern().as_deref(),
        parent,
    );
    let res = next.call(req).instrument(span.clone()).await;
    match &res {
        Ok(r) => telemetry::record_http_status(&span, r.status().as_u16()),
        Err(e) => {
            telemetry::record_http_status(&span, e.as_response_error().status_code().as_u16())
        }
    }
    res
}
