//! Conversions between the protobuf messages of the Today page and the domain's types.

use crate::convert::{naive_time, required, ts};
use crate::{
    error::{Error, Result},
    ids::{BusinessId, UserId},
    time,
    today::{CallOutcome, Today},
};
use agentlocator_proto::v1 as pb;
use chrono::NaiveDateTime;

/// A `GetToday` request as domain arguments.
#[derive(Debug, Clone)]
pub struct GetToday {
    pub business_id: BusinessId,
    pub reader: UserId,
    pub at: NaiveDateTime,
    pub include_appointments: bool,
}

impl TryFrom<pb::GetTodayRequest> for GetToday {
    type Error = Error;

    fn try_from(r: pb::GetTodayRequest) -> Result<Self> {
        Ok(GetToday {
            business_id: required("business_id", r.business_id)?,
            reader: required("user_id", r.user_id)?,
            at: naive_time("at", r.at)?.unwrap_or_else(time::now),
            include_appointments: r.include_appointments,
        })
    }
}

impl TryFrom<Today> for pb::Today {
    type Error = Error;

    /// Fails only when a stored call's `ai_replies` is malformed.
    fn try_from(t: Today) -> Result<Self> {
        Ok(pb::Today {
            calls_answered: t.count(CallOutcome::Answered),
            calls_missed: t.count(CallOutcome::Missed),
            calls_to_call_back: t.to_call_back(),
            date: t.date.format("%Y-%m-%d").to_string(),
            from: Some(ts(t.from)),
            to: Some(ts(t.to)),
            calls: t
                .calls
                .into_iter()
                .map(|c| {
                    Ok(pb::TodayCall {
                        call: Some(c.call.try_into()?),
                        customer_name: c.customer_name.unwrap_or_default(),
                        outcome: c.outcome.as_str().to_owned(),
                        needs_callback: c.needs_callback,
                        follow_up_question: c.follow_up_question.unwrap_or_default(),
                    })
                })
                .collect::<Result<_>>()?,
            waiting: t.waiting.into_iter().map(Into::into).collect(),
            tasks: t
                .tasks
                .into_iter()
                .map(|x| pb::TodayTask {
                    task: Some(x.task.into()),
                    customer_name: x.customer_name.unwrap_or_default(),
                    overdue: x.overdue,
                })
                .collect(),
            appointments: t
                .appointments
                .into_iter()
                .map(|x| pb::TodayAppointment {
                    appointment: Some(x.appointment.into()),
                    customer_name: x.customer_name.unwrap_or_default(),
                })
                .collect(),
        })
    }
}
