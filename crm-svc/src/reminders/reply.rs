//! A customer's answer to an appointment reminder. This is the FIRST step of crm-svc's handling
//! of an inbound WhatsApp message (after it is stored): [`handle_inbound`] says whether the
//! message was consumed as a reminder answer; when it was, nothing else (the closed-hours
//! auto-reply, the AI agent) answers it.
//!
//! - "1" / "כן": the appointment is confirmed (`confirmed_at`).
//! - "2" / "לא": the appointment is cancelled (deleted, freeing its slot, as the calendar and the
//!   agent cancel) and staff get a task due now, so they are notified like for any due task.
//! - "הסר": the customer gets no more reminders.
//!
//! Only in reply to a recent reminder of that customer: one sent for an appointment that has not
//! started yet (and was not moved since), not cancelled or opted out by an earlier answer. The
//! customer gets a short answer back; the reminder, the answer and the reply are all on the
//! customer's timeline (as WhatsApp messages, and the task).

use super::{
    local_date_time,
    queries::{self as q, Reminder},
    scheduler,
};
use crate::{
    appointments::queries as appointment, customers::queries as customer, db::DbConn,
    error::Result, hours::closure_reply, ids::CustomerId, outbox::queries as outbox, strings,
    tasks, time, whatsapp::WhatsAppMessage,
};
use chrono::{DateTime, Utc};

/// What a reminder answer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Confirm,
    Cancel,
    OptOut,
}

impl Answer {
    /// The answer a message's text is, if any: the whole text (spaces, punctuation and direction
    /// marks around it ignored) must be one of the words.
    pub fn parse(text: &str) -> Option<Answer> {
        let word = text
            .trim_matches(|c: char| {
                c.is_whitespace()
                    || c.is_ascii_punctuation()
                    || matches!(c, '\u{200e}' | '\u{200f}' | '׳' | '״')
            })
            .to_lowercase();
        match word.as_str() {
            "1" | "כן" => Some(Answer::Confirm),
            "2" | "לא" => Some(Answer::Cancel),
            "הסר" => Some(Answer::OptOut),
            _ => None,
        }
    }

    /// The stored form (`appointment_reminders.reply`).
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Confirm => "confirmed",
            Answer::Cancel => "cancelled",
            Answer::OptOut => "opted_out",
        }
    }
}

/// Whether an inbound message was an answer to a reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// Consumed: the answer was applied; nothing else should reply to the message.
    ReminderAnswer(Answer),
    /// Not a reminder answer: the message goes on to the other handlers.
    NotConsumed,
}

impl Inbound {
    pub fn is_consumed(&self) -> bool {
        matches!(self, Inbound::ReminderAnswer(_))
    }
}

/// After `message` is stored (inside its transaction): applies it when it answers a recent
/// reminder of its customer. `now` decides whether the message is new (history synced after
/// pairing is not acted on).
pub fn handle_inbound(
    conn: &mut DbConn,
    message: &WhatsAppMessage,
    now: DateTime<Utc>,
) -> Result<Inbound> {
    let Some(customer_id) = &message.customer_id else {
        return Ok(Inbound::NotConsumed);
    };
    if message.direction != "inbound"
        || !closure_reply::is_recent(time::to_utc(message.created_at), now)
    {
        return Ok(Inbound::NotConsumed);
    }
    let Some(answer) = Answer::parse(&message.body) else {
        return Ok(Inbound::NotConsumed);
    };
    let Some(reminder) = answerable(conn, message, customer_id)? else {
        return Ok(Inbound::NotConsumed);
    };
    let at = time::from_utc(now);
    let (date, hour) = local_date_time(time::to_utc(reminder.appointment_starts_at));
    let text = match answer {
        Answer::Confirm => {
            if let Some(mut a) =
                appointment::find(conn, &reminder.business_id, &reminder.appointment_id)?
            {
                a.confirmed_at = Some(at);
                a.updated_at = at;
                appointment::save(conn, &a)?;
            }
            strings::reminder_confirmed_reply(&date, &hour)
        }
        Answer::Cancel => {
            let a = appointment::find(conn, &reminder.business_id, &reminder.appointment_id)?;
            appointment::delete(conn, &reminder.business_id, &reminder.appointment_id)?;
            let name = customer::find(conn, &reminder.business_id, customer_id)?
                .map(|c| c.name)
                .unwrap_or_default();
            let title = a.map(|a| a.title).unwrap_or_default();
            let task = tasks::new_task(
                &reminder.business_id,
                tasks::NewTask {
                    title: strings::reminder_cancelled_task_title(&name, &title, &date, &hour),
                    due_at: Some(at),
                    customer_id: Some(customer_id.clone()),
                    assignee_id: None,
                },
            )?;
            tasks::insert(conn, &task)?;
            strings::reminder_cancelled_reply(&date, &hour)
        }
        Answer::OptOut => {
            q::opt_out(conn, &reminder.business_id, customer_id, at)?;
            strings::REMINDER_OPTED_OUT_REPLY.to_owned()
        }
    };
    q::set_reply(conn, &reminder.id, answer.as_str(), at)?;
    outbox::enqueue(
        conn,
        &scheduler::send_request(
            &reminder.business_id,
            format!(
                "{}-answer-{}",
                scheduler::reminder_action(&reminder.id),
                message.id
            ),
            customer_id,
            &reminder.to_number,
            &text,
        ),
    )?;
    tracing::info!(
        reminder = reminder.id,
        answer = answer.as_str(),
        "reminder answered"
    );
    Ok(Inbound::ReminderAnswer(answer))
}

/// The reminder `message` answers: the customer's newest open one, if its appointment still
/// exists at the time the reminder named (a moved appointment's old reminder is not answered;
/// its new one will be).
fn answerable(
    conn: &mut DbConn,
    message: &WhatsAppMessage,
    customer_id: &CustomerId,
) -> Result<Option<Reminder>> {
    let Some(reminder) =
        q::open_reminder(conn, &message.business_id, customer_id, message.created_at)?
    else {
        return Ok(None);
    };
    let current = appointment::find(conn, &message.business_id, &reminder.appointment_id)?;
    Ok(current
        .filter(|a| a.starts_at == reminder.appointment_starts_at)
        .map(|_| reminder))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_the_whole_message() {
        for (text, answer) in [
            ("1", Some(Answer::Confirm)),
            (" כן ", Some(Answer::Confirm)),
            ("כן!", Some(Answer::Confirm)),
            ("\u{200f}2.", Some(Answer::Cancel)),
            ("לא", Some(Answer::Cancel)),
            ("הסר", Some(Answer::OptOut)),
            ("כן, אבל אפשר לדחות?", None),
            ("12", None),
            ("לא יודע", None),
            ("", None),
        ] {
            assert_eq!(Answer::parse(text), answer, "{text:?}");
        }
    }
}
