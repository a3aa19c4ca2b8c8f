use crate::{
    auth::{Calendar, Feature},
    error::{ApiError, ErrorBody},
    routes::params::{self, Query},
    state::AppState,
    views::{Appointment, AppointmentRange},
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{
    CreateAppointmentRequest, DeleteAppointmentRequest, GetAppointmentRequest,
    ListAppointmentsRequest, UpdateAppointmentRequest,
};
use serde::Deserialize;

/// `GET /api/appointments?from=&to=&customer_id=`: the appointments overlapping `[from, to)`.
#[utoipa::path(get, path = "/api/appointments", tag = "calendar", security(("bearer" = [])),
    params(("from" = Option<String>, Query, description = "RFC 3339; default the start of today (UTC), or 30 days before `to`"),
        ("to" = Option<String>, Query, description = "RFC 3339, after `from` and at most 400 days later; default 30 days after `from`"),
        ("customer_id" = Option<String>, Query)),
    responses((status = 200, body = AppointmentRange), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: Feature<Calendar>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let res = state
        .clients
        .crm
        .clone()
        .list_appointments(ListAppointmentsRequest {
            business_id: user.business_id.clone(),
            from: params::time(&q, "from")?,
            to: params::time(&q, "to")?,
            customer_id: params::text(&q, "customer_id"),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(AppointmentRange::from(res)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointment {
    #[serde(default)]
    title: String,
    /// RFC 3339.
    starts_at: Option<String>,
    /// RFC 3339, after `starts_at`.
    ends_at: Option<String>,
    customer_id: Option<String>,
    #[serde(default)]
    notes: String,
}

/// `POST /api/appointments` → 201.
#[utoipa::path(post, path = "/api/appointments", tag = "calendar", security(("bearer" = [])), request_body = NewAppointment,
    responses((status = 201, body = Appointment), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    user: Feature<Calendar>,
    body: web::Json<NewAppointment>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let a = body.into_inner();
    let created = state
        .clients
        .crm
        .clone()
        .create_appointment(CreateAppointmentRequest {
            business_id: user.business_id.clone(),
            title: a.title,
            starts_at: params::body_time("starts_at", a.starts_at.as_deref())?,
            ends_at: params::body_time("ends_at", a.ends_at.as_deref())?,
            customer_id: a.customer_id.unwrap_or_default(),
            notes: a.notes,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Created().json(Appointment::from(created)))
}

/// `GET /api/appointments/{id}`
#[utoipa::path(get, path = "/api/appointments/{id}", tag = "calendar", security(("bearer" = [])), params(("id" = String, Path, description = "Appointment id")),
    responses((status = 200, body = Appointment), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: Feature<Calendar>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let a = state
        .clients
        .crm
        .clone()
        .get_appointment(GetAppointmentRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Appointment::from(a)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentPatch {
    title: Option<String>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    /// `null` removes the customer.
    #[serde(default, deserialize_with = "crate::views::nullable")]
    #[schema(value_type = Option<String>)]
    customer_id: Option<Option<String>>,
    notes: Option<String>,
}

/// `PATCH /api/appointments/{id}`: only the fields given change.
#[utoipa::path(patch, path = "/api/appointments/{id}", tag = "calendar", security(("bearer" = [])), params(("id" = String, Path, description = "Appointment id")), request_body = AppointmentPatch,
    responses((status = 200, body = Appointment), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    user: Feature<Calendar>,
    id: web::Path<String>,
    body: web::Json<AppointmentPatch>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let p = body.into_inner();
    let a = state
        .clients
        .crm
        .clone()
        .update_appointment(UpdateAppointmentRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
            title: p.title,
            starts_at: params::body_time("starts_at", p.starts_at.as_deref())?,
            ends_at: params::body_time("ends_at", p.ends_at.as_deref())?,
            customer_id: p.customer_id.map(Option::unwrap_or_default),
            notes: p.notes,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Appointment::from(a)))
}

/// `DELETE /api/appointments/{id}` → 204.
#[utoipa::path(delete, path = "/api/appointments/{id}", tag = "calendar", security(("bearer" = [])), params(("id" = String, Path, description = "Appointment id")),
    responses((status = 204, description = "Deleted"), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    user: Feature<Calendar>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    state
        .clients
        .crm
        .clone()
        .delete_appointment(DeleteAppointmentRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
