use crate::{
    db::DbConn,
    enums::TranscriptStatus,
    error::{Error, Result},
    ids::{BusinessId, CallId, CustomerId},
    schema::calls,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A phone call through one of the business's Twilio numbers, with its recording, transcript and
/// the AI's replies (turn by turn).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = calls, treat_none_as_null = true)]
pub struct Call {
    pub id: CallId,
    pub business_id: BusinessId,
    pub twilio_sid: String,
    pub customer_id: Option<CustomerId>,
    /// `inbound` or `outbound` (as Twilio says it).
    pub direction: String,
    pub from_number: String,
    pub to_number: String,
    /// Twilio's call status (`ringing`, `in-progress`, `completed`, …).
    pub status: String,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub started_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub ended_at: Option<NaiveDateTime>,
    pub duration_seconds: i32,
    pub recording_url: Option<String>,
    pub transcript: Option<String>,
    pub transcript_status: TranscriptStatus,
    /// JSON `["…", …]`: what the assistant answered, in order.
    #[serde(serialize_with = "crate::text::json_text")]
    pub ai_replies: String,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

impl Call {
    /// Appends `reply` to [`Call::ai_replies`].
    pub fn push_ai_reply(&mut self, reply: &str) -> Result<()> {
        let mut replies: Vec<String> = serde_json::from_str(&self.ai_replies).map_err(|e| {
            Error::Internal(format!("call {} has malformed ai_replies: {e}", self.id))
        })?;
        replies.push(reply.to_owned());
        self.ai_replies = serde_json::to_string(&replies)
            .map_err(|e| Error::Internal(format!("cannot encode ai_replies: {e}")))?;
        Ok(())
    }
}

pub fn insert(conn: &mut DbConn, call: &Call) -> Result<()> {
    diesel::insert_into(calls::table)
        .values(call)
        .execute(conn)?;
    Ok(())
}

/// Writes every column of `call` (by id).
pub fn update(conn: &mut DbConn, call: &Call) -> Result<()> {
    diesel::update(calls::table.find(&call.id))
        .set(call)
        .execute(conn)?;
    Ok(())
}

/// The call with Twilio's `CallSid` (unique across businesses).
pub fn find_by_sid(conn: &mut DbConn, twilio_sid: &str) -> Result<Option<Call>> {
    Ok(calls::table
        .filter(calls::twilio_sid.eq(twilio_sid))
        .select(Call::as_select())
        .first(conn)
        .optional()?)
}

/// The call `id` of `business_id`; another business's is `None`.
pub fn find(conn: &mut DbConn, business_id: &BusinessId, id: &CallId) -> Result<Option<Call>> {
    Ok(calls::table
        .filter(calls::id.eq(id))
        .filter(calls::business_id.eq(business_id))
        .select(Call::as_select())
        .first(conn)
        .optional()?)
}

/// The calls of a customer, newest first.
pub fn list_by_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<Call>> {
    Ok(calls::table
        .filter(calls::business_id.eq(business_id))
        .filter(calls::customer_id.eq(customer_id))
        .order((calls::started_at.desc(), calls::id.desc()))
        .select(Call::as_select())
        .load(conn)?)
}
