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
}

pub fn insert(conn: &mut DbConn, appointment: &Appointment) -> Result<()> {
    diesel::insert_into(appointments::table)
        .values(appointment)
        .execute(conn)?;
    Ok(())
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
