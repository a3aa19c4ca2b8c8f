//! The business's AI agent: its definition (owners and admins) and, per customer, whether it may
//! answer in that customer's conversation (staff pause and resume it).

use crate::{
    auth::{AuthUser, Crm, Feature},
    error::{ApiError, ErrorBody},
    state::AppState,
    views::rfc3339,
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{
    self as pb, GetAgentConversationRequest, GetAgentDefinitionRequest, PutAgentDefinitionRequest,
    SetAgentPausedRequest,
};
use serde::{Deserialize, Serialize};

/// The AI agent of the business, for phone and WhatsApp alike. The knowledge Q&A it answers from
/// is the business's own (`GET /api/business`, `knowledge`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentDefinition {
    /// Hebrew: the business, what it sells, the tone, how to address customers.
    pub persona: String,
    pub instructions: String,
    /// The actions (tools) the agent may take: `lookup_customer`, `list_free_slots`,
    /// `book_appointment`, `move_appointment`, `cancel_appointment`, `create_task`,
    /// `update_customer`, `send_whatsapp`, `hand_off`, `end_call`.
    pub allowed_actions: Vec<String>,
    /// The agent answers WhatsApp messages.
    pub whatsapp_agent_enabled: bool,
    /// The agent stays silent in a WhatsApp conversation staff wrote in within these minutes.
    pub staff_silence_minutes: i32,
    /// E.164 number a call is handed to; empty: a message is taken.
    pub handoff_phone: String,
    /// Length of an appointment the agent books when the customer names none (minutes).
    pub appointment_minutes: i32,
    /// `null` while the business keeps the defaults.
    pub updated_at: Option<String>,
}

impl From<pb::AgentDefinition> for AgentDefinition {
    fn from(d: pb::AgentDefinition) -> Self {
        AgentDefinition {
            updated_at: rfc3339(d.updated_at.as_ref()),
            persona: d.persona,
            instructions: d.instructions,
            allowed_actions: d.allowed_actions,
            whatsapp_agent_enabled: d.whatsapp_agent_enabled,
            staff_silence_minutes: d.staff_silence_minutes,
            handoff_phone: d.handoff_phone,
            appointment_minutes: d.appointment_minutes,
        }
    }
}

/// The whole definition (PUT replaces it).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentDefinitionPut {
    /// At most 2,000 characters.
    persona: String,
    /// At most 5,000 characters.
    instructions: String,
    /// Names of the actions the agent may take (an unknown name is a 422).
    allowed_actions: Vec<String>,
    whatsapp_agent_enabled: bool,
    /// 0–1440.
    staff_silence_minutes: i32,
    /// Any Israeli format, or empty.
    handoff_phone: String,
    /// 5–480.
    appointment_minutes: i32,
}

/// `GET /api/business/agent` (owner or admin): the agent's definition.
#[utoipa::path(get, path = "/api/business/agent", tag = "business", security(("bearer" = [])),
    responses((status = 200, body = AgentDefinition), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only an owner or admin", body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let d = state
        .clients
        .crm
        .clone()
        .get_agent_definition(GetAgentDefinitionRequest {
            business_id: user.business_id.clone(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(AgentDefinition::from(d)))
}

/// `PUT /api/business/agent` (owner or admin): replaces the agent's definition; one invalid field
/// is a 422 naming it and changes nothing.
#[utoipa::path(put, path = "/api/business/agent", tag = "business", security(("bearer" = [])), request_body = AgentDefinitionPut,
    responses((status = 200, body = AgentDefinition), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only an owner or admin", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn put(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<AgentDefinitionPut>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let p = body.into_inner();
    let d = state
        .clients
        .crm
        .clone()
        .put_agent_definition(PutAgentDefinitionRequest {
            definition: Some(pb::AgentDefinition {
                business_id: user.business_id.clone(),
                persona: p.persona,
                instructions: p.instructions,
                allowed_actions: p.allowed_actions,
                whatsapp_agent_enabled: p.whatsapp_agent_enabled,
                staff_silence_minutes: p.staff_silence_minutes,
                handoff_phone: p.handoff_phone,
                appointment_minutes: p.appointment_minutes,
                updated_at: None,
            }),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(AgentDefinition::from(d)))
}

/// Whether the agent may answer in a customer's conversation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentConversation {
    pub customer_id: String,
    /// Staff paused the agent here.
    pub paused: bool,
    /// The agent handed the conversation to a person; resuming ends that.
    pub waiting_for_human: bool,
}

impl From<pb::AgentConversationState> for AgentConversation {
    fn from(s: pb::AgentConversationState) -> Self {
        AgentConversation {
            customer_id: s.customer_id,
            paused: s.paused,
            waiting_for_human: s.waiting_for_human,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentConversationPut {
    /// `true` pauses the agent in this conversation; `false` resumes it (and ends waiting for a
    /// person).
    paused: bool,
}

/// `GET /api/customers/{id}/agent`: the agent's state in this customer's conversation.
#[utoipa::path(get, path = "/api/customers/{id}/agent", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, body = AgentConversation), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn conversation(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let s = state
        .clients
        .crm
        .clone()
        .get_agent_conversation(GetAgentConversationRequest {
            business_id: user.business_id.clone(),
            customer_id: id.into_inner(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(AgentConversation::from(s)))
}

/// `PUT /api/customers/{id}/agent {paused}`: staff pause or resume the agent for this customer.
#[utoipa::path(put, path = "/api/customers/{id}/agent", tag = "customers", security(("bearer" = [])), request_body = AgentConversationPut,
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, body = AgentConversation), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn set_conversation(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
    body: web::Json<AgentConversationPut>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let s = state
        .clients
        .crm
        .clone()
        .set_agent_paused(SetAgentPausedRequest {
            business_id: user.business_id.clone(),
            customer_id: id.into_inner(),
            paused: body.paused,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(AgentConversation::from(s)))
}
