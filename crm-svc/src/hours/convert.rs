//! Hours as protobuf messages.

use agentlocator_hours::{Closure, ClosureKind, HoursCalendar, Interval, Status};
use agentlocator_proto::{to_timestamp, v1 as pb};
use chrono::{DateTime, Utc};

use super::StoredHours;
use crate::{
    convert::naive_time,
    error::{Error, Result},
    time,
};

/// An optional request time as UTC; invalid → validation on `field`.
pub fn optional_utc(
    field: &'static str,
    t: Option<prost_types::Timestamp>,
) -> Result<Option<DateTime<Utc>>> {
    Ok(naive_time(field, t)?.map(time::to_utc))
}

impl TryFrom<StoredHours> for pb::BusinessHours {
    type Error = Error;
    fn try_from(h: StoredHours) -> Result<Self> {
        Ok(pb::BusinessHours {
            settings_json: serde_json::to_string(&h.settings)
                .map_err(|e| Error::Internal(e.to_string()))?,
            configured: h.configured,
        })
    }
}

fn interval(i: Interval) -> pb::HoursInterval {
    pb::HoursInterval {
        start: Some(to_timestamp(i.start)),
        end: Some(to_timestamp(i.end)),
    }
}

pub fn kind_str(kind: ClosureKind) -> &'static str {
    match kind {
        ClosureKind::Shabbat => "shabbat",
        ClosureKind::Holiday => "holiday",
        ClosureKind::Special => "special",
    }
}

fn closure(c: Closure) -> pb::HoursClosure {
    pb::HoursClosure {
        start: Some(to_timestamp(c.start)),
        end: Some(to_timestamp(c.end)),
        kind: kind_str(c.kind).to_owned(),
        name: c.name,
    }
}

pub fn calendar(c: HoursCalendar) -> pb::HoursCalendar {
    pb::HoursCalendar {
        open: c.open.into_iter().map(interval).collect(),
        closures: c.closures.into_iter().map(closure).collect(),
    }
}

pub fn status(s: Status, message: Option<String>) -> pb::HoursStatus {
    pb::HoursStatus {
        open: s.open,
        closes_at: s.closes_at.map(to_timestamp),
        reopens_at: s.reopens_at.map(to_timestamp),
        closure: s.closure.map(closure),
        message: message.unwrap_or_default(),
    }
}
