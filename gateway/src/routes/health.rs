use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "Up")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The service without which nothing can be served: every signed-in request and every webhook
/// starts by finding the user's or the number's business in crm-svc.
const REQUIRED: &str = "crm-svc";

/// Ready to serve: crm-svc answers its health check as SERVING (it follows its database and the
/// event bus). The other services are reported too; one of them down leaves the gateway ready but
/// `degraded`, so the CRM, the web app and the other features stay up instead of every gateway
/// replica leaving the load balancer together.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, description = "crm-svc is SERVING; `status` is `ready` when every service is, else `degraded`, and `checks` names what is not"),
        (status = 503, description = "crm-svc is not ready; `checks` names every failing service")))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let checks = state.clients.check_all().await;
    let required_ok = checks
        .iter()
        .any(|(name, r)| *name == REQUIRED && r.is_ok());
    let all_ok = checks.iter().all(|(_, r)| r.is_ok());
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
    if !required_ok {
        return HttpResponse::ServiceUnavailable().json(json!({
            "error": "not_ready",
            "message": "crm-svc is not ready: nothing can be served without it",
            "checks": detail,
        }));
    }
    let status = if all_ok { "ready" } else { "degraded" };
    HttpResponse::Ok().json(json!({"status": status, "checks": detail}))
}
