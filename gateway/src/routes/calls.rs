//! `POST /api/calls`: click-to-call. voice-svc asks Twilio to ring the agent's phone and then
//! connects the customer; the call appears on the customer's timeline like any other.

use crate::{
    auth::{Feature, Voice},
    error::{ApiError, ErrorBody},
    state::AppState,
};
use actix_web::{HttpResponse, http::StatusCode, web};
use agentlocator_proto::v1::StartOutboundCallRequest;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCall {
    /// The customer to call.
    customer_id: String,
    /// The agent's phone, rung first (E.164 or Israeli local format).
    agent_phone: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StartedCall {
    /// Twilio's CallSid.
    call_sid: String,
    /// Twilio's status (`queued`).
    status: String,
}

/// `POST /api/calls` → 202 with Twilio's call SID.
#[utoipa::path(post, path = "/api/calls", tag = "calls", security(("bearer" = [])), request_body = NewCall,
    responses((status = 202, body = StartedCall), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`voice_disabled`)", body = ErrorBody), (status = 404, description = "No such customer", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody), (status = 503, description = "`voice_not_configured`: no Twilio credentials or number; `service_unavailable`: Twilio failed", body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    user: Feature<Voice>,
    body: web::Json<NewCall>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let b = body.into_inner();
    let res = state
        .clients
        .voice
        .clone()
        .start_outbound_call(StartOutboundCallRequest {
            business_id: user.business_id.clone(),
            customer_id: b.customer_id,
            agent_phone: b.agent_phone,
            user_id: user.user_id.clone(),
        })
        .await
        .map_err(|s| match s.code() {
            // voice-svc's "not configured" (no Twilio credentials or number).
            tonic::Code::FailedPrecondition => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "voice_not_configured",
                s.message().to_string(),
            ),
            _ => ApiError::from(s),
        })?
        .into_inner();
    Ok(HttpResponse::Accepted().json(StartedCall {
        call_sid: res.call_sid,
        status: res.status,
    }))
}
