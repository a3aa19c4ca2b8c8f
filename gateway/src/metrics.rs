//! HTTP metrics of the gateway and its own `GET /metrics`.
//!
//! Every request is counted as `http_requests_total{method,route,status}` and timed as
//! `http_request_duration_seconds{method,route}`, where `route` is the matched route pattern
//! (`/api/crm/customers/{id}`), never the raw path; a request no route matched is `unmatched`.
//!
//! `/metrics` on the gateway's public port renders the whole process (in `agentlocator up`, every
//! service). It is closed to the internet: it answers a request carrying
//! `Authorization: Bearer <METRICS_TOKEN>`; without `METRICS_TOKEN` only a local-only instance
//! (listening on loopback, reached by a loopback URL) answers it, to loopback peers. Anywhere
//! else it is `404`. Prometheus in a cluster scrapes each pod's `METRICS_ADDR` instead.

use crate::{error::ApiError, state::AppState};
use actix_web::{
    HttpRequest, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::{Method, header},
    web,
};
use std::time::Instant;

/// The `route` label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// Counts and times every request by method, route pattern and status.
pub async fn record_request<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let start = Instant::now();
    let method = method_label(req.method());
    let route = req.match_pattern().unwrap_or_else(|| UNMATCHED.to_string());
    let res = next.call(req).await;
    let status = match &res {
        Ok(r) => r.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    metrics::counter!(
        "http_requests_total",
        "method" => method,
        "route" => route.clone(),
        "status" => status.as_str().to_string(),
    )
    .increment(1);
    metrics::histogram!(
        "http_request_duration_seconds",
        "method" => method,
        "route" => route,
    )
    .record(start.elapsed().as_secs_f64());
    res
}

/// The standard methods by name; anything else one label value.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Who may read the gateway's `/metrics`.
#[derive(Debug, Clone)]
pub struct MetricsAccess {
    /// `METRICS_TOKEN`: a request with this bearer token may read.
    token: Option<agentlocator_common::Secret>,
    /// A local-only instance without a token: loopback peers may read.
    loopback: bool,
}

impl MetricsAccess {
    pub fn from_config(config: &agentlocator_common::Config) -> Self {
        Self {
            token: config.metrics_token.clone(),
            loopback: config.metrics_token.is_none() && config.is_local_only(),
        }
    }

    fn check(&self, req: &HttpRequest) -> Result<(), ApiError> {
        if let Some(token) = &self.token {
            let given = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            return if constant_time_eq(given.as_bytes(), token.expose().as_bytes()) {
                Ok(())
            } else {
                Err(ApiError::unauthorized(
                    "send Authorization: Bearer <METRICS_TOKEN>",
                ))
            };
        }
        if self.loopback && req.peer_addr().is_some_and(|a| a.ip().is_loopback()) {
            return Ok(());
        }
        Err(ApiError::not_found("no such page"))
    }
}

/// Compares without an early exit, so the time taken says nothing about the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET /metrics`: every metric of this process, Prometheus text format 0.0.4.
pub async fn scrape(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.metrics_access.check(&req)?;
    Ok(HttpResponse::Ok()
        .content_type(agentlocator_common::metrics::CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(agentlocator_common::metrics::render()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"abcdef", b"abcdef"));
        assert!(!constant_time_eq(b"abcdef", b"abcdeg"));
        assert!(!constant_time_eq(b"abc", b"abcdef"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
