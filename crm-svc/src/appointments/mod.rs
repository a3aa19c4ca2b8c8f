//! The calendar: appointments of a business, optionally with one of its customers, listed by
//! the date range they overlap. Every query is scoped to the caller's business.

pub mod convert;
pub mod queries;

pub use queries::Appointment;

use crate::{
    appointments::queries::{self as appointment},
    businesses::queries as business,
    customers::queries as customer,
    db::{Db, DbConn},
    error::{Error, Result},
    ids::{AppointmentId, BusinessId, CustomerId},
    text, time,
};
use chrono::{Duration, NaiveDateTime};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_NOTES_CHARS: usize = 10_000;
/// Widest range one list may ask for (a year and a bit: enough for any calendar view).
pub const MAX_RANGE_DAYS: i64 = 400;

/// An appointment to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppointment {
    pub title: String,
    pub starts_at: NaiveDateTime,
    /// Must be after `starts_at`.
    pub ends_at: NaiveDateTime,
    /// A customer of the same business.
    pub customer_id: Option<CustomerId>,
    pub notes: String,
}

/// A partial change: `None` leaves a field as it is; `customer_id: Some(None)` removes the
/// customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppointmentPatch {
    pub title: Option<String>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub customer_id: Option<Option<CustomerId>>,
    pub notes: Option<String>,
}

/// The appointments of `business_id` overlapping `[from, to)` — those starting before `to` and
/// ending after `from` — by start time, optionally only those of `customer_id`. `to` must be
/// after `from` and at most [`MAX_RANGE_DAYS`] later ([`Error::Validation`] on `to`).
pub async fn list(
    db: &Db,
    business_id: &BusinessId,
    from: NaiveDateTime,
    to: NaiveDateTime,
    customer_id: Option<CustomerId>,
) -> Result<Vec<Appointment>> {
    if to <= from {
        return Err(Error::validation("to", "must be after from"));
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(Error::validation(
            "to",
            format!("the range may span at most {MAX_RANGE_DAYS} days"),
        ));
    }
    let business_id = business_id.clone();
    db.run(move |conn| {
        appointment::list_overlapping(conn, &business_id, from, to, customer_id.as_ref())
    })
    .await
}

/// The appointment `id` of `business_id`.
pub async fn get(db: &Db, business_id: &BusinessId, id: &AppointmentId) -> Result<Appointment> {
    let (business_id, id) = (business_id.clone(), id.clone());
    db.run(move |conn| appointment::find(conn, &business_id, &id))
        .await?
        .ok_or(Error::NotFound("appointment"))
}

/// Creates an appointment: title required (at most 200 characters), `ends_at` after
/// `starts_at`, the customer (if any) of `business_id`.
pub async fn create(db: &Db, business_id: &BusinessId, new: NewAppointment) -> Result<Appointment> {
    let row = new_appointment(business_id, new)?;
    db.transaction(move |conn| {
        insert(conn, &row)?;
        Ok(row)
    })
    .await
}

/// The row of a new appointment of `business_id`, checked like [`create`] (but for its customer,
/// which [`insert`] checks).
pub fn new_appointment(business_id: &BusinessId, new: NewAppointment) -> Result<Appointment> {
    let now = time::now();
    let row = Appointment {
        id: AppointmentId::generate(),
        business_id: business_id.clone(),
        customer_id: new.customer_id,
        title: text::required_text("title", &new.title, MAX_TITLE_CHARS)?,
        starts_at: time::truncate_micros(new.starts_at),
        ends_at: time::truncate_micros(new.ends_at),
        notes: new.notes,
        created_at: now,
        updated_at: now,
        confirmed_at: None,
    };
    check(&row)?;
    Ok(row)
}

/// Inserts `row` (from [`new_appointment`]) on a connection inside a transaction, checking that
/// its business and customer exist.
pub fn insert(conn: &mut DbConn, row: &Appointment) -> Result<()> {
    if !business::exists(conn, &row.business_id)? {
        return Err(Error::NotFound("business"));
    }
    check_customer(conn, row)?;
    check_hours(conn, row)?;
    appointment::insert(conn, row)
}

/// Applies `patch` to the appointment `id` of `business_id`, validating the result like
/// [`create`].
pub async fn update(
    db: &Db,
    business_id: &BusinessId,
    id: &AppointmentId,
    patch: AppointmentPatch,
) -> Result<Appointment> {
    let title = patch
        .title
        .as_deref()
        .map(|t| text::required_text("title", t, MAX_TITLE_CHARS))
        .transpose()?;
    let (business_id, id) = (business_id.clone(), id.clone());
    db.transaction(move |conn| {
        let a =
            appointment::find(conn, &business_id, &id)?.ok_or(Error::NotFound("appointment"))?;
        apply(conn, a, patch, title)
    })
    .await
}

/// Applies `patch` (its title already checked, in `title`) to `a` and saves it, on a connection
/// inside a transaction; validated like [`create`].
pub fn apply(
    conn: &mut DbConn,
    mut a: Appointment,
    patch: AppointmentPatch,
    title: Option<String>,
) -> Result<Appointment> {
    if let Some(title) = title {
        a.title = title;
    }
    // Only a move is checked against the hours: renaming an appointment booked before the
    // hours changed must still work.
    let moved = (patch.starts_at.is_some() || patch.ends_at.is_some())
        && (patch.starts_at, patch.ends_at) != (Some(a.starts_at), Some(a.ends_at));
    if let Some(starts_at) = patch.starts_at {
        let starts_at = time::truncate_micros(starts_at);
        if starts_at != a.starts_at {
            // A confirmation was for the old time; the reminders of the new one ask again.
            a.confirmed_at = None;
        }
        a.starts_at = starts_at;
    }
    if let Some(ends_at) = patch.ends_at {
        a.ends_at = time::truncate_micros(ends_at);
    }
    if let Some(customer_id) = patch.customer_id {
        a.customer_id = customer_id;
    }
    if let Some(notes) = patch.notes {
        a.notes = notes;
    }
    a.updated_at = time::now();
    check(&a)?;
    check_customer(conn, &a)?;
    if moved {
        check_hours(conn, &a)?;
    }
    appointment::save(conn, &a)?;
    Ok(a)
}

/// Deletes the appointment `id` of `business_id`.
pub async fn delete(db: &Db, business_id: &BusinessId, id: &AppointmentId) -> Result<()> {
    let (business_id, id) = (business_id.clone(), id.clone());
    let deleted = db
        .transaction(move |conn| appointment::delete(conn, &business_id, &id))
        .await?;
    if deleted == 0 {
        return Err(Error::NotFound("appointment"));
    }
    Ok(())
}

fn check(a: &Appointment) -> Result<()> {
    if a.ends_at <= a.starts_at {
        return Err(Error::validation("ends_at", "must be after starts_at"));
    }
    text::max_text("notes", &a.notes, MAX_NOTES_CHARS)
}

/// A new or moved appointment must be within the business's opening hours (when it set them).
fn check_hours(conn: &mut DbConn, a: &Appointment) -> Result<()> {
    crate::hours::check_slot(
        conn,
        &a.business_id,
        time::to_utc(a.starts_at),
        time::to_utc(a.ends_at),
    )
}

fn check_customer(conn: &mut DbConn, a: &Appointment) -> Result<()> {
    if let Some(customer_id) = &a.customer_id
        && customer::find(conn, &a.business_id, customer_id)?.is_none()
    {
        return Err(Error::validation(
            "customer_id",
            "no such customer in this business",
        ));
    }
    Ok(())
}
