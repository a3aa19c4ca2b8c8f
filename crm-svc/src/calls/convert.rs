//! Conversions between the protobuf messages of calls and the domain's types.

use crate::convert::ts;
use crate::{
    error::{Error, Result},
    pagination::Page,
};
use agentlocator_proto::v1 as pb;

impl TryFrom<crate::calls::Call> for pb::Call {
    type Error = Error;

    /// Fails only when the stored `ai_replies` is not a JSON list of strings.
    fn try_from(c: crate::calls::Call) -> Result<Self> {
        Ok(pb::Call {
            ai_replies: crate::calls::ai_replies(&c)?,
            id: c.id.into(),
            business_id: c.business_id.into(),
            customer_id: c.customer_id.map(Into::into).unwrap_or_default(),
            twilio_sid: c.twilio_sid,
            direction: c.direction,
            from_number: c.from_number,
            to_number: c.to_number,
            status: c.status,
            started_at: Some(ts(c.started_at)),
            ended_at: c.ended_at.map(ts),
            duration_seconds: c.duration_seconds,
            recording_url: c.recording_url.unwrap_or_default(),
            transcript: c.transcript.unwrap_or_default(),
            transcript_status: c.transcript_status.to_string(),
            created_at: Some(ts(c.created_at)),
            updated_at: Some(ts(c.updated_at)),
            summary: None,
        })
    }
}

impl From<crate::calls::summary::Summary> for pb::CallSummary {
    fn from(s: crate::calls::summary::Summary) -> Self {
        pb::CallSummary {
            status: s.status,
            text: s.text,
            follow_ups: s.follow_ups,
            source: s.source,
            updated_at: Some(ts(s.updated_at)),
        }
    }
}

impl TryFrom<crate::calls::CallView> for pb::Call {
    type Error = Error;

    fn try_from(v: crate::calls::CallView) -> Result<Self> {
        Ok(pb::Call {
            summary: v.summary.map(Into::into),
            ..pb::Call::try_from(v.call)?
        })
    }
}

impl TryFrom<Page<crate::calls::CallView>> for pb::ListCallsResponse {
    type Error = Error;

    fn try_from(p: Page<crate::calls::CallView>) -> Result<Self> {
        Ok(pb::ListCallsResponse {
            page: p.page,
            limit: p.limit,
            total: p.total,
            items: p
                .items
                .into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_>>()?,
        })
    }
}
