//! Conversions between the protobuf messages of reminders and scheduled messages and the
//! domain's types.

use super::{ReminderSettings, queries::ScheduledMessage};
use crate::convert::{optional_id, required, required_time, ts};
use crate::{
    error::Result,
    ids::{BusinessId, CustomerId, UserId},
};
use agentlocator_proto::v1 as pb;

impl From<ReminderSettings> for pb::ReminderSettings {
    fn from(s: ReminderSettings) -> Self {
        pb::ReminderSettings {
            enabled: s.enabled,
            template: s.template,
            lead_minutes: s.lead_minutes,
            configured: s.configured,
        }
    }
}

impl From<ScheduledMessage> for pb::ScheduledMessage {
    fn from(m: ScheduledMessage) -> Self {
        pb::ScheduledMessage {
            id: m.id,
            business_id: m.business_id.into(),
            customer_id: m.customer_id.into(),
            text: m.body,
            send_at: Some(ts(m.send_at)),
            status: m.status,
            sent_at: m.sent_at.map(ts),
            created_by: m.created_by.unwrap_or_default(),
            created_at: Some(ts(m.created_at)),
        }
    }
}

/// A `CreateScheduledMessage` request as domain arguments.
#[derive(Debug, Clone)]
pub struct CreateScheduled {
    pub business_id: BusinessId,
    pub customer_id: CustomerId,
    pub text: String,
    pub send_at: chrono::NaiveDateTime,
    pub created_by: Option<UserId>,
}

impl TryFrom<pb::CreateScheduledMessageRequest> for CreateScheduled {
    type Error = crate::error::Error;

    fn try_from(r: pb::CreateScheduledMessageRequest) -> Result<Self> {
        Ok(CreateScheduled {
            business_id: required("business_id", r.business_id)?,
            customer_id: required("customer_id", r.customer_id)?,
            text: r.text,
            send_at: required_time("send_at", r.send_at)?,
            created_by: optional_id(r.created_by),
        })
    }
}
