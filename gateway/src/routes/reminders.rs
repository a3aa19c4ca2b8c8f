//! WhatsApp appointment reminders (the business's settings; owner/admin to change) and one-off
//! WhatsApp messages scheduled from the customer page. Both obey `whatsapp_enabled`.

use crate::{
    auth::{Feature, WhatsApp},
    error::{ApiError, ErrorBody},
    routes::params,
    state::AppState,
    views::rfc3339,
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{
    self as v1, CancelScheduledMessageRequest, CreateScheduledMessageRequest,
    GetReminderSettingsRequest, ListScheduledMessagesRequest, PutReminderSettingsRequest,
};
use serde::{Deserialize, Serialize};

/// The placeholders a reminder template may use.
const PLACEHOLDERS: [&str; 5] = ["{name}", "{date}", "{time}", "{address}", "{business}"];

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReminderSettingsView {
    enabled: bool,
    /// Hebrew. A line whose placeholder has no value (a business without an address) is left out.
    template: String,
    /// Minutes before the appointment, largest first (default `[1440, 120]`).
    lead_minutes: Vec<i32>,
    /// False: never saved; these are the defaults (reminders off).
    configured: bool,
    /// What the template may contain.
    placeholders: Vec<&'static str>,
}

impl From<v1::ReminderSettings> for ReminderSettingsView {
    fn from(s: v1::ReminderSettings) -> Self {
        ReminderSettingsView {
            enabled: s.enabled,
            template: s.template,
            lead_minutes: s.lead_minutes,
            configured: s.configured,
            placeholders: PLACEHOLDERS.to_vec(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderSettingsInput {
    enabled: bool,
    /// Hebrew, with `{name}`, `{date}`, `{time}`, `{address}`, `{business}`; at most 1,000 characters.
    template: String,
    /// 1 to 5 distinct lead times, each 15 to 10,080 minutes (a week).
    lead_minutes: Vec<i32>,
}

/// `GET /api/business/reminders`: the appointment-reminder settings.
#[utoipa::path(get, path = "/api/business/reminders", tag = "business", security(("bearer" = [])),
    responses((status = 200, body = ReminderSettingsView), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "`whatsapp_disabled`", body = ErrorBody)))]
pub async fn get_settings(
    state: web::Data<AppState>,
    user: Feature<WhatsApp>,
) -> Result<HttpResponse, ApiError> {
    let s = state
        .clients
        .crm
        .clone()
        .get_reminder_settings(GetReminderSettingsRequest {
            business_id: user.business_id.clone(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(ReminderSettingsView::from(s)))
}

/// `PUT /api/business/reminders` (owner or admin): replaces the settings whole. Reminders go out
/// over WhatsApp at each lead time before an appointment with a customer — never during Shabbat or
/// a holiday (an hour before it begins instead) — and the customer may answer 1/כן (confirm),
/// 2/לא (cancel) or הסר (no more reminders).
#[utoipa::path(put, path = "/api/business/reminders", tag = "business", security(("bearer" = [])),
    request_body = ReminderSettingsInput,
    responses((status = 200, body = ReminderSettingsView), (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only an owner or admin, or `whatsapp_disabled`", body = ErrorBody),
        (status = 422, description = "Invalid template or lead times (named in `field`)", body = ErrorBody)))]
pub async fn put_settings(
    state: web::Data<AppState>,
    user: Feature<WhatsApp>,
    body: web::Json<ReminderSettingsInput>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let b = body.into_inner();
    let s = state
        .clients
        .crm
        .clone()
        .put_reminder_settings(PutReminderSettingsRequest {
            business_id: user.business_id.clone(),
            enabled: b.enabled,
            template: b.template,
            lead_minutes: b.lead_minutes,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(ReminderSettingsView::from(s)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScheduledMessageView {
    id: String,
    customer_id: String,
    text: String,
    send_at: Option<String>,
    /// `pending`, `sent`, `cancelled` or `failed` (the customer had no phone at its time).
    status: String,
    sent_at: Option<String>,
    created_by: Option<String>,
    created_at: Option<String>,
}

impl From<v1::ScheduledMessage> for ScheduledMessageView {
    fn from(m: v1::ScheduledMessage) -> Self {
        ScheduledMessageView {
            send_at: rfc3339(m.send_at.as_ref()),
            sent_at: rfc3339(m.sent_at.as_ref()),
            created_at: rfc3339(m.created_at.as_ref()),
            created_by: Some(m.created_by).filter(|s| !s.is_empty()),
            id: m.id,
            customer_id: m.customer_id,
            text: m.text,
            status: m.status,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScheduledMessageList {
    /// Latest send time first, every status.
    items: Vec<ScheduledMessageView>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScheduledMessage {
    /// At most 4,096 characters.
    #[serde(default)]
    text: String,
    /// RFC 3339; not in the past, at most 366 days ahead.
    send_at: Option<String>,
}

/// `GET /api/customers/{id}/scheduled-messages`: the customer's scheduled WhatsApp messages.
#[utoipa::path(get, path = "/api/customers/{id}/scheduled-messages", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, body = ScheduledMessageList), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "`whatsapp_disabled`", body = ErrorBody),
        (status = 404, description = "Unknown customer (or another business's)", body = ErrorBody)))]
pub async fn list_scheduled(
    state: web::Data<AppState>,
    user: Feature<WhatsApp>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let res = state
        .clients
        .crm
        .clone()
        .list_scheduled_messages(ListScheduledMessagesRequest {
            business_id: user.business_id.clone(),
            customer_id: id.into_inner(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(ScheduledMessageList {
        items: res.items.into_iter().map(Into::into).collect(),
    }))
}

/// `POST /api/customers/{id}/scheduled-messages` → 201: a WhatsApp message to the customer, sent
/// once at `send_at`.
#[utoipa::path(post, path = "/api/customers/{id}/scheduled-messages", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Customer id")), request_body = NewScheduledMessage,
    responses((status = 201, body = ScheduledMessageView), (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Read-only user, or `whatsapp_disabled`", body = ErrorBody),
        (status = 404, description = "Unknown customer (or another business's)", body = ErrorBody),
        (status = 422, description = "Invalid `text` or `send_at`", body = ErrorBody)))]
pub async fn create_scheduled(
    state: web::Data<AppState>,
    user: Feature<WhatsApp>,
    id: web::Path<String>,
    body: web::Json<NewScheduledMessage>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let b = body.into_inner();
    let m = state
        .clients
        .crm
        .clone()
        .create_scheduled_message(CreateScheduledMessageRequest {
            business_id: user.business_id.clone(),
            customer_id: id.into_inner(),
            text: b.text,
            send_at: params::body_time("send_at", b.send_at.as_deref())?,
            created_by: user.user_id.clone(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Created().json(ScheduledMessageView::from(m)))
}

/// `DELETE /api/customers/{id}/scheduled-messages/{message_id}`: cancels a message not sent yet
/// (200 with it, `status: cancelled`); one already sent or cancelled is a 409.
#[utoipa::path(delete, path = "/api/customers/{id}/scheduled-messages/{message_id}", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Customer id"), ("message_id" = String, Path, description = "Scheduled message id")),
    responses((status = 200, body = ScheduledMessageView), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Read-only user, or `whatsapp_disabled`", body = ErrorBody),
        (status = 404, description = "Unknown message (or another customer's or business's)", body = ErrorBody),
        (status = 409, description = "Already sent or cancelled", body = ErrorBody)))]
pub async fn cancel_scheduled(
    state: web::Data<AppState>,
    user: Feature<WhatsApp>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let (customer_id, id) = path.into_inner();
    let m = state
        .clients
        .crm
        .clone()
        .cancel_scheduled_message(CancelScheduledMessageRequest {
            business_id: user.business_id.clone(),
            customer_id,
            id,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(ScheduledMessageView::from(m)))
}
