//! WhatsApp: the sidecar's webhooks (secret-authenticated, outside `/api`) and the staff routes
//! (send, session state, pairing, logout), all through whatsapp-bridge. Staff routes obey
//! `whatsapp_enabled` (403 `whatsapp_disabled`).

use crate::{
    auth::{Feature, WhatsApp},
    clients::SIDECAR_BODY_LIMIT,
    error::{ApiError, ErrorBody},
    state::AppState,
};
use actix_web::{HttpRequest, HttpResponse, web};
use agentlocator_proto::v1::{
    CloudVerifyRequest, CloudWebhookRequest, GetCustomerRequest, SendTextRequest, SessionRequest,
    SessionStatus, SetCloudNumberRequest, SidecarRequest,
};
use serde::{Deserialize, Serialize};

/// Header carrying the sidecar ↔ bridge shared secret.
pub const SECRET_HEADER: &str = "x-bridge-secret";

/// The sidecar's request: its secret and the body (read here, up to [`SIDECAR_BODY_LIMIT`], which
/// is above the API's JSON limit: a history-sync upsert can be large).
async fn sidecar_request(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<SidecarRequest, ApiError> {
    let body = read_body(payload).await?;
    let secret = req
        .headers()
        .get(SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if secret.is_empty() {
        return Err(ApiError::forbidden("missing x-bridge-secret"));
    }
    Ok(SidecarRequest { secret, body })
}

/// The raw body, up to [`SIDECAR_BODY_LIMIT`].
async fn read_body(mut payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    use futures::StreamExt;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("malformed_body", e.to_string()))?;
        if body.len() + chunk.len() > SIDECAR_BODY_LIMIT {
            return Err(ApiError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is larger than {SIDECAR_BODY_LIMIT} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.to_vec())
}

#[derive(Debug, Deserialize)]
pub struct CloudVerify {
    #[serde(rename = "hub.mode", default)]
    mode: String,
    #[serde(rename = "hub.verify_token", default)]
    verify_token: String,
    #[serde(rename = "hub.challenge", default)]
    challenge: String,
}

/// `GET /webhook/whatsapp_cloud`: the Cloud API's subscription handshake (`hub.challenge` echoed
/// when `hub.verify_token` is ours).
#[utoipa::path(get, path = "/webhook/whatsapp_cloud", tag = "whatsapp",
    params(("hub.mode" = String, Query), ("hub.verify_token" = String, Query), ("hub.challenge" = String, Query)),
    responses((status = 200, description = "The challenge, as text", content_type = "text/plain"),
        (status = 403, description = "Wrong verify token, or the Cloud API is not the provider", body = ErrorBody)))]
pub async fn cloud_verify(
    state: web::Data<AppState>,
    query: web::Query<CloudVerify>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let res = state
        .clients
        .whatsapp
        .clone()
        .verify_cloud_webhook(CloudVerifyRequest {
            mode: q.mode,
            verify_token: q.verify_token,
            challenge: q.challenge,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(res.challenge))
}

/// `POST /webhook/whatsapp_cloud`: the Cloud API's messages and statuses, signed
/// (`X-Hub-Signature-256`, HMAC-SHA256 of the body with the app secret).
#[utoipa::path(post, path = "/webhook/whatsapp_cloud", tag = "whatsapp",
    request_body(content_type = "application/json", description = "Meta's webhook payload (object whatsapp_business_account)"),
    params(("X-Hub-Signature-256" = String, Header, description = "sha256=<hex HMAC of the body>")),
    responses((status = 200, description = "`{published}`"),
        (status = 400, description = "Malformed payload", body = ErrorBody),
        (status = 403, description = "Missing or wrong signature", body = ErrorBody),
        (status = 503, description = "`service_unavailable`: the events could not be stored (nothing was accepted; Meta retries)", body = ErrorBody)))]
pub async fn cloud_incoming(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let signature = req
        .headers()
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if signature.is_empty() {
        return Err(ApiError::forbidden("missing X-Hub-Signature-256"));
    }
    let body = read_body(payload).await?;
    let res = state
        .clients
        .whatsapp
        .clone()
        .ingest_cloud_webhook(CloudWebhookRequest { signature, body })
        .await
        .map_err(sidecar_error)?
        .into_inner();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "published": res.published })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudNumber {
    /// The phone number id from Meta's WhatsApp Manager.
    phone_number_id: String,
}

/// `PUT /api/whatsapp/cloud-number`: the business's WhatsApp Cloud API number; owners and admins.
#[utoipa::path(put, path = "/api/whatsapp/cloud-number", tag = "whatsapp", security(("bearer" = [])),
    request_body = CloudNumber,
    responses((status = 200, body = CloudNumber),
        (status = 403, description = "Not an owner/admin, or `whatsapp_disabled`", body = ErrorBody),
        (status = 409, description = "The number belongs to another business", body = ErrorBody),
        (status = 422, description = "Invalid `phone_number_id`", body = ErrorBody)))]
pub async fn set_cloud_number(
    state: web::Data<AppState>,
    user: Feature<WhatsApp>,
    body: web::Json<CloudNumber>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let res = state
        .clients
        .whatsapp
        .clone()
        .set_cloud_number(SetCloudNumberRequest {
            business_id: user.business_id.clone(),
            phone_number_id: body.into_inner().phone_number_id,
        })
        .await
        .map_err(|s| field_error(s, "phone_number_id"))?
        .into_inner();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "phone_number_id": res.phone_number_id })))
}

/// Maps the bridge's INVALID_ARGUMENT for a sidecar body to 400 (a malformed payload), not 422.
fn sidecar_error(status: tonic::Status) -> ApiError {
    if status.code() == tonic::Code::InvalidArgument {
        ApiError::bad_request("malformed_payload", status.message())
    } else {
        status.into()
    }
}

/// `POST /webhook/whatsapp_incoming`: one Baileys event forwarded by the sidecar.
#[utoipa::path(post, path = "/webhook/whatsapp_incoming", tag = "whatsapp",
    request_body(content_type = "application/json", description = "{id, business_id, event, occurred_at, data}: a Baileys event as the sidecar forwards it"),
    params(("x-bridge-secret" = String, Header, description = "The sidecar's shared secret")),
    responses((status = 202, description = "Accepted: `{published}` events went to the bus"),
        (status = 400, description = "Malformed payload", body = ErrorBody),
        (status = 403, description = "Missing or wrong secret", body = ErrorBody),
        (status = 404, description = "Unknown business", body = ErrorBody),
        (status = 503, description = "`service_unavailable`: the events could not be stored (nothing was accepted; the sidecar retries)", body = ErrorBody)))]
pub async fn sidecar_incoming(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let request = sidecar_request(&req, body).await?;
    let res = state
        .clients
        .whatsapp
        .clone()
        .ingest_sidecar_event(request)
        .await
        .map_err(sidecar_error)?
        .into_inner();
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "published": res.published })))
}

/// `POST /webhook/whatsapp_auth`: the sidecar's auth-state store (get / set / clear / paired) and
/// its per-business session lease (lease / release).
#[utoipa::path(post, path = "/webhook/whatsapp_auth", tag = "whatsapp",
    request_body(content_type = "application/json", description = "{business_id, op: get|set|clear|paired|lease|release, keys?, values?, holder?, holder_addr?, ttl_ms?}"),
    params(("x-bridge-secret" = String, Header, description = "The sidecar's shared secret")),
    responses((status = 200, description = "get: `{values}`; set: `{}`; clear: `{removed}`; paired: `{business_ids}`; lease: `{granted, holder, ...}`; release: `{released}`"),
        (status = 400, description = "Malformed payload", body = ErrorBody),
        (status = 403, description = "Missing or wrong secret", body = ErrorBody)))]
pub async fn sidecar_auth(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let request = sidecar_request(&req, body).await?;
    let res = state
        .clients
        .whatsapp
        .clone()
        .sidecar_auth_state(request)
        .await
        .map_err(sidecar_error)?
        .into_inner();
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(res.body))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// A customer id, an Israeli phone number in any format, or a WhatsApp JID.
    to: String,
    text: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SentMessage {
    message_id: String,
    status: String,
}

/// `POST /api/whatsapp/send` → 202 with the WhatsApp message id. An `Idempotency-Key` header
/// makes a retry answer the first result instead of sending twice.
#[utoipa::path(post, path = "/api/whatsapp/send", tag = "whatsapp", security(("bearer" = [])),
    request_body = SendMessage,
    params(("Idempotency-Key" = Option<String>, Header, description = "Same key, same result")),
    responses((status = 202, body = SentMessage),
        (status = 403, description = "Read-only user, or `whatsapp_disabled`", body = ErrorBody),
        (status = 404, description = "Unknown customer", body = ErrorBody),
        (status = 409, description = "WhatsApp is not connected", body = ErrorBody),
        (status = 422, description = "Invalid `to` or `text`", body = ErrorBody),
        (status = 503, description = "The WhatsApp sidecar is unavailable", body = ErrorBody)))]
pub async fn send(
    state: web::Data<AppState>,
    user: Feature<WhatsApp>,
    req: HttpRequest,
    body: web::Json<SendMessage>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let SendMessage { to, text } = body.into_inner();
    let to = to.trim().to_owned();
    let to = if uuid::Uuid::parse_str(&to).is_ok() {
        // A customer id: their phone.
        state
            .clients
            .crm
            .clone()
            .get_customer(GetCustomerRequest {
                business_id: user.business_id.clone(),
                id: to,
            })
            .await?
            .into_inner()
            .phone
    } else {
        to
    };
    let idempotency_key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let res = state
        .clients
        .whatsapp
        .clone()
        .send_text(SendTextRequest {
            business_id: user.business_id.clone(),
            to,
            text,
            idempotency_key,
        })
        .await
        .map_err(|s| field_error(s, "to"))?
        .into_inner();
    Ok(HttpResponse::Accepted().json(SentMessage {
        message_id: res.provider_message_id,
        status: res.status,
    }))
}

/// The bridge names the field in its INVALID_ARGUMENT message (`to: …` / `text: …`).
fn field_error(s: tonic::Status, default: &str) -> ApiError {
    if s.code() != tonic::Code::InvalidArgument {
        return s.into();
    }
    let field = s
        .message()
        .split_once(':')
        .map(|(f, _)| f.trim())
        .filter(|f| ["to", "text", "phone_number_id"].contains(f))
        .unwrap_or(default)
        .to_owned();
    ApiError::validation(s.message().to_owned()).with_field(field)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WhatsAppSession {
    /// connecting | qr | open | closed | logged_out
    state: String,
    reason: Option<String>,
    /// The pairing QR payload while `state` is `qr`.
    qr: Option<String>,
    /// The same QR as a PNG data URL, ready for an `<img>`.
    qr_data_url: Option<String>,
}

impl From<SessionStatus> for WhatsAppSession {
    fn from(s: SessionStatus) -> Self {
        let some = |v: String| (!v.is_empty()).then_some(v);
        Self {
            state: s.state,
            reason: some(s.reason),
            qr: some(s.qr),
            qr_data_url: some(s.qr_data_url),
        }
    }
}

/// `GET /api/whatsapp/status`: the business's WhatsApp connection.
#[utoipa::path(get, path = "/api/whatsapp/status", tag = "whatsapp", security(("bearer" = [])),
    responses((status = 200, body = WhatsAppSession),
        (status = 403, description = "`whatsapp_disabled`", body = ErrorBody)))]
pub async fn status(
    state: web::Data<AppState>,
    user: Feature<WhatsApp>,
) -> Result<HttpResponse, ApiError> {
    session(&state, &user, SessionAction::Status).await
}

/// `POST /api/whatsapp/session/start`: start pairing (or reconnect); owners and admins.
#[utoipa::path(post, path = "/api/whatsapp/session/start", tag = "whatsapp", security(("bearer" = [])),
    responses((status = 200, body = WhatsAppSession),
        (status = 403, description = "Not an owner/admin, or `whatsapp_disabled`", body = ErrorBody),
        (status = 503, description = "The WhatsApp sidecar is unavailable", body = ErrorBody)))]
pub async fn start_session(
    state: web::Data<AppState>,
    user: Feature<WhatsApp>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    session(&state, &user, SessionAction::Start).await
}

/// `POST /api/whatsapp/session/logout`: unpair the business's WhatsApp; owners and admins.
#[utoipa::path(post, path = "/api/whatsapp/session/logout", tag = "whatsapp", security(("bearer" = [])),
    responses((status = 200, body = WhatsAppSession),
        (status = 403, description = "Not an owner/admin, or `whatsapp_disabled`", body = ErrorBody),
        (status = 503, description = "The WhatsApp sidecar is unavailable", body = ErrorBody)))]
pub async fn logout_session(
    state: web::Data<AppState>,
    user: Feature<WhatsApp>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    session(&state, &user, SessionAction::Logout).await
}

enum SessionAction {
    Status,
    Start,
    Logout,
}

/// One session call to the bridge for the user's business, answered as [`WhatsAppSession`].
async fn session(
    state: &AppState,
    user: &Feature<WhatsApp>,
    action: SessionAction,
) -> Result<HttpResponse, ApiError> {
    let mut bridge = state.clients.whatsapp.clone();
    let req = SessionRequest {
        business_id: user.business_id.clone(),
    };
    let s = match action {
        SessionAction::Status => bridge.get_session(req).await,
        SessionAction::Start => bridge.start_session(req).await,
        SessionAction::Logout => bridge.logout_session(req).await,
    }?
    .into_inner();
    Ok(HttpResponse::Ok().json(WhatsAppSession::from(s)))
}
