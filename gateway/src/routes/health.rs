use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "Up")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready to serve: every service answers its health check as SERVING (crm-svc's health follows
/// its database and the event bus).
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, description = "Every service is SERVING"),
        (status = 503, description = "Some service is not ready; `checks` names it")))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let checks = state.clients.check_all().await;
    let ready = checks.iter().all(|(_, r)| r.is_ok());
    let detail: serde_json::Map<String, serde_json::Value> = checks
        .into_iter()
        .map(|(name, r)| {
            let v = match r {
                Ok(()) => json!("ok"),
                Err(e) => json!(e),
            };
            (name.to_string(), v)
        })
        .collect();
    if ready {
        HttpResponse::Ok().json(json!({"status": "ready", "checks": detail}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({
            "error": "not_ready",
            "message": "one or more services are not ready",
            "checks": detail,
        }))
    }
}
