//! WhatsApp while the business is closed: one polite auto-reply per customer per closed period
//! (a Shabbat, a holiday, a night), saying why and when it reopens. Runs in the transaction that
//! stores the inbound message; the reply goes out through whatsapp-bridge as an
//! `agent.whatsapp_requested` event, like the agent's own messages.
//!
//! The validated hours come from the replica's [`super::cache::HoursCache`], not from the
//! database on every message.
//!
//! Only for a business that has saved its hours (the defaults would answer for businesses that
//! never asked to), and only for a message that is new: history a phone syncs after pairing is
//! not answered. A business whose WhatsApp agent is on has the agent answer instead.

use crate::{
    customers::queries as customer,
    db::DbConn,
    error::{Error, Result},
    outbox::queries as outbox,
    strings, time,
    whatsapp::WhatsAppMessage,
};
use agentlocator_proto::{
    new_event,
    v1::{AgentEvent, AgentEventKind, event::Payload},
};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};

/// A message older than this when it is stored gets no auto-reply.
pub const MAX_AGE: Duration = Duration::minutes(10);

/// Whether an inbound message stored at `now` and sent at `sent_at` may be answered.
pub fn is_recent(sent_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - sent_at <= MAX_AGE
}

/// The key of the closed period a message falls in: when the business reopens, else (nothing
/// open in the coming weeks) the end of the closure, else the message's day.
fn period_key(status: &agentlocator_hours::Status, at: DateTime<Utc>) -> NaiveDateTime {
    let key = status
        .back_at()
        .unwrap_or_else(|| at.date_naive().and_time(chrono::NaiveTime::MIN).and_utc());
    time::from_utc(key)
}

/// After `message` is stored: the auto-reply, when it is inbound, recent, from a customer, and
/// the business is closed at its time and has not answered this customer in this period yet.
pub fn after_inbound(
    conn: &mut DbConn,
    hours: &super::cache::HoursCache,
    message: &WhatsAppMessage,
) -> Result<()> {
    let Some(customer_id) = &message.customer_id else {
        return Ok(());
    };
    let at = time::to_utc(message.created_at);
    if message.direction != "inbound" || !is_recent(at, Utc::now()) {
        return Ok(());
    }
    let Some(schedule) = hours.get_or_load(&message.business_id, || {
        super::configured_schedule(conn, &message.business_id)
    })?
    else {
        return Ok(());
    };
    let status = agentlocator_hours::status_at(&schedule, at)
        .map_err(|e| Error::Internal(format!("hours of {}: {e}", message.business_id)))?;
    let Some(closed) = agentlocator_hours::closed_message(&status, at) else {
        return Ok(());
    };
    let period = period_key(&status, at);
    if !super::queries::record_closure_reply(conn, &message.business_id, customer_id, period)? {
        return Ok(()); // answered already in this period
    }
    let Some(c) = customer::find(conn, &message.business_id, customer_id)? else {
        return Ok(());
    };
    outbox::enqueue(
        conn,
        &new_event(
            message.business_id.as_str(),
            Payload::Agent(AgentEvent {
                kind: AgentEventKind::WhatsappRequested as i32,
                action_id: format!("closure-{}", message.id),
                customer_id: customer_id.to_string(),
                to_number: c.phone,
                text: strings::closure_auto_reply(&closed),
            }),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_new_messages_are_answered() {
        let now = Utc::now();
        assert!(is_recent(now, now));
        assert!(is_recent(now - MAX_AGE, now));
        assert!(!is_recent(now - MAX_AGE - Duration::seconds(1), now));
    }
}
