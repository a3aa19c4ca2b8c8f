use crate::{
    db::DbConn,
    error::Result,
    ids::{AppointmentId, BusinessId, CustomerId},
    schema::appointments,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A calendar entry, optionally with a customer.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = appointments)]
pub struct Appointment {
    pub id: AppointmentId,
    pub business_id: BusinessId,
    pub customer_id: Option<CustomerId>,
    pub title: String,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub starts_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub ends_at: NaiveDateTime,
    pub notes: String,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
    /// When the customer confirmed it by replying to its reminder; cleared when it moves.
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub confirmed_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, appointment: &Appointment) -> Result<()> {
    diesel::insert_into(appointments::table)
        .values(appointment)
        .execute(conn)?;
    Ok(())
}

/// The appointment `id` of `business_id`; one of another business is `None`.
pub fn find(
    conn: &mut DbConn,
    business_id: &BusinessId,
    id: &AppointmentId,
) -> Result<Option<Appointment>> {
    Ok(appointments::table
        .filter(appointments::id.eq(id))
        .filter(appointments::business_id.eq(business_id))
        .select(Appointment::as_select())
        .first(conn)
        .optional()?)
}

/// The appointments of `business_id` overlapping `[from, to)` (`starts_at < to AND ends_at >
/// from`), optionally only those of `customer_id`, by start time (then id).
pub fn list_overlapping(
    conn: &mut DbConn,
    business_id: &BusinessId,
    from: NaiveDateTime,
    to: NaiveDateTime,
    customer_id: Option<&CustomerId>,
) -> Result<Vec<Appointment>> {
    let mut query = appointments::table
        .filter(appointments::business_id.eq(business_id))
        .filter(appointments::starts_at.lt(to))
        .filter(appointments::ends_at.gt(from))
        .into_boxed();
    if let Some(customer_id) = customer_id {
        query = query.filter(appointments::customer_id.eq(customer_id));
    }
    Ok(query
        .order((appointments::starts_at.asc(), appointments::id.asc()))
        .select(Appointment::as_select())
        .load(conn)?)
}

/// Writes the editable columns of `appointment` (matched by id and business).
pub fn save(conn: &mut DbConn, appointment: &Appointment) -> Result<usize> {
    Ok(diesel::update(
        appointments::table
            .filter(appointments::id.eq(&appointment.id))
            .filter(appointments::business_id.eq(&appointment.business_id)),
    )
    .set((
        appointments::customer_id.eq(&appointment.customer_id),
        appointments::title.eq(&appointment.title),
        appointments::starts_at.eq(appointment.starts_at),
        appointments::ends_at.eq(appointment.ends_at),
        appointments::notes.eq(&appointment.notes),
        appointments::updated_at.eq(appointment.updated_at),
        appointments::confirmed_at.eq(appointment.confirmed_at),
    ))
    .execute(conn)?)
}

/// Deletes the appointment `id` of `business_id`; returns how many rows went (0 or 1).
pub fn delete(conn: &mut DbConn, business_id: &BusinessId, id: &AppointmentId) -> Result<usize> {
    Ok(diesel::delete(
        appointments::table
            .filter(appointments::id.eq(id))
            .filter(appointments::business_id.eq(business_id)),
    )
    .execute(conn)?)
}

/// The appointments of a customer, latest start first.
pub fn list_by_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<Appointment>> {
    Ok(appointments::table
        .filter(appointments::business_id.eq(business_id))
        .filter(appointments::customer_id.eq(customer_id))
        .order((appointments::starts_at.desc(), appointments::id.desc()))
        .select(Appointment::as_select())
        .load(conn)?)
}
