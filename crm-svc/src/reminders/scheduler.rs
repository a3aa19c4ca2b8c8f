//! The reminder scheduler: every [`POLL_INTERVAL`] it sends the reminders that came due and the
//! scheduled messages whose time came, each exactly once, even with several crm-svc replicas and
//! across restarts.
//!
//! Reminders are not claimed rows but rows *created* when they are sent: `appointment_reminders`
//! has one row per (appointment, lead time, start time), unique, inserted in the transaction that
//! writes the send's outbox event. A second scheduler inserting the same row waits for the first
//! transaction (PostgreSQL's unique index; SQLite's `BEGIN IMMEDIATE` write lock) and then
//! inserts nothing, so it sends nothing. Moving an appointment changes its start time and so plans
//! new reminders; a cancelled (deleted) appointment has none; a past one is not looked at.
//!
//! A reminder is due at its lead time before the appointment, or — when that falls in Shabbat or
//! a holiday in the business's city — [`super::BEFORE_CLOSURE`] before the closure begins; and
//! nothing is sent while Shabbat or a holiday lasts (what came due then waits for its end). When
//! several of an appointment's reminders are due at once (an appointment booked late, a
//! scheduler that was down), only the closest to the appointment is sent and the others are
//! recorded as skipped: a customer gets one message, not a burst.
//!
//! Scheduled messages are claimed like tasks in `task_scheduler` (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, the write lock on SQLite) and marked sent in the transaction of their event.

use super::{
    MAX_SHIFT, ReminderSettings, ReminderValues,
    queries::{self as q, Reminder, ScheduledMessage},
    render, send_time,
};
use crate::{
    appointments::Appointment,
    businesses::queries as business,
    customers::queries::{self as customer, Customer},
    db::{Db, DbConn, write_transaction},
    error::Result,
    ids::{BusinessId, CustomerId},
    outbox::queries as outbox,
    schema::{appointments, scheduled_messages},
    time,
};
use agentlocator_proto::{
    new_event,
    v1::{AgentEvent, AgentEventKind, event::Payload},
};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};
use tokio_util::sync::CancellationToken;

/// How often the scheduler looks for due reminders and messages.
pub const POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);
/// Scheduled messages sent per transaction.
pub const BATCH: i64 = 200;

/// What one pass sent.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Pass {
    pub reminders: Vec<Reminder>,
    pub scheduled: Vec<ScheduledMessage>,
}

/// One pass at `now`: the due reminders of every business with reminders on, then the due
/// scheduled messages.
pub async fn run_due(db: &Db, now: DateTime<Utc>) -> Result<Pass> {
    let reminders = db
        .run(move |conn| write_transaction(conn, |conn| send_due_reminders(conn, now)))
        .await?;
    let scheduled = db
        .run(move |conn| write_transaction(conn, |conn| send_due_scheduled(conn, now)))
        .await?;
    if !reminders.is_empty() || !scheduled.is_empty() {
        db.poke_outbox();
    }
    Ok(Pass {
        reminders,
        scheduled,
    })
}

/// The send request of a reminder or a scheduled message: whatsapp-bridge's consumer delivers it,
/// keyed by `action_id`.
pub(crate) fn send_request(
    business_id: &BusinessId,
    action_id: String,
    customer_id: &CustomerId,
    to_number: &str,
    text: &str,
) -> agentlocator_proto::Event {
    new_event(
        business_id.as_str(),
        Payload::Agent(AgentEvent {
            kind: AgentEventKind::WhatsappRequested as i32,
            action_id,
            customer_id: customer_id.to_string(),
            to_number: to_number.to_owned(),
            text: text.to_owned(),
        }),
    )
}

/// The action id of reminder `id` (whatsapp-bridge's idempotency key is made from it).
pub fn reminder_action(id: &str) -> String {
    format!("reminder-{id}")
}

/// The action id of scheduled message `id`.
pub fn scheduled_action(id: &str) -> String {
    format!("scheduled-{id}")
}

fn send_due_reminders(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Vec<Reminder>> {
    let mut sent = Vec::new();
    for (business_id, settings) in q::enabled_settings(conn)? {
        sent.extend(business_reminders(conn, &business_id, &settings, now)?);
    }
    Ok(sent)
}

/// The appointments of `business_id` with a customer starting after `now` and early enough that
/// one of their reminders may be due.
fn upcoming(
    conn: &mut DbConn,
    business_id: &BusinessId,
    now: DateTime<Utc>,
    horizon: DateTime<Utc>,
) -> Result<Vec<Appointment>> {
    Ok(appointments::table
        .filter(appointments::business_id.eq(business_id))
        .filter(appointments::starts_at.gt(time::from_utc(now)))
        .filter(appointments::starts_at.le(time::from_utc(horizon)))
        .filter(appointments::customer_id.is_not_null())
        .order((appointments::starts_at.asc(), appointments::id.asc()))
        .select(Appointment::as_select())
        .load(conn)?)
}

fn business_reminders(
    conn: &mut DbConn,
    business_id: &BusinessId,
    settings: &ReminderSettings,
    now: DateTime<Utc>,
) -> Result<Vec<Reminder>> {
    let Some(max_lead) = settings.lead_minutes.iter().max().copied() else {
        return Ok(Vec::new());
    };
    let Some(biz) = business::find(conn, business_id)? else {
        return Ok(Vec::new());
    };
    if !biz.whatsapp_enabled {
        return Ok(Vec::new());
    }
    let horizon = now + Duration::minutes(i64::from(max_lead)) + MAX_SHIFT;
    let list = upcoming(conn, business_id, now, horizon)?;
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<_> = list.iter().map(|a| (a.id.clone(), a.starts_at)).collect();
    let recorded: HashSet<_> = q::recorded(conn, &keys)?.into_iter().collect();
    let customer_ids: Vec<CustomerId> = list.iter().filter_map(|a| a.customer_id.clone()).collect();
    let opted_out: HashSet<CustomerId> = q::opted_out(conn, business_id, &customer_ids)?
        .into_iter()
        .collect();
    let closures = crate::hours::rest_closures_on(conn, business_id, now, horizon)?;
    if closures.iter().any(|c| c.start <= now && now < c.end) {
        // Nothing goes out during Shabbat or a holiday; what came due waits for its end.
        return Ok(Vec::new());
    }
    let mut customers: HashMap<CustomerId, Option<Customer>> = HashMap::new();
    let mut sent = Vec::new();
    for a in &list {
        let Some(customer_id) = &a.customer_id else {
            continue;
        };
        if opted_out.contains(customer_id) {
            continue;
        }
        let starts_at = time::to_utc(a.starts_at);
        let due: Vec<i32> = settings
            .lead_minutes
            .iter()
            .copied()
            .filter(|lead| {
                send_time(starts_at - Duration::minutes(i64::from(*lead)), &closures) <= now
            })
            .collect();
        let Some(closest) = due.iter().min().copied() else {
            continue;
        };
        if due
            .iter()
            .all(|lead| recorded.contains(&(a.id.clone(), *lead)))
        {
            continue;
        }
        if !customers.contains_key(customer_id) {
            let c = customer::find(conn, business_id, customer_id)?;
            customers.insert(customer_id.clone(), c);
        }
        let Some(c) = customers.get(customer_id).and_then(Option::as_ref) else {
            continue;
        };
        if c.phone.trim().is_empty() {
            continue;
        }
        let values = ReminderValues::new(&c.name, starts_at, &biz.address, &biz.name);
        let body = render(&settings.template, &values);
        for lead in due {
            if recorded.contains(&(a.id.clone(), lead)) {
                continue;
            }
            let row = Reminder {
                id: uuid::Uuid::now_v7().to_string(),
                business_id: business_id.clone(),
                appointment_id: a.id.clone(),
                customer_id: customer_id.clone(),
                lead_minutes: lead,
                appointment_starts_at: a.starts_at,
                sent: lead == closest,
                to_number: c.phone.clone(),
                body: body.clone(),
                created_at: time::from_utc(now),
                reply: None,
                replied_at: None,
            };
            if !q::insert_reminder(conn, &row)? || !row.sent {
                continue; // another scheduler sent it, or a closer one goes instead
            }
            outbox::enqueue(
                conn,
                &send_request(
                    business_id,
                    reminder_action(&row.id),
                    customer_id,
                    &row.to_number,
                    &row.body,
                ),
            )?;
            sent.push(row);
        }
    }
    Ok(sent)
}

/// The ids of pending scheduled messages due at `now` (a macro: finished per backend).
macro_rules! due_scheduled {
    ($now:expr) => {
        scheduled_messages::table
            .filter(scheduled_messages::status.eq("pending"))
            .filter(scheduled_messages::send_at.le($now))
            .select(scheduled_messages::id)
            .order((
                scheduled_messages::send_at.asc(),
                scheduled_messages::id.asc(),
            ))
            .limit(BATCH)
    };
}

fn send_due_scheduled(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Vec<ScheduledMessage>> {
    let at = time::from_utc(now);
    let ids: Vec<String> = match conn {
        DbConn::Postgres(pg) => due_scheduled!(at).for_update().skip_locked().load(pg)?,
        DbConn::Sqlite(sqlite) => due_scheduled!(at).load(sqlite)?,
    };
    let rows: Vec<ScheduledMessage> = scheduled_messages::table
        .filter(scheduled_messages::id.eq_any(&ids))
        .filter(scheduled_messages::status.eq("pending"))
        .order((
            scheduled_messages::send_at.asc(),
            scheduled_messages::id.asc(),
        ))
        .select(ScheduledMessage::as_select())
        .load(conn)?;
    let mut sent = Vec::new();
    for mut m in rows {
        let phone = customer::find(conn, &m.business_id, &m.customer_id)?
            .map(|c| c.phone)
            .filter(|p| !p.trim().is_empty());
        let Some(phone) = phone else {
            q::finish_scheduled(conn, &m.id, "failed", None, at)?;
            tracing::warn!(
                scheduled_message = m.id,
                "the customer has no phone; not sent"
            );
            continue;
        };
        if !q::finish_scheduled(conn, &m.id, "sent", Some(at), at)? {
            continue;
        }
        outbox::enqueue(
            conn,
            &send_request(
                &m.business_id,
                scheduled_action(&m.id),
                &m.customer_id,
                &phone,
                &m.body,
            ),
        )?;
        m.status = "sent".into();
        m.sent_at = Some(at);
        m.updated_at = at;
        sent.push(m);
    }
    Ok(sent)
}

/// Runs passes until `shutdown` is cancelled, one every [`POLL_INTERVAL`]. A failing pass
/// (database unreachable) is logged and retried.
pub async fn run(db: Db, shutdown: CancellationToken) -> Result<()> {
    run_every(db, POLL_INTERVAL, shutdown).await
}

/// [`run`] with its own interval (tests).
pub async fn run_every(
    db: Db,
    interval: std::time::Duration,
    shutdown: CancellationToken,
) -> Result<()> {
    tracing::info!(
        interval_ms = interval.as_millis() as u64,
        "reminder scheduler started"
    );
    let mut failing = false;
    loop {
        match run_due(&db, Utc::now()).await {
            Ok(pass) => {
                if failing {
                    tracing::info!("reminder scheduler recovered");
                    failing = false;
                }
                if !pass.reminders.is_empty() || !pass.scheduled.is_empty() {
                    tracing::info!(
                        reminders = pass.reminders.len(),
                        scheduled = pass.scheduled.len(),
                        "WhatsApp reminders and scheduled messages sent"
                    );
                }
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "reminder scheduler pass failed; retrying");
                    failing = true;
                }
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!("reminder scheduler stopped");
    Ok(())
}
