//! A business's opening hours: stored settings, and the open intervals, closures and "open now?"
//! computed from them by `agentlocator-hours` (Shabbat, the Israeli holidays, one-off dates).
//!
//! [`open_intervals`] and [`check_slot`] are what booking and free-slot listing use.

pub mod cache;
pub mod closure_reply;
pub mod convert;
mod queries;

use agentlocator_hours::{HoursCalendar, HoursSettings, Interval, Schedule, Status};
use chrono::{DateTime, Utc};

use crate::{
    businesses::queries as business,
    db::{Db, DbConn},
    error::{Error, Result},
    ids::BusinessId,
    outbox::queries as outbox,
    strings, time,
};
use agentlocator_proto::v1::BusinessEventKind;

/// The calendar's range when the request gives no `to`.
pub const DEFAULT_RANGE: chrono::Duration = chrono::Duration::days(7);

/// The city of a business that has not set its hours.
pub const DEFAULT_CITY: &str = "tel-aviv";

/// A business's settings, and whether they are its own (false: the defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredHours {
    pub settings: HoursSettings,
    pub configured: bool,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::Validation {
        field: "hours",
        message: message.into(),
    }
}

/// Parses and validates settings JSON as given by a client.
pub fn parse(json: &str) -> Result<(HoursSettings, Schedule)> {
    let settings: HoursSettings = serde_json::from_str(json)
        .map_err(|e| invalid(format!("not valid hours settings: {e}")))?;
    let schedule = settings.validate().map_err(|e| invalid(e.to_string()))?;
    Ok((settings, schedule))
}

pub async fn get(db: &Db, business_id: &BusinessId) -> Result<StoredHours> {
    let business_id = business_id.clone();
    db.run(move |conn| {
        if business::find(conn, &business_id)?.is_none() {
            return Err(Error::NotFound("business"));
        }
        Ok(match stored_settings(conn, &business_id)? {
            Some(settings) => StoredHours {
                settings,
                configured: true,
            },
            None => StoredHours {
                settings: HoursSettings::default_for(DEFAULT_CITY),
                configured: false,
            },
        })
    })
    .await
}

/// Validates and stores `json`; nothing is written when it is refused.
pub async fn put(db: &Db, business_id: &BusinessId, json: &str) -> Result<StoredHours> {
    let (settings, _) = parse(json)?;
    let canonical = serde_json::to_string(&settings).map_err(|e| Error::Internal(e.to_string()))?;
    let id = business_id.clone();
    db.transaction(move |conn| {
        let business_id = id;
        let b = business::find(conn, &business_id)?.ok_or(Error::NotFound("business"))?;
        queries::save(conn, &business_id, &canonical, time::now())?;
        // voice-svc answers calls from a copy of the hours, crm-svc's closure reply from
        // another: the change drops them.
        let numbers = b.twilio_number_list()?;
        outbox::enqueue(
            conn,
            &crate::businesses::event(&b, BusinessEventKind::Changed, numbers)?,
        )
    })
    .await?;
    db.poke_outbox();
    // This replica's copy goes now; the others' when the event arrives.
    db.hours_cache().forget(business_id.as_str());
    Ok(StoredHours {
        settings,
        configured: true,
    })
}

async fn schedule(db: &Db, business_id: &BusinessId) -> Result<Schedule> {
    let stored = get(db, business_id).await?;
    stored
        .settings
        .validate()
        .map_err(|e| Error::Internal(format!("stored hours of {business_id} invalid: {e}")))
}

fn compute_error(e: agentlocator_hours::ComputeError) -> Error {
    match e {
        agentlocator_hours::ComputeError::Range => Error::Validation {
            field: "to",
            message: e.to_string(),
        },
        other => Error::Internal(other.to_string()),
    }
}

/// Open intervals and closures between `from` and `to` (at most `MAX_RANGE_DAYS`).
pub async fn calendar(
    db: &Db,
    business_id: &BusinessId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HoursCalendar> {
    let schedule = schedule(db, business_id).await?;
    agentlocator_hours::compute(&schedule, from, to).map_err(compute_error)
}

/// When the business is open between `from` and `to`: what free-slot listing offers.
pub async fn open_intervals(
    db: &Db,
    business_id: &BusinessId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Interval>> {
    Ok(calendar(db, business_id, from, to).await?.open)
}

/// Whether the business is open at `at`, and if not why and until when (with the Hebrew sentence
/// to say to a customer).
pub async fn status(
    db: &Db,
    business_id: &BusinessId,
    at: DateTime<Utc>,
) -> Result<(Status, Option<String>)> {
    let schedule = schedule(db, business_id).await?;
    let status = agentlocator_hours::status_at(&schedule, at).map_err(compute_error)?;
    let message = agentlocator_hours::closed_message(&status, at);
    Ok((status, message))
}

/// The business's hours between `from` and `to` on the caller's connection: its own, or the
/// defaults while it has not set them — what the agent offers and books in.
pub fn calendar_on(
    conn: &mut DbConn,
    business_id: &BusinessId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HoursCalendar> {
    let schedule = match configured_schedule(conn, business_id)? {
        Some(schedule) => schedule,
        None => HoursSettings::default_for(DEFAULT_CITY)
            .validate()
            .map_err(|e| Error::Internal(format!("default hours invalid: {e}")))?,
    };
    agentlocator_hours::compute(&schedule, from, to).map_err(compute_error)
}

/// The settings JSON the business saved, `None` while it has not (what voice-svc decides from).
pub async fn saved_json(db: &Db, business_id: &BusinessId) -> Result<Option<String>> {
    let business_id = business_id.clone();
    db.run(move |conn| queries::settings_json(conn, &business_id))
        .await
}

/// The schedule the business set, `None` while it has not set its hours.
pub(crate) fn configured_schedule(
    conn: &mut DbConn,
    business_id: &BusinessId,
) -> Result<Option<Schedule>> {
    stored_settings(conn, business_id)?
        .map(|settings| {
            settings
                .validate()
                .map_err(|e| Error::Internal(format!("stored hours of {business_id} invalid: {e}")))
        })
        .transpose()
}

/// The settings the business saved, `None` while it has not.
fn stored_settings(conn: &mut DbConn, business_id: &BusinessId) -> Result<Option<HoursSettings>> {
    queries::settings_json(conn, business_id)?
        .map(|json| {
            serde_json::from_str(&json).map_err(|e| {
                Error::Internal(format!("stored hours of {business_id} unreadable: {e}"))
            })
        })
        .transpose()
}

/// Refuses a slot `[start, end)` that is not wholly inside one open interval of the hours the
/// business set, saying why in Hebrew ("…לרגל שבת"). A business that has not set its hours books
/// at any time. Runs on the caller's connection, inside its transaction.
pub fn check_slot(
    conn: &mut DbConn,
    business_id: &BusinessId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<()> {
    if end <= start {
        return Ok(()); // the appointment's own validation names this
    }
    let Some(schedule) = configured_schedule(conn, business_id)? else {
        return Ok(());
    };
    let cal = agentlocator_hours::compute(&schedule, start, end).map_err(compute_error)?;
    if cal.open.len() == 1 && cal.open[0].start == start && cal.open[0].end == end {
        return Ok(());
    }
    let reason = cal
        .closures
        .iter()
        .find(|c| c.start < end && c.end > start)
        .map(|c| format!("{} {}", strings::HOURS_CLOSED_FOR, c.name))
        .unwrap_or_else(|| strings::HOURS_OUTSIDE.to_owned());
    Err(Error::Validation {
        field: "starts_at",
        message: reason,
    })
}

/// The Shabbat and holiday closures overlapping `[from, to)` in the business's city (with its
/// candle-lighting and havdalah customs), whether or not the business closes for them: the times
/// nothing is sent to its customers (reminders go out before they begin).
pub fn rest_closures_on(
    conn: &mut DbConn,
    business_id: &BusinessId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<agentlocator_hours::Closure>> {
    let mut settings = stored_settings(conn, business_id)?
        .unwrap_or_else(|| HoursSettings::default_for(DEFAULT_CITY));
    settings.closed_on_shabbat_and_holidays = true;
    // One-off dates are the business's own closures or openings, not rest days.
    settings.exceptions.clear();
    let schedule = settings
        .validate()
        .map_err(|e| Error::Internal(format!("stored hours of {business_id} invalid: {e}")))?;
    let cal = agentlocator_hours::compute(&schedule, from, to).map_err(compute_error)?;
    Ok(cal
        .closures
        .into_iter()
        .filter(|c| {
            matches!(
                c.kind,
                agentlocator_hours::ClosureKind::Shabbat | agentlocator_hours::ClosureKind::Holiday
            )
        })
        .collect())
}
