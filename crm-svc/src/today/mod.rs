//! The staff's day: what came in and what is due on one Israel calendar day — the calls (answered
//! by the agent, missed, to call back), the conversations waiting for a person, the tasks due that
//! day or overdue, and the day's appointments. A read model over the aggregates, scoped to one
//! business; the classification of calls is a pure function ([`classify`]).

pub mod convert;
pub mod queries;

use crate::{
    appointments::Appointment,
    calls::Call,
    conversations::{self, Conversation, InboxQuery},
    db::Db,
    enums::ConversationState,
    error::Result,
    ids::{BusinessId, UserId},
    reports::{ANSWERED_STATUSES, MISSED_STATUSES},
    tasks::Task,
    time,
};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};

/// Most calls listed (newest first).
pub const MAX_CALLS: i64 = 200;
/// Most tasks listed (earliest due first).
pub const MAX_TASKS: i64 = 200;
/// Most waiting conversations listed.
pub const MAX_WAITING: i64 = 100;
/// Most appointments listed.
pub const MAX_APPOINTMENTS: usize = 200;

/// How a call of the day went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    /// Picked up (by the agent, or by staff on an outbound call).
    Answered,
    /// Busy, no answer, failed or cancelled.
    Missed,
    /// Still ringing or going on.
    InProgress,
}

impl CallOutcome {
    pub fn of(status: &str) -> Self {
        if ANSWERED_STATUSES.contains(&status) && status != "in-progress" {
            CallOutcome::Answered
        } else if MISSED_STATUSES.contains(&status) {
            CallOutcome::Missed
        } else {
            CallOutcome::InProgress
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Answered => "answered",
            CallOutcome::Missed => "missed",
            CallOutcome::InProgress => "in_progress",
        }
    }
}

/// A call's follow-up: the question the agent could not answer, and whether its task is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub question: String,
    pub task_done: bool,
}

/// One call of the day as the Today page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TodayCall {
    pub call: Call,
    pub customer_name: Option<String>,
    pub outcome: CallOutcome,
    pub needs_callback: bool,
    pub follow_up_question: Option<String>,
}

/// A task due that day or before it, not done.
#[derive(Debug, Clone, PartialEq)]
pub struct TodayTask {
    pub task: Task,
    pub customer_name: Option<String>,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TodayAppointment {
    pub appointment: Appointment,
    pub customer_name: Option<String>,
}

/// The whole day.
#[derive(Debug, Clone, PartialEq)]
pub struct Today {
    pub date: NaiveDate,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub calls: Vec<TodayCall>,
    pub waiting: Vec<Conversation>,
    pub tasks: Vec<TodayTask>,
    pub appointments: Vec<TodayAppointment>,
}

impl Today {
    pub fn count(&self, outcome: CallOutcome) -> i64 {
        self.calls.iter().filter(|c| c.outcome == outcome).count() as i64
    }

    pub fn to_call_back(&self) -> i64 {
        self.calls.iter().filter(|c| c.needs_callback).count() as i64
    }
}

/// The UTC instants `[from, to)` of the Israel calendar day `date` (23 or 25 hours long on the
/// days the clocks change).
pub fn israel_day(date: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
    let start = |d: NaiveDate| {
        let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        // Israel's clocks change at 02:00, never at midnight: midnight always exists once.
        match time::ISRAEL.from_local_datetime(&midnight).earliest() {
            Some(t) => t.naive_utc(),
            None => midnight,
        }
    };
    (start(date), start(date.succ_opt().unwrap_or(date)))
}

/// The number on the other end of `call`.
fn counterpart(call: &Call) -> &str {
    if call.direction.starts_with("outbound") {
        &call.to_number
    } else {
        &call.from_number
    }
}

/// The day's calls (any order) with their follow-ups (`follow_up(call)`), newest first, each with
/// its outcome and whether staff should call back: an unanswered question whose task is still
/// open, or a missed inbound call with no answered call with the same number after it.
pub fn classify(
    mut calls: Vec<(Call, Option<String>)>,
    follow_up: impl Fn(&Call) -> Option<FollowUp>,
) -> Vec<TodayCall> {
    calls.sort_by(|(a, _), (b, _)| (b.started_at, &b.id).cmp(&(a.started_at, &a.id)));
    let mut out: Vec<TodayCall> = Vec::with_capacity(calls.len());
    for (call, customer_name) in calls {
        let outcome = CallOutcome::of(&call.status);
        let fu = follow_up(&call);
        // Newer calls come first: an answered one with this number means it was returned.
        let reached_since = out.iter().any(|later| {
            later.outcome == CallOutcome::Answered && counterpart(&later.call) == counterpart(&call)
        });
        let missed_inbound = outcome == CallOutcome::Missed
            && !call.direction.starts_with("outbound")
            && !reached_since;
        let open_question = fu.as_ref().is_some_and(|f| !f.task_done);
        out.push(TodayCall {
            needs_callback: missed_inbound || open_question,
            follow_up_question: fu.map(|f| f.question),
            outcome,
            customer_name,
            call,
        });
    }
    out
}

/// The Israel day of `at` for `business_id`, as `reader` (a staff member of it) sees it (their
/// unread counts on the waiting conversations). `include_appointments: false` leaves the
/// appointments out (the business's calendar is off).
pub async fn get(
    db: &Db,
    business_id: &BusinessId,
    reader: &UserId,
    at: NaiveDateTime,
    include_appointments: bool,
) -> Result<Today> {
    let date = time::israel_date(at);
    let (from, to) = israel_day(date);
    // The reader is checked here (another business's user is refused).
    let waiting = conversations::list(
        db,
        business_id,
        reader,
        InboxQuery {
            state: Some(ConversationState::WaitingForHuman),
            limit: MAX_WAITING,
            ..InboxQuery::default()
        },
    )
    .await?
    .items;
    let business_id = business_id.clone();
    let (calls, tasks, appointments) = db
        .run(move |conn| {
            let calls = queries::calls(conn, &business_id, from, to, MAX_CALLS)?;
            let tasks = queries::tasks_due_before(conn, &business_id, to, MAX_TASKS)?;
            let appointments = if include_appointments {
                queries::appointments(conn, &business_id, from, to, MAX_APPOINTMENTS)?
            } else {
                Vec::new()
            };
            Ok((calls, tasks, appointments))
        })
        .await?;
    let follow_ups = calls.follow_ups;
    Ok(Today {
        date,
        from,
        to,
        calls: classify(calls.calls, |c| follow_ups.get(&c.id).cloned()),
        waiting,
        tasks: tasks
            .into_iter()
            .map(|(task, customer_name)| TodayTask {
                overdue: task.due_at.is_some_and(|d| d < from),
                task,
                customer_name,
            })
            .collect(),
        appointments: appointments
            .into_iter()
            .map(|(appointment, customer_name)| TodayAppointment {
                appointment,
                customer_name,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{enums::TranscriptStatus, ids::CallId};

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn call(id: &str, direction: &str, number: &str, status: &str, started: NaiveDateTime) -> Call {
        let (from_number, to_number) = if direction == "inbound" {
            (number.to_owned(), "+97231111111".to_owned())
        } else {
            ("+97231111111".to_owned(), number.to_owned())
        };
        Call {
            id: CallId::from(id.to_owned()),
            business_id: BusinessId::from("b"),
            twilio_sid: format!("CA{id}"),
            customer_id: None,
            direction: direction.into(),
            from_number,
            to_number,
            status: status.into(),
            started_at: started,
            ended_at: None,
            duration_seconds: 0,
            recording_url: None,
            transcript: None,
            transcript_status: TranscriptStatus::None,
            ai_replies: "[]".into(),
            created_at: started,
            updated_at: started,
        }
    }

    #[test]
    fn outcomes_follow_twilio_statuses() {
        assert_eq!(CallOutcome::of("completed"), CallOutcome::Answered);
        for s in ["busy", "no-answer", "failed", "canceled"] {
            assert_eq!(CallOutcome::of(s), CallOutcome::Missed, "{s}");
        }
        for s in ["ringing", "in-progress", "queued", ""] {
            assert_eq!(CallOutcome::of(s), CallOutcome::InProgress, "{s}");
        }
    }

    #[test]
    fn a_missed_call_needs_a_call_back_until_that_number_is_reached() {
        let a = "+972501111111";
        let b = "+972502222222";
        let calls = vec![
            (call("1", "inbound", a, "no-answer", at(8, 0)), None),
            (
                call("2", "inbound", b, "busy", at(9, 0)),
                Some("דנה".to_owned()),
            ),
            // Staff called the first number back and got through.
            (call("3", "outbound", a, "completed", at(10, 0)), None),
            (call("4", "inbound", b, "completed", at(7, 0)), None),
            // A missed outbound call is staff's own attempt, not a call to return.
            (call("5", "outbound", b, "no-answer", at(11, 0)), None),
        ];
        let out = classify(calls, |_| None);
        let ids: Vec<&str> = out.iter().map(|c| c.call.id.as_str()).collect();
        assert_eq!(ids, ["5", "3", "2", "1", "4"], "newest first");
        let callback: Vec<&str> = out
            .iter()
            .filter(|c| c.needs_callback)
            .map(|c| c.call.id.as_str())
            .collect();
        // b's answered call was before the missed one, so it still waits for a call back.
        assert_eq!(callback, ["2"]);
        assert_eq!(out[2].customer_name.as_deref(), Some("דנה"));
    }

    #[test]
    fn an_unanswered_question_needs_a_call_back_while_its_task_is_open() {
        let calls = vec![
            (
                call("1", "inbound", "+972501111111", "completed", at(8, 0)),
                None,
            ),
            (
                call("2", "inbound", "+972502222222", "completed", at(9, 0)),
                None,
            ),
        ];
        let out = classify(calls, |c| {
            Some(FollowUp {
                question: format!("שאלה {}", c.id),
                task_done: c.id.as_str() == "2",
            })
        });
        assert_eq!(
            out.iter()
                .map(|c| (c.call.id.as_str(), c.needs_callback))
                .collect::<Vec<_>>(),
            [("2", false), ("1", true)]
        );
        assert_eq!(out[1].follow_up_question.as_deref(), Some("שאלה 1"));
    }

    #[test]
    fn israel_days_are_23_24_or_25_hours() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let (from, to) = israel_day(day(2026, 12, 1));
        // Winter: UTC+2.
        assert_eq!(from, day(2026, 11, 30).and_hms_opt(22, 0, 0).unwrap());
        assert_eq!(to - from, chrono::Duration::hours(24));
        // Summer: UTC+3.
        let (from, _) = israel_day(day(2026, 7, 1));
        assert_eq!(from, day(2026, 6, 30).and_hms_opt(21, 0, 0).unwrap());
        // The clocks go forward on the Friday before the last Sunday of March (27.3.2026).
        let (from, to) = israel_day(day(2026, 3, 27));
        assert_eq!(to - from, chrono::Duration::hours(23));
        let (from, to) = israel_day(day(2026, 10, 25));
        assert_eq!(to - from, chrono::Duration::hours(25));
    }
}
