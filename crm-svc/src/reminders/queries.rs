//! The tables of reminders and scheduled messages; every query is scoped to a business.

use super::ReminderSettings;
use crate::{
    db::{DbConn, with_backend},
    error::{Error, Result},
    ids::{AppointmentId, BusinessId, CustomerId},
    schema::{appointment_reminders, reminder_opt_outs, reminder_settings, scheduled_messages},
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// The stored settings of `business_id`, or the defaults.
pub fn settings(conn: &mut DbConn, business_id: &BusinessId) -> Result<ReminderSettings> {
    let row: Option<(bool, String, String)> = reminder_settings::table
        .find(business_id.as_str())
        .select((
            reminder_settings::enabled,
            reminder_settings::template,
            reminder_settings::lead_minutes,
        ))
        .first(conn)
        .optional()?;
    let Some((enabled, template, leads)) = row else {
        return Ok(ReminderSettings::default());
    };
    Ok(ReminderSettings {
        enabled,
        template,
        lead_minutes: parse_leads(business_id, &leads)?,
        configured: true,
    })
}

fn parse_leads(business_id: &BusinessId, json: &str) -> Result<Vec<i32>> {
    serde_json::from_str(json).map_err(|e| {
        Error::Internal(format!(
            "stored reminder lead times of {business_id} unreadable: {e}"
        ))
    })
}

/// Writes the settings of `business_id` (insert or replace).
pub fn save_settings(
    conn: &mut DbConn,
    business_id: &BusinessId,
    s: &ReminderSettings,
    now: NaiveDateTime,
) -> Result<()> {
    let leads =
        serde_json::to_string(&s.lead_minutes).map_err(|e| Error::Internal(e.to_string()))?;
    let row = (
        reminder_settings::business_id.eq(business_id.as_str()),
        reminder_settings::enabled.eq(s.enabled),
        reminder_settings::template.eq(&s.template),
        reminder_settings::lead_minutes.eq(&leads),
        reminder_settings::updated_at.eq(now),
    );
    with_backend!(conn, |c| {
        diesel::insert_into(reminder_settings::table)
            .values(row)
            .on_conflict(reminder_settings::business_id)
            .do_update()
            .set((
                reminder_settings::enabled.eq(s.enabled),
                reminder_settings::template.eq(&s.template),
                reminder_settings::lead_minutes.eq(&leads),
                reminder_settings::updated_at.eq(now),
            ))
            .execute(c)?
    });
    Ok(())
}

/// The businesses with reminders on, with their template and lead times.
pub fn enabled_settings(conn: &mut DbConn) -> Result<Vec<(BusinessId, ReminderSettings)>> {
    let rows: Vec<(String, String, String)> = reminder_settings::table
        .filter(reminder_settings::enabled.eq(true))
        .select((
            reminder_settings::business_id,
            reminder_settings::template,
            reminder_settings::lead_minutes,
        ))
        .order(reminder_settings::business_id.asc())
        .load(conn)?;
    rows.into_iter()
        .map(|(id, template, leads)| {
            let id = BusinessId::from(id);
            let lead_minutes = parse_leads(&id, &leads)?;
            Ok((
                id,
                ReminderSettings {
                    enabled: true,
                    template,
                    lead_minutes,
                    configured: true,
                },
            ))
        })
        .collect()
}

/// Records that `customer_id` wants no more reminders; false when they had said so already.
pub fn opt_out(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    now: NaiveDateTime,
) -> Result<bool> {
    let row = (
        reminder_opt_outs::business_id.eq(business_id.as_str()),
        reminder_opt_outs::customer_id.eq(customer_id.as_str()),
        reminder_opt_outs::created_at.eq(now),
    );
    let inserted = with_backend!(conn, |c| {
        diesel::insert_into(reminder_opt_outs::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?
    });
    Ok(inserted == 1)
}

/// Which of `customers` of `business_id` opted out.
pub fn opted_out(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customers: &[CustomerId],
) -> Result<Vec<CustomerId>> {
    Ok(reminder_opt_outs::table
        .filter(reminder_opt_outs::business_id.eq(business_id))
        .filter(reminder_opt_outs::customer_id.eq_any(customers))
        .select(reminder_opt_outs::customer_id)
        .load::<String>(conn)?
        .into_iter()
        .map(CustomerId::from)
        .collect())
}

/// One reminder of an appointment at one start time: sent, or skipped because a closer one was
/// due at the same pass.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = appointment_reminders)]
pub struct Reminder {
    pub id: String,
    pub business_id: BusinessId,
    pub appointment_id: AppointmentId,
    pub customer_id: CustomerId,
    pub lead_minutes: i32,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub appointment_starts_at: NaiveDateTime,
    pub sent: bool,
    pub to_number: String,
    pub body: String,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    /// `confirmed`, `cancelled` or `opted_out`: the customer's answer.
    pub reply: Option<String>,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub replied_at: Option<NaiveDateTime>,
}

/// Inserts `row` unless its appointment already has this reminder for this start time; true when
/// inserted. The unique key decides, also between concurrent schedulers (the second insert waits
/// for the first transaction and then does nothing).
pub fn insert_reminder(conn: &mut DbConn, row: &Reminder) -> Result<bool> {
    let inserted = with_backend!(conn, |c| {
        diesel::insert_into(appointment_reminders::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?
    });
    Ok(inserted == 1)
}

/// The `(appointment, lead)` reminders already recorded for `appointments` at their current start
/// times.
pub fn recorded(
    conn: &mut DbConn,
    appointments: &[(AppointmentId, NaiveDateTime)],
) -> Result<Vec<(AppointmentId, i32)>> {
    let ids: Vec<&AppointmentId> = appointments.iter().map(|(id, _)| id).collect();
    let rows: Vec<(AppointmentId, i32, NaiveDateTime)> = appointment_reminders::table
        .filter(appointment_reminders::appointment_id.eq_any(ids))
        .select((
            appointment_reminders::appointment_id,
            appointment_reminders::lead_minutes,
            appointment_reminders::appointment_starts_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(id, _, starts)| appointments.contains(&(id.clone(), *starts)))
        .map(|(id, lead, _)| (id, lead))
        .collect())
}

/// The reminders sent to `customer_id`, newest first.
pub fn reminders_of(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<Reminder>> {
    Ok(appointment_reminders::table
        .filter(appointment_reminders::business_id.eq(business_id))
        .filter(appointment_reminders::customer_id.eq(customer_id))
        .filter(appointment_reminders::sent.eq(true))
        .order((
            appointment_reminders::created_at.desc(),
            appointment_reminders::id.desc(),
        ))
        .select(Reminder::as_select())
        .load(conn)?)
}

/// The newest reminder sent to `customer_id` whose appointment starts after `at` and that was not
/// answered with a cancellation or an opt-out: the one a reply at `at` answers.
pub fn open_reminder(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    at: NaiveDateTime,
) -> Result<Option<Reminder>> {
    Ok(appointment_reminders::table
        .filter(appointment_reminders::business_id.eq(business_id))
        .filter(appointment_reminders::customer_id.eq(customer_id))
        .filter(appointment_reminders::sent.eq(true))
        .filter(appointment_reminders::appointment_starts_at.gt(at))
        .filter(
            appointment_reminders::reply
                .is_null()
                .or(appointment_reminders::reply.eq("confirmed")),
        )
        .order((
            appointment_reminders::created_at.desc(),
            appointment_reminders::id.desc(),
        ))
        .select(Reminder::as_select())
        .first(conn)
        .optional()?)
}

/// Records the customer's answer to reminder `id`.
pub fn set_reply(conn: &mut DbConn, id: &str, reply: &str, at: NaiveDateTime) -> Result<()> {
    diesel::update(appointment_reminders::table.find(id))
        .set((
            appointment_reminders::reply.eq(reply),
            appointment_reminders::replied_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A WhatsApp message staff scheduled for later.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = scheduled_messages)]
pub struct ScheduledMessage {
    pub id: String,
    pub business_id: BusinessId,
    pub customer_id: CustomerId,
    pub body: String,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub send_at: NaiveDateTime,
    /// `pending`, `sent`, `cancelled` or `failed` (the customer had no phone at its time).
    pub status: String,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub sent_at: Option<NaiveDateTime>,
    pub created_by: Option<String>,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

pub fn insert_scheduled(conn: &mut DbConn, row: &ScheduledMessage) -> Result<()> {
    diesel::insert_into(scheduled_messages::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The scheduled messages of `customer_id`, by send time, newest first.
pub fn scheduled_of(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<ScheduledMessage>> {
    Ok(scheduled_messages::table
        .filter(scheduled_messages::business_id.eq(business_id))
        .filter(scheduled_messages::customer_id.eq(customer_id))
        .order((
            scheduled_messages::send_at.desc(),
            scheduled_messages::id.desc(),
        ))
        .select(ScheduledMessage::as_select())
        .load(conn)?)
}

/// The scheduled message `id` of `customer_id` of `business_id`.
pub fn find_scheduled(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    id: &str,
) -> Result<Option<ScheduledMessage>> {
    Ok(scheduled_messages::table
        .filter(scheduled_messages::id.eq(id))
        .filter(scheduled_messages::business_id.eq(business_id))
        .filter(scheduled_messages::customer_id.eq(customer_id))
        .select(ScheduledMessage::as_select())
        .first(conn)
        .optional()?)
}

/// Moves pending message `id` to `status`; false when it was not pending any more.
pub fn finish_scheduled(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    sent_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<bool> {
    let n = diesel::update(
        scheduled_messages::table
            .filter(scheduled_messages::id.eq(id))
            .filter(scheduled_messages::status.eq("pending")),
    )
    .set((
        scheduled_messages::status.eq(status),
        scheduled_messages::sent_at.eq(sent_at),
        scheduled_messages::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
