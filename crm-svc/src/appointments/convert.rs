//! Conversions between the protobuf messages of appointments and the domain's types.

use crate::convert::{naive_time, optional_id, required, required_time, ts};
use crate::{
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    time,
};
use agentlocator_proto::v1 as pb;

/// How many days an appointment list covers when the request gives only one end (or none).
pub const DEFAULT_APPOINTMENT_RANGE_DAYS: i64 = 30;

/// A `ListAppointments` request as domain arguments, its range completed (see the proto).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListAppointments {
    pub business_id: BusinessId,
    pub from: chrono::NaiveDateTime,
    pub to: chrono::NaiveDateTime,
    pub customer_id: Option<CustomerId>,
}

impl ListAppointments {
    /// Like `TryFrom`, with `now` deciding the default range.
    pub fn from_request(
        r: pb::ListAppointmentsRequest,
        now: chrono::NaiveDateTime,
    ) -> Result<Self> {
        let span = chrono::Duration::days(DEFAULT_APPOINTMENT_RANGE_DAYS);
        let from = naive_time("from", r.from)?;
        let to = naive_time("to", r.to)?;
        let (from, to) = match (from, to) {
            (Some(f), Some(t)) => (f, t),
            (Some(f), None) => (f, f + span),
            (None, Some(t)) => (t - span, t),
            (None, None) => {
                let today = now.date().and_time(chrono::NaiveTime::MIN);
                (today, today + span)
            }
        };
        Ok(ListAppointments {
            business_id: required("business_id", r.business_id)?,
            from,
            to,
            customer_id: optional_id(r.customer_id),
        })
    }
}

impl TryFrom<pb::ListAppointmentsRequest> for ListAppointments {
    type Error = Error;

    fn try_from(r: pb::ListAppointmentsRequest) -> Result<Self> {
        Self::from_request(r, time::now())
    }
}

/// A `CreateAppointment` request as domain arguments.
#[derive(Debug, Clone)]
pub struct CreateAppointment {
    pub business_id: BusinessId,
    pub appointment: crate::appointments::NewAppointment,
}

impl TryFrom<pb::CreateAppointmentRequest> for CreateAppointment {
    type Error = Error;

    fn try_from(r: pb::CreateAppointmentRequest) -> Result<Self> {
        Ok(CreateAppointment {
            business_id: required("business_id", r.business_id)?,
            appointment: crate::appointments::NewAppointment {
                title: r.title,
                starts_at: required_time("starts_at", r.starts_at)?,
                ends_at: required_time("ends_at", r.ends_at)?,
                customer_id: optional_id(r.customer_id),
                notes: r.notes,
            },
        })
    }
}

/// An `UpdateAppointment` request as domain arguments.
#[derive(Debug, Clone)]
pub struct UpdateAppointment {
    pub business_id: BusinessId,
    pub id: crate::ids::AppointmentId,
    pub patch: crate::appointments::AppointmentPatch,
}

impl TryFrom<pb::UpdateAppointmentRequest> for UpdateAppointment {
    type Error = Error;

    fn try_from(r: pb::UpdateAppointmentRequest) -> Result<Self> {
        Ok(UpdateAppointment {
            business_id: required("business_id", r.business_id)?,
            id: required("id", r.id)?,
            patch: crate::appointments::AppointmentPatch {
                title: r.title,
                starts_at: naive_time("starts_at", r.starts_at)?,
                ends_at: naive_time("ends_at", r.ends_at)?,
                customer_id: r.customer_id.map(optional_id),
                notes: r.notes,
            },
        })
    }
}

impl From<crate::appointments::Appointment> for pb::Appointment {
    fn from(a: crate::appointments::Appointment) -> Self {
        pb::Appointment {
            id: a.id.into(),
            business_id: a.business_id.into(),
            customer_id: a.customer_id.map(Into::into).unwrap_or_default(),
            title: a.title,
            starts_at: Some(ts(a.starts_at)),
            ends_at: Some(ts(a.ends_at)),
            notes: a.notes,
            created_at: Some(ts(a.created_at)),
            updated_at: Some(ts(a.updated_at)),
            confirmed_at: a.confirmed_at.map(ts),
        }
    }
}
