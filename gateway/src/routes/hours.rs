//! The business's opening hours: the settings (owner/admin to change), the open intervals and
//! closures of a range, and whether it is open now.

use crate::{
    auth::AuthUser,
    error::{ApiError, ErrorBody},
    routes::params::{self, Query},
    state::AppState,
    views::rfc3339,
};
use actix_web::{HttpResponse, web};
use agentlocator_hours::{HoursSettings, cities::CITIES};
use agentlocator_proto::v1::{
    BusinessHours, GetBusinessHoursRequest, GetHoursCalendarRequest, GetHoursStatusRequest,
    HoursCalendar, HoursClosure, HoursStatus, PutBusinessHoursRequest,
};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct City {
    /// The value of `settings.city`.
    key: &'static str,
    /// Hebrew.
    name: &'static str,
    /// Candle-lighting minutes before sunset when `candle_lighting_minutes` is null.
    candle_lighting_minutes: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HoursSettingsView {
    settings: HoursSettings,
    /// False: the business has not set its hours yet and these are the defaults.
    configured: bool,
    /// The cities `settings.city` can name.
    cities: Vec<City>,
}

fn settings_view(h: BusinessHours) -> Result<HoursSettingsView, ApiError> {
    let settings = serde_json::from_str(&h.settings_json)
        .map_err(|e| ApiError::internal(format!("crm-svc sent unreadable hours: {e}")))?;
    let cities = CITIES
        .iter()
        .map(|c| City {
            key: c.key,
            name: c.name_he,
            candle_lighting_minutes: c.candle_lighting_minutes,
        })
        .collect();
    Ok(HoursSettingsView {
        settings,
        configured: h.configured,
        cities,
    })
}

/// `GET /api/business/hours/settings`: the weekly hours, city, Shabbat/holiday customs and one-off dates.
#[utoipa::path(get, path = "/api/business/hours/settings", tag = "business", security(("bearer" = [])),
    responses((status = 200, body = HoursSettingsView), (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn get_settings(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let h = state
        .clients
        .crm
        .clone()
        .get_business_hours(GetBusinessHoursRequest {
            business_id: user.business_id.clone(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(settings_view(h)?))
}

/// `PUT /api/business/hours/settings` (owner or admin): replaces the settings whole. Times are
/// `HH:MM` (Israel time); a range must end after it starts on the same day (`24:00` is the end of the
/// day) — a range past midnight is refused, not split: give `22:00`–`24:00` and `00:00`–`02:00` on
/// the next day. Overlapping ranges, an unknown city, a day or a date that does not exist are a 422
/// naming the problem, and nothing is saved.
#[utoipa::path(put, path = "/api/business/hours/settings", tag = "business", security(("bearer" = [])),
    request_body = HoursSettings,
    responses((status = 200, body = HoursSettingsView), (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Only an owner or admin", body = ErrorBody),
        (status = 422, description = "Invalid hours (the message names the field and the problem)", body = ErrorBody)))]
pub async fn put_settings(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let h = state
        .clients
        .crm
        .clone()
        .put_business_hours(PutBusinessHoursRequest {
            business_id: user.business_id.clone(),
            settings_json: body.into_inner().to_string(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(settings_view(h)?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpenInterval {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClosureView {
    start: Option<String>,
    end: Option<String>,
    /// `shabbat`, `holiday` (alone or next to Shabbat) or `special` (a one-off date).
    kind: String,
    /// Hebrew: "שבת", "ראש השנה ושבת", "יום העצמאות".
    name: String,
}

fn closure_view(c: HoursClosure) -> ClosureView {
    ClosureView {
        start: rfc3339(c.start.as_ref()),
        end: rfc3339(c.end.as_ref()),
        kind: c.kind,
        name: c.name,
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HoursCalendarView {
    /// When the business is open, sorted, within `[from, to)`.
    open: Vec<OpenInterval>,
    /// Shabbat, holiday and one-off closures overlapping the range, whole.
    closures: Vec<ClosureView>,
}

impl From<HoursCalendar> for HoursCalendarView {
    fn from(c: HoursCalendar) -> Self {
        HoursCalendarView {
            open: c
                .open
                .into_iter()
                .map(|i| OpenInterval {
                    start: rfc3339(i.start.as_ref()),
                    end: rfc3339(i.end.as_ref()),
                })
                .collect(),
            closures: c.closures.into_iter().map(closure_view).collect(),
        }
    }
}

/// `GET /api/business/hours?from=&to=`: the open intervals and closures (with Hebrew names) of a range.
#[utoipa::path(get, path = "/api/business/hours", tag = "business", security(("bearer" = [])),
    params(("from" = Option<String>, Query, description = "RFC 3339; default now"),
        ("to" = Option<String>, Query, description = "RFC 3339, after `from` and at most 400 days later; default 7 days after `from`")),
    responses((status = 200, body = HoursCalendarView), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "Invalid range (named in `field`)", body = ErrorBody)))]
pub async fn calendar(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let c = state
        .clients
        .crm
        .clone()
        .get_hours_calendar(GetHoursCalendarRequest {
            business_id: user.business_id.clone(),
            from: params::time(&q, "from")?,
            to: params::time(&q, "to")?,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(HoursCalendarView::from(c)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HoursStatusView {
    open: bool,
    closes_at: Option<String>,
    reopens_at: Option<String>,
    /// Set when closed for Shabbat, a holiday or a one-off date (null: outside the weekly hours).
    closure: Option<ClosureView>,
    /// When closed, what the agent tells a customer: "אנחנו סגורים לרגל שבת. נשמח לחזור אליך במוצאי שבת, אחרי 19:05."
    message: Option<String>,
}

impl From<HoursStatus> for HoursStatusView {
    fn from(s: HoursStatus) -> Self {
        HoursStatusView {
            open: s.open,
            closes_at: rfc3339(s.closes_at.as_ref()),
            reopens_at: rfc3339(s.reopens_at.as_ref()),
            closure: s.closure.map(closure_view),
            message: Some(s.message).filter(|m| !m.is_empty()),
        }
    }
}

/// `GET /api/business/hours/status?at=`: open or closed at an instant (default now), why, and until when.
#[utoipa::path(get, path = "/api/business/hours/status", tag = "business", security(("bearer" = [])),
    params(("at" = Option<String>, Query, description = "RFC 3339; default now")),
    responses((status = 200, body = HoursStatusView), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "Invalid `at`", body = ErrorBody)))]
pub async fn status(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let s = state
        .clients
        .crm
        .clone()
        .get_hours_status(GetHoursStatusRequest {
            business_id: user.business_id.clone(),
            at: params::time(&q, "at")?,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(HoursStatusView::from(s)))
}
