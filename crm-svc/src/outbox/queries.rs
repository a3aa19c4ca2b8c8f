use crate::{
    db::DbConn,
    error::{Error, Result},
    schema::outbox,
    time,
};
use agentlocator_proto::Event;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use prost::Message;
use serde::Serialize;

/// An event waiting to be published (or already published, with `published_at`).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    /// The event's id.
    pub id: String,
    /// The full subject, `al.<business_id>.<entity>.<what>`.
    pub subject: String,
    /// The protobuf-encoded [`Event`].
    #[serde(skip)]
    pub payload: Vec<u8>,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub published_at: Option<NaiveDateTime>,
}

impl OutboxRow {
    /// The row announcing `event`. Fails for an event without a valid subject.
    pub fn for_event(event: &Event) -> Result<OutboxRow> {
        let subject = agentlocator_proto::subject_for(event)
            .map_err(|e| Error::Internal(format!("cannot enqueue event {}: {e}", event.id)))?;
        Ok(OutboxRow {
            id: event.id.clone(),
            subject,
            payload: event.encode_to_vec(),
            created_at: time::now(),
            published_at: None,
        })
    }

    pub fn decode(&self) -> Result<Event> {
        Event::decode(self.payload.as_slice())
            .map_err(|e| Error::BadEvent(format!("outbox row {} does not decode: {e}", self.id)))
    }
}

/// Adds `event` to the outbox; call it inside the transaction of the change it announces.
pub fn enqueue(conn: &mut DbConn, event: &Event) -> Result<()> {
    diesel::insert_into(outbox::table)
        .values(OutboxRow::for_event(event)?)
        .execute(conn)?;
    Ok(())
}

/// Up to `limit` unpublished rows, oldest first.
pub fn unpublished(conn: &mut DbConn, limit: i64) -> Result<Vec<OutboxRow>> {
    Ok(outbox::table
        .filter(outbox::published_at.is_null())
        .order((outbox::created_at.asc(), outbox::id.asc()))
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// Marks the rows `ids` published at `at` (rows already marked keep their first time).
pub fn mark_published(conn: &mut DbConn, ids: &[String], at: NaiveDateTime) -> Result<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::published_at.is_null()),
    )
    .set(outbox::published_at.eq(at))
    .execute(conn)?)
}

/// Every row, oldest first (tests and admin tools).
pub fn all(conn: &mut DbConn) -> Result<Vec<OutboxRow>> {
    Ok(outbox::table
        .order((outbox::created_at.asc(), outbox::id.asc()))
        .select(OutboxRow::as_select())
        .load(conn)?)
}
