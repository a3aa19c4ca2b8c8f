//! Twilio's webhooks (form-encoded POSTs outside `/api`), handed to voice-svc as received: path
//! and query, the form parameters and `X-Twilio-Signature`. voice-svc verifies the signature and
//! answers TwiML (`text/xml`) or a rejection, answered here as 403 JSON.

use crate::{error::ApiError, state::AppState};
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use agentlocator_proto::v1::{
    FormParam, Webhook, WebhookRejection, WebhookRequest, webhook_response,
};

pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";

/// `POST /webhook/incoming_call`: the business's greeting, then `<Record>`.
#[utoipa::path(post, path = "/webhook/incoming_call", tag = "twilio",
    request_body(content_type = "application/x-www-form-urlencoded", description = "Twilio's voice request parameters (CallSid, From, To, …)"),
    params(("X-Twilio-Signature" = Option<String>, Header, description = "Twilio's request signature")),
    responses((status = 200, description = "TwiML", content_type = "text/xml"),
        (status = 403, description = "`invalid_signature`, or `voice_disabled` for the called business", body = crate::error::ErrorBody),
        (status = 503, description = "`service_unavailable`: the call event could not be stored (nothing was accepted; retry)", body = crate::error::ErrorBody)))]
pub async fn incoming_call(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    forward(&state, &req, &body, Webhook::IncomingCall).await
}

/// `POST /webhook/handle_recording`: one caller turn; the answer's audio and the next
/// `<Record>`, or a closing sentence and `<Hangup/>`.
#[utoipa::path(post, path = "/webhook/handle_recording", tag = "twilio",
    request_body(content_type = "application/x-www-form-urlencoded", description = "Twilio's <Record> action parameters (RecordingUrl, RecordingDuration, …)"),
    params(("X-Twilio-Signature" = Option<String>, Header, description = "Twilio's request signature")),
    responses((status = 200, description = "TwiML", content_type = "text/xml"),
        (status = 403, description = "`invalid_signature`, or `voice_disabled` for the called business", body = crate::error::ErrorBody),
        (status = 503, description = "`service_unavailable`: the call event could not be stored (nothing was accepted; retry)", body = crate::error::ErrorBody)))]
pub async fn handle_recording(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    forward(&state, &req, &body, Webhook::HandleRecording).await
}

/// `POST /webhook/call_status`: the call's status, duration and end.
#[utoipa::path(post, path = "/webhook/call_status", tag = "twilio",
    request_body(content_type = "application/x-www-form-urlencoded", description = "Twilio's status callback parameters (CallSid, CallStatus, CallDuration, …)"),
    params(("X-Twilio-Signature" = Option<String>, Header, description = "Twilio's request signature")),
    responses((status = 200, description = "An empty TwiML response", content_type = "text/xml"),
        (status = 403, description = "`invalid_signature`, or `voice_disabled` for the called business", body = crate::error::ErrorBody),
        (status = 503, description = "`service_unavailable`: the call event could not be stored (nothing was accepted; retry)", body = crate::error::ErrorBody)))]
pub async fn call_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    forward(&state, &req, &body, Webhook::CallStatus).await
}

/// `POST /webhook/outbound_connect?to=<customer>`: the agent answered a click-to-call; dial the
/// customer.
#[utoipa::path(post, path = "/webhook/outbound_connect", tag = "twilio",
    request_body(content_type = "application/x-www-form-urlencoded", description = "Twilio's voice request parameters"),
    params(("to" = String, Query, description = "The customer's number (set by voice-svc, signed by Twilio)"),
        ("X-Twilio-Signature" = Option<String>, Header, description = "Twilio's request signature")),
    responses((status = 200, description = "TwiML with <Dial>", content_type = "text/xml"),
        (status = 403, description = "`invalid_signature`, or `voice_disabled`", body = crate::error::ErrorBody)))]
pub async fn outbound_connect(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    forward(&state, &req, &body, Webhook::OutboundConnect).await
}

/// `POST /webhook/recording_status`: a realtime call's recording is complete.
#[utoipa::path(post, path = "/webhook/recording_status", tag = "twilio",
    request_body(content_type = "application/x-www-form-urlencoded", description = "Twilio's recording status callback parameters (CallSid, RecordingUrl, RecordingStatus, …)"),
    params(("X-Twilio-Signature" = Option<String>, Header, description = "Twilio's request signature")),
    responses((status = 200, description = "An empty TwiML response", content_type = "text/xml"),
        (status = 403, description = "`invalid_signature`", body = crate::error::ErrorBody),
        (status = 503, description = "`service_unavailable`: the call event could not be stored (nothing was accepted; retry)", body = crate::error::ErrorBody)))]
pub async fn recording_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    forward(&state, &req, &body, Webhook::RecordingStatus).await
}

/// `GET /webhook/media_stream`: a realtime call's audio both ways (Twilio Media Streams,
/// WebSocket), bridged to voice-svc, which checks the upgrade's signature and the stream's token.
/// On Kubernetes the Ingress routes this path straight to voice-svc.
#[utoipa::path(get, path = "/webhook/media_stream", tag = "twilio",
    params(("X-Twilio-Signature" = String, Header, description = "Twilio's signature of the stream URL")),
    responses((status = 101, description = "Switching Protocols: the Media Stream"),
        (status = 400, description = "`websocket_required`: not a WebSocket upgrade", body = crate::error::ErrorBody),
        (status = 403, description = "`invalid_signature`", body = crate::error::ErrorBody),
        (status = 502, description = "voice-svc is unreachable", body = crate::error::ErrorBody),
        (status = 503, description = "`upgrade_refused`: voice-svc is shutting down and takes no new streams (Twilio goes on with the TwiML after `<Connect>`)", body = crate::error::ErrorBody)))]
pub async fn media_stream(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if !super::socket_proxy::is_websocket_upgrade(&req) {
        return Err(ApiError::bad_request(
            "websocket_required",
            "this is a WebSocket endpoint for Twilio Media Streams",
        ));
    }
    let url = format!("{}/webhook/media_stream", state.clients.voice_media_url);
    super::socket_proxy::websocket(req, payload, url, &[SIGNATURE_HEADER]).await
}

async fn forward(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
    webhook: Webhook,
) -> Result<HttpResponse, ApiError> {
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|e| {
        ApiError::bad_request(
            "malformed_form",
            format!("the body is not form-encoded: {e}"),
        )
    })?;
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_string(), |pq| pq.as_str().to_string());
    let signature = req
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let res = state
        .clients
        .voice
        .clone()
        .handle_webhook(WebhookRequest {
            webhook: webhook as i32,
            path_and_query,
            params: params
                .into_iter()
                .map(|(name, value)| FormParam { name, value })
                .collect(),
            signature,
        })
        .await?
        .into_inner();
    match res.result {
        Some(webhook_response::Result::Twiml(xml)) => Ok(HttpResponse::Ok()
            .content_type("text/xml; charset=utf-8")
            .body(xml)),
        Some(webhook_response::Result::Rejected(why)) => Err(rejection(why)),
        None => Err(ApiError::internal("voice-svc answered nothing")),
    }
}

fn rejection(why: i32) -> ApiError {
    match WebhookRejection::try_from(why) {
        Ok(WebhookRejection::VoiceDisabled) => ApiError::new(
            StatusCode::FORBIDDEN,
            "voice_disabled",
            "voice is turned off for this business",
        ),
        Ok(WebhookRejection::InvalidSignature) => ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_signature",
            "missing or invalid X-Twilio-Signature",
        ),
        _ => ApiError::internal(format!("unknown webhook rejection {why}")),
    }
}
