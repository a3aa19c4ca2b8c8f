use crate::{
    auth::AuthUser,
    error::{ApiError, ErrorBody},
    state::AppState,
    views::{Business, Knowledge, VoiceMode},
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{FeatureFlagsUpdate, KnowledgeEntry, UpdateBusinessRequest};
use serde::Deserialize;

/// `GET /api/business`: the settings of the signed-in user's business.
#[utoipa::path(get, path = "/api/business", tag = "business", security(("bearer" = [])),
    responses((status = 200, body = Business), (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let b = state.businesses.get(&user.business_id).await?;
    Ok(HttpResponse::Ok().json(Business::from(b)))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeaturesPatch {
    crm_enabled: Option<bool>,
    whatsapp_enabled: Option<bool>,
    signature_enabled: Option<bool>,
    invoices_enabled: Option<bool>,
    contracts_enabled: Option<bool>,
    voice_enabled: Option<bool>,
    proposals_enabled: Option<bool>,
    calendar_enabled: Option<bool>,
    reports_enabled: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessPatch {
    name: Option<String>,
    greeting_text: Option<String>,
    vat_rate_bp: Option<i32>,
    knowledge: Option<Vec<Knowledge>>,
    /// Replaces the numbers that ring this business: any Israeli format (`03-1234567`,
    /// `+972 3 123 4567`), stored as E.164. A number that is not one is a 422 naming
    /// `twilio_numbers`; a number another business answers on is a 409.
    twilio_numbers: Option<Vec<String>>,
    /// `realtime` or `record`; `null` goes back to automatic (realtime when the server has a
    /// realtime engine configured, else record). Anything else is a 422 naming `voice_mode`.
    #[serde(default, deserialize_with = "crate::views::nullable")]
    #[schema(value_type = Option<VoiceMode>)]
    voice_mode: Option<Option<serde_json::Value>>,
    /// The voice the agent speaks with, e.g. `alloy`, `marin`, `he-IL-Chirp3-HD-Achird`, `he`:
    /// 1 to 64 of `[A-Za-z0-9_.:-]`, or empty for the engine's default (422 naming
    /// `agent_voice` otherwise).
    agent_voice: Option<String>,
    #[serde(default)]
    features: FeaturesPatch,
    /// The registered name documents print; empty goes back to `name`.
    legal_name: Option<String>,
    /// ע.מ / ח.פ (nine digits, dashes allowed); a wrong check digit is a 422 naming `tax_id`;
    /// empty clears it.
    tax_id: Option<String>,
    /// The address documents print.
    address: Option<String>,
    /// `licensed` (עוסק מורשה) or `exempt` (עוסק פטור: no VAT on its documents).
    vat_status: Option<String>,
}

/// `PATCH /api/business` (owner or admin): name, greeting, VAT rate, knowledge Q&A, Twilio
/// numbers, voice mode and agent voice, feature flags. A request with one invalid field changes
/// nothing.
/// Feature flags can always be changed here, even `crm_enabled` — otherwise a business that
/// switched the CRM off could never switch it back on.
#[utoipa::path(patch, path = "/api/business", tag = "business", security(("bearer" = [])), request_body = BusinessPatch,
    responses((status = 200, body = Business), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only an owner or admin", body = ErrorBody), (status = 409, description = "A Twilio number already rings another business", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<BusinessPatch>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let p = body.into_inner();
    let f = p.features;
    let set_knowledge = p.knowledge.is_some();
    let set_twilio_numbers = p.twilio_numbers.is_some();
    // Absent: unchanged; null: back to automatic.
    let voice_mode = match &p.voice_mode {
        None => None,
        Some(None) => Some(VoiceMode::to_proto(None)),
        Some(Some(v)) => Some(VoiceMode::to_proto(Some(VoiceMode::parse(
            "voice_mode",
            v,
        )?))),
    };
    let b = state
        .clients
        .crm
        .clone()
        .update_business(UpdateBusinessRequest {
            id: user.business_id.clone(),
            name: p.name,
            greeting_text: p.greeting_text,
            vat_rate_bp: p.vat_rate_bp,
            set_knowledge,
            knowledge: p
                .knowledge
                .unwrap_or_default()
                .into_iter()
                .map(|k| KnowledgeEntry {
                    question: k.q,
                    answer: k.a,
                })
                .collect(),
            set_twilio_numbers,
            twilio_numbers: p.twilio_numbers.unwrap_or_default(),
            voice_mode: voice_mode.map(i32::from),
            agent_voice: p.agent_voice,
            legal_name: p.legal_name,
            tax_id: p.tax_id,
            address: p.address,
            vat_status: p.vat_status,
            features: Some(FeatureFlagsUpdate {
                crm_enabled: f.crm_enabled,
                whatsapp_enabled: f.whatsapp_enabled,
                signature_enabled: f.signature_enabled,
                invoices_enabled: f.invoices_enabled,
                contracts_enabled: f.contracts_enabled,
                voice_enabled: f.voice_enabled,
                proposals_enabled: f.proposals_enabled,
                calendar_enabled: f.calendar_enabled,
                reports_enabled: f.reports_enabled,
            }),
        })
        .await?
        .into_inner();
    state.businesses.put(b.clone());
    Ok(HttpResponse::Ok().json(Business::from(b)))
}
