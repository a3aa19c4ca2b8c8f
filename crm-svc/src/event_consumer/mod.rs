//! The CRM's event consumer: calls and WhatsApp messages reported by other services become rows
//! attached to customers, filed into their inbox conversations in the same transaction.
//!
//! Each delivery is applied in ONE transaction that also records the event id in
//! `processed_events`, so a redelivered event is recognised and skipped; the delivery is acked
//! only after the commit. A transient failure (database unreachable, lock timeout) naks for
//! redelivery after a short delay; an event that can never be applied (no call SID, unknown
//! business, a NUL character in a text, which PostgreSQL cannot store) is logged and acked so it
//! does not loop.

pub mod queries;

use crate::{
    businesses::queries as business,
    calls,
    calls::Call,
    calls::queries as call,
    conversations, customers,
    customers::Customer,
    customers::queries as customer,
    db::{Db, DbConn},
    enums::{CustomerSource, CustomerStatus, TranscriptStatus},
    error::{Error, Result},
    event_consumer::queries as processed_event,
    hours::cache::HoursCache,
    ids::{BusinessId, CallId, CustomerId, WhatsAppMessageId},
    strings, time,
    whatsapp::WhatsAppMessage,
    whatsapp::queries as whatsapp_message,
};
use agentlocator_common::{
    bus::{BusError, ConsumerSpec, Delivery, SharedBus},
    phone::{format_il_local, normalize_il},
};
use agentlocator_proto::{
    Event, from_timestamp,
    v1::{CallEvent, CallEventKind, WhatsAppEvent, WhatsAppEventKind, event::Payload},
};
use chrono::NaiveDateTime;
use futures::StreamExt;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Durable consumer name on the bus, and the `consumer` of its `processed_events` rows.
pub const CONSUMER_NAME: &str = "crm-svc";
/// Wait before a transiently failed event is delivered again.
const RETRY_DELAY: Duration = Duration::from_secs(2);

/// What handling one event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Its effect was committed.
    Applied,
    /// It had been applied before; nothing changed.
    Duplicate,
    /// Not an event this consumer acts on.
    Ignored,
    /// It can never be applied; logged and dropped.
    Poison,
    /// Applying it failed for now; it will be delivered again.
    Retry,
}

/// Consumes every event (`>`) as [`CONSUMER_NAME`] until `shutdown` is cancelled; the delivery
/// being handled when that happens is finished first. Returns an error when the subscription
/// cannot be made or the bus closes the stream before shutdown.
pub async fn run(db: Db, bus: SharedBus, shutdown: CancellationToken) -> Result<()> {
    let mut deliveries = bus.subscribe(ConsumerSpec::new(CONSUMER_NAME, ">")).await?;
    tracing::info!(consumer = CONSUMER_NAME, "event consumer started");
    loop {
        let next = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            next = deliveries.next() => next,
        };
        match next {
            Some(Ok(delivery)) => {
                let span = delivery.span(CONSUMER_NAME);
                handle_delivery(&db, delivery).instrument(span).await;
            }
            Some(Err(e)) => {
                tracing::warn!(consumer = CONSUMER_NAME, error = %e, "receiving events failed");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(RETRY_DELAY) => {}
                }
            }
            None if shutdown.is_cancelled() => break,
            None => return Err(Error::Bus(BusError::Closed)),
        }
    }
    tracing::info!(consumer = CONSUMER_NAME, "event consumer stopped");
    Ok(())
}

/// Applies one delivery and settles it: ack after the commit (or for a duplicate, an ignored or
/// a poison event), nak with a delay on a transient failure.
pub async fn handle_delivery(db: &Db, delivery: Delivery) -> Outcome {
    if !handles(&delivery.event) {
        // No transaction (and no SQLite write lock) for the events we do not act on.
        if let Err(e) = delivery.ack().await {
            tracing::warn!(consumer = CONSUMER_NAME, error = %e, "ack failed");
        }
        return Outcome::Ignored;
    }
    let event = delivery.event.clone();
    let event_id = event.id.clone();
    let subject = delivery.subject.clone();
    let hours = db.hours_cache().clone();
    let outcome = match db
        .transaction(move |conn| apply_with(conn, &hours, &event))
        .await
    {
        Ok(outcome) => outcome,
        Err(e) if !e.is_transient() => {
            tracing::error!(
                consumer = CONSUMER_NAME, event_id, subject, error = %e,
                "dropping an event that cannot be applied"
            );
            Outcome::Poison
        }
        Err(e) => {
            tracing::warn!(
                consumer = CONSUMER_NAME, event_id, subject, error = %e,
                delivery_count = delivery.delivery_count, "applying an event failed; will retry"
            );
            delivery.nak(Some(RETRY_DELAY));
            return Outcome::Retry;
        }
    };
    if outcome == Outcome::Applied {
        // A customer created from a call or message has its `customer.created` in the outbox;
        // a new message may be a burst for the WhatsApp agent.
        db.poke_outbox();
        db.poke_agent();
    }
    if let Err(e) = delivery.ack().await {
        // The effect is committed; a redelivery is recognised as a duplicate.
        tracing::warn!(consumer = CONSUMER_NAME, event_id, error = %e, "ack failed");
    }
    outcome
}

/// Whether this consumer acts on `event` (`call.*` and `whatsapp.*`).
pub fn handles(event: &Event) -> bool {
    matches!(
        event.payload,
        Some(Payload::Call(_)) | Some(Payload::Whatsapp(_))
    )
}

/// Applies `event` on `conn`, which is inside a transaction, reading every business's hours
/// from the database.
pub fn apply(conn: &mut DbConn, event: &Event) -> Result<Outcome> {
    apply_with(conn, &HoursCache::uncached(), event)
}

/// [`apply`] with the businesses' hours from `hours`.
pub fn apply_with(conn: &mut DbConn, hours: &HoursCache, event: &Event) -> Result<Outcome> {
    if !handles(event) {
        return Ok(Outcome::Ignored);
    }
    if event.id.trim().is_empty() {
        return Err(Error::BadEvent("event without an id".into()));
    }
    if let Some(field) = field_with_nul(event) {
        return Err(Error::BadEvent(format!("{field} contains a NUL character")));
    }
    if !processed_event::record(conn, CONSUMER_NAME, &event.id)? {
        return Ok(Outcome::Duplicate);
    }
    let business_id = BusinessId::from(event.business_id.as_str());
    if !business::exists(conn, &business_id)? {
        return Err(Error::BadEvent(format!(
            "unknown business {:?}",
            event.business_id
        )));
    }
    let occurred_at = event
        .occurred_at
        .as_ref()
        .and_then(from_timestamp)
        .map(time::from_utc)
        .unwrap_or_else(time::now);
    match &event.payload {
        Some(Payload::Call(c)) => apply_call(conn, &business_id, occurred_at, c)?,
        Some(Payload::Whatsapp(w)) => apply_whatsapp(conn, hours, &business_id, occurred_at, w)?,
        _ => unreachable!("checked above"),
    }
    Ok(Outcome::Applied)
}

/// The first text of `event` holding a NUL character. PostgreSQL refuses such text with an error
/// that looks transient; on the bus it is poison (the producers strip NUL before publishing).
fn field_with_nul(event: &Event) -> Option<&'static str> {
    let texts: &[(&'static str, &str)] = match &event.payload {
        Some(Payload::Call(c)) => &[
            ("call_sid", &c.call_sid),
            ("direction", &c.direction),
            ("from_number", &c.from_number),
            ("to_number", &c.to_number),
            ("status", &c.status),
            ("recording_url", &c.recording_url),
            ("transcript", &c.transcript),
            ("ai_reply", &c.ai_reply),
            ("customer_id", &c.customer_id),
        ],
        Some(Payload::Whatsapp(w)) => &[
            ("provider_message_id", &w.provider_message_id),
            ("direction", &w.direction),
            ("from_number", &w.from_number),
            ("to_number", &w.to_number),
            ("body", &w.body),
            ("status", &w.status),
            ("customer_id", &w.customer_id),
            ("agent_action_id", &w.agent_action_id),
        ],
        _ => &[],
    };
    [
        ("id", event.id.as_str()),
        ("business_id", &event.business_id),
    ]
    .iter()
    .chain(texts)
    .find(|(_, text)| text.contains('\0'))
    .map(|(field, _)| *field)
}

/// Creates the call on first sight (whatever the kind: events may arrive out of order) and
/// records what the event adds.
fn apply_call(
    conn: &mut DbConn,
    business_id: &BusinessId,
    occurred_at: NaiveDateTime,
    c: &CallEvent,
) -> Result<()> {
    let kind = c.kind();
    if kind == CallEventKind::Unspecified {
        return Err(Error::BadEvent("call event without a kind".into()));
    }
    let sid = c.call_sid.trim();
    if sid.is_empty() {
        return Err(Error::BadEvent("call event without a call SID".into()));
    }
    let now = time::now();
    let (mut call, created) = match call::find_by_sid(conn, sid)? {
        Some(existing) if &existing.business_id != business_id => {
            return Err(Error::BadEvent(format!(
                "call {sid} belongs to another business"
            )));
        }
        Some(existing) => (existing, false),
        None => {
            let direction = non_empty_or(&c.direction, "inbound");
            let counterpart = if direction.starts_with("outbound") {
                &c.to_number
            } else {
                &c.from_number
            };
            let customer_id = resolve_customer(
                conn,
                business_id,
                &c.customer_id,
                counterpart,
                CustomerSource::Call,
            )?;
            let call = Call {
                id: CallId::generate(),
                business_id: business_id.clone(),
                twilio_sid: sid.to_owned(),
                customer_id,
                direction,
                from_number: c.from_number.clone(),
                to_number: c.to_number.clone(),
                status: non_empty_or(&c.status, "ringing"),
                started_at: occurred_at,
                ended_at: None,
                duration_seconds: 0,
                recording_url: None,
                transcript: None,
                transcript_status: TranscriptStatus::None,
                ai_replies: "[]".into(),
                created_at: now,
                updated_at: now,
            };
            call::insert(conn, &call)?;
            (call, true)
        }
    };
    let before = call.clone();
    // A late `started` must not undo the status a later event already set.
    if !c.status.is_empty() && (created || kind != CallEventKind::Started) {
        call.status = c.status.clone();
    }
    if c.duration_seconds > 0 {
        call.duration_seconds = c.duration_seconds;
    }
    if !c.recording_url.is_empty() {
        call.recording_url = Some(c.recording_url.clone());
    }
    match kind {
        CallEventKind::Recorded if call.transcript_status == TranscriptStatus::None => {
            call.transcript_status = TranscriptStatus::Pending;
        }
        // A turn that could not be transcribed fails the call's transcript only when no
        // earlier turn was transcribed.
        CallEventKind::Transcribed
            if c.transcript.trim().is_empty() && call.transcript.is_none() =>
        {
            call.transcript_status = TranscriptStatus::Failed;
        }
        CallEventKind::Transcribed if c.transcript.trim().is_empty() => {}
        CallEventKind::Transcribed => {
            // One transcript per caller turn, appended in the order the turns arrive.
            call.transcript = Some(match call.transcript.as_deref() {
                Some(earlier) if !earlier.trim().is_empty() => {
                    format!("{earlier}\n{}", c.transcript.trim())
                }
                _ => c.transcript.trim().to_owned(),
            });
            call.transcript_status = TranscriptStatus::Done;
        }
        CallEventKind::Answered if !c.ai_reply.is_empty() => {
            call.push_ai_reply(&c.ai_reply)?;
            calls::append_turn(conn, &call, &c.transcript, &c.ai_reply)?;
        }
        CallEventKind::Completed => call.ended_at = Some(occurred_at),
        _ => {}
    }
    if call != before {
        call.updated_at = now;
        call::update(conn, &call)?;
    }
    if created || call != before {
        conversations::record_call(conn, &call, occurred_at)?;
    }
    let message = matches!(kind, CallEventKind::Recorded)
        || (kind == CallEventKind::Transcribed && !c.transcript.trim().is_empty());
    if message {
        let due_at = c
            .message_due_at
            .as_ref()
            .and_then(from_timestamp)
            .map(time::from_utc);
        if let Some(task) = calls::record_message(conn, &call, due_at)? {
            tracing::info!(call_sid = sid, task_id = %task.id, "message left while closed: task created");
        }
    }
    if c.needs_follow_up {
        calls::mark_follow_up(conn, &call, &c.transcript)?;
    }
    if kind == CallEventKind::Completed {
        if let Some(task) = calls::create_follow_up_task(conn, &call)? {
            tracing::info!(call_sid = sid, task_id = %task.id, "follow-up task created");
        }
        // The summariser (`call_summarizer`) makes it; once per call.
        calls::summary::request(conn, &call)?;
    }
    Ok(())
}

fn apply_whatsapp(
    conn: &mut DbConn,
    hours: &HoursCache,
    business_id: &BusinessId,
    occurred_at: NaiveDateTime,
    w: &WhatsAppEvent,
) -> Result<()> {
    let pid = w.provider_message_id.trim();
    if pid.is_empty() {
        return Err(Error::BadEvent(
            "WhatsApp event without a provider message id".into(),
        ));
    }
    let (default_direction, default_status) = match w.kind() {
        WhatsAppEventKind::Received => ("inbound", "received"),
        WhatsAppEventKind::Sent => ("outbound", "sent"),
        WhatsAppEventKind::Status => {
            let status = w.status.trim();
            if status.is_empty() {
                return Err(Error::BadEvent(
                    "WhatsApp status event without a status".into(),
                ));
            }
            if whatsapp_message::update_status(conn, business_id, pid, status)? == 0 {
                tracing::debug!(
                    provider_message_id = pid,
                    "status of an unknown WhatsApp message"
                );
            }
            return Ok(());
        }
        WhatsAppEventKind::Unspecified => {
            return Err(Error::BadEvent("WhatsApp event without a kind".into()));
        }
    };
    if !w.agent_action_id.trim().is_empty() {
        // Whichever of the send and its echo is stored first, the message is the agent's.
        crate::agent::queries::record_sent_by_agent(
            conn,
            business_id,
            pid,
            w.agent_action_id.trim(),
        )?;
    }
    if let Some(existing) = whatsapp_message::find_by_provider_id(conn, business_id, pid)? {
        // Already stored (e.g. by an earlier event with another id): only a newer status matters.
        if !w.status.is_empty() && w.status != existing.status {
            whatsapp_message::update_status(conn, business_id, pid, &w.status)?;
        }
        return Ok(());
    }
    let direction = non_empty_or(&w.direction, default_direction);
    let counterpart = if direction == "outbound" {
        &w.to_number
    } else {
        &w.from_number
    };
    let customer_id = resolve_customer(
        conn,
        business_id,
        &w.customer_id,
        counterpart,
        CustomerSource::Whatsapp,
    )?;
    let now = time::now();
    let message = WhatsAppMessage {
        id: WhatsAppMessageId::generate(),
        business_id: business_id.clone(),
        provider_message_id: pid.to_owned(),
        customer_id,
        direction,
        from_number: w.from_number.clone(),
        to_number: w.to_number.clone(),
        body: w.body.clone(),
        status: non_empty_or(&w.status, default_status),
        created_at: occurred_at,
        updated_at: now,
    };
    whatsapp_message::insert(conn, &message)?;
    conversations::record_whatsapp(conn, &message)?;
    // First: an answer to an appointment reminder ("1", "לא", "הסר") is consumed here, and then
    // nothing else (the closed-hours auto-reply, the agent) answers it.
    if crate::reminders::reply::handle_inbound(conn, &message, chrono::Utc::now())?.is_consumed() {
        return Ok(());
    }
    // The business's agent answers (also while closed); else the closed hours' auto-reply.
    if crate::agent::whatsapp::after_inbound(conn, &message)? {
        return Ok(());
    }
    crate::hours::closure_reply::after_inbound(conn, hours, &message)
}

/// The customer an event is about: the one it names if that exists in the business, else the
/// one with the counterpart's phone, else a new `lead` (with its `customer.created` event).
/// A number that is not Israeli cannot be a customer's phone: the row is kept without one.
pub(crate) fn resolve_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    named: &str,
    number: &str,
    source: CustomerSource,
) -> Result<Option<CustomerId>> {
    if !named.trim().is_empty() {
        let id = CustomerId::from(named.trim());
        if customer::find(conn, business_id, &id)?.is_some() {
            return Ok(Some(id));
        }
        tracing::warn!(
            customer_id = named,
            "event names an unknown customer; matching by phone"
        );
    }
    let e164 = match normalize_il(number) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(number, error = %e, "not an Israeli number; stored without a customer");
            return Ok(None);
        }
    };
    if let Some(existing) = customer::find_by_phone(conn, business_id, &e164)? {
        return Ok(Some(existing.id));
    }
    let now = time::now();
    let local = format_il_local(&e164).unwrap_or_else(|| e164.clone());
    let lead = Customer {
        id: CustomerId::generate(),
        business_id: business_id.clone(),
        name: strings::new_lead_name(&local),
        phone: e164,
        email: None,
        status: CustomerStatus::Lead,
        source,
        notes: String::new(),
        created_at: now,
        updated_at: now,
    };
    customers::insert_with_event(conn, &lead)?;
    tracing::info!(customer_id = %lead.id, source = %source, "new lead created");
    Ok(Some(lead.id))
}

fn non_empty_or(value: &str, default: &str) -> String {
    let v = value.trim();
    if v.is_empty() { default } else { v }.to_owned()
}
