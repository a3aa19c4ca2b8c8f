//! `GET /api/today`: the staff's day in one request — today's calls (answered, missed, to call
//! back), conversations waiting for a person, tasks due today or overdue and today's
//! appointments, the day being Israel's calendar day. The web app's home page; it reloads on the
//! live events that change any of these.

use crate::{
    auth::{Crm, Feature},
    error::{ApiError, ErrorBody},
    routes::params::{self, Query},
    state::AppState,
    views::Today,
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::GetTodayRequest;

/// `GET /api/today?at=`
#[utoipa::path(get, path = "/api/today", tag = "today", security(("bearer" = [])),
    params(("at" = Option<String>, Query, description = "RFC 3339: an instant of the day to list (its calendar day in Israel); default now")),
    responses((status = 200, body = Today), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`crm_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let at = params::time(&q, "at")?;
    // Appointments belong to the calendar: a business that turned it off gets none.
    let business = state.businesses.get(&user.business_id).await?;
    let include_appointments = business
        .features
        .as_ref()
        .is_some_and(|f| f.calendar_enabled);
    let day = state
        .clients
        .crm
        .clone()
        .get_today(GetTodayRequest {
            business_id: user.business_id.clone(),
            user_id: user.user_id.clone(),
            at,
            include_appointments,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Today::from(day)))
}
