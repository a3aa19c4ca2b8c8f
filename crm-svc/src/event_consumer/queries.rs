use crate::{
    db::{DbConn, with_backend},
    error::Result,
    schema::processed_events,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// That consumer `consumer` has applied event `event_id`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = processed_events)]
pub struct ProcessedEvent {
    pub consumer: String,
    pub event_id: String,
    pub processed_at: NaiveDateTime,
}

/// Records that `consumer` applies `event_id` now; `false` when it already had (a duplicate).
/// `INSERT … ON CONFLICT DO NOTHING`, so a duplicate does not abort the surrounding PostgreSQL
/// transaction the way a failed insert would.
pub fn record(conn: &mut DbConn, consumer: &str, event_id: &str) -> Result<bool> {
    let row = ProcessedEvent {
        consumer: consumer.to_owned(),
        event_id: event_id.to_owned(),
        processed_at: time::now(),
    };
    let inserted = with_backend!(conn, |c| diesel::insert_into(processed_events::table)
        .values(&row)
        .on_conflict_do_nothing()
        .execute(c)?);
    Ok(inserted == 1)
}

pub fn count(conn: &mut DbConn, consumer: &str) -> Result<i64> {
    Ok(processed_events::table
        .filter(processed_events::consumer.eq(consumer))
        .count()
        .get_result(conn)?)
}
