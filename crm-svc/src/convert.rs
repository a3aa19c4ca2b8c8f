//! What the proto conversions of the aggregates share (each aggregate's own conversions live in
//! its `convert.rs`): required and optional request fields, times, enums, sorting, the document
//! list requests and line items; and the conversions of the read models (timeline, reports,
//! per-customer history lists). Requests become domain values with `TryFrom` (bad input →
//! [`Error::Validation`]); domain values become responses with `From`/`TryFrom`.

use crate::{
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    pagination::DEFAULT_LIMIT,
    time,
};
use agentlocator_proto::{to_timestamp, v1 as pb};
use std::str::FromStr;

/// A non-empty id from a request field.
pub fn required<T: From<String>>(field: &'static str, value: String) -> Result<T> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::validation(field, "is required"));
    }
    Ok(T::from(value.to_owned()))
}

/// An optional enum: proto3's empty string means "not given".
pub(crate) fn optional_enum<T: FromStr>(field: &'static str, value: &str) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|e: T::Err| Error::validation(field, e.to_string()))
}

pub(crate) fn non_empty(value: String) -> Option<String> {
    if value.trim().is_empty() {
        None
    } else {
        Some(value)
    }
}

/// A business id and an entity id, for gets and deletes.
pub fn scoped_ids<T: From<String>>(business_id: String, id: String) -> Result<(BusinessId, T)> {
    Ok((required("business_id", business_id)?, required("id", id)?))
}

/// A protobuf timestamp of a request as a stored (UTC, naive) time; not a time, or outside
/// [`time::ACCEPTED_YEARS`] → validation on `field`.
pub fn naive_time(
    field: &'static str,
    t: Option<prost_types::Timestamp>,
) -> Result<Option<chrono::NaiveDateTime>> {
    t.map(|t| {
        let t = agentlocator_proto::from_timestamp(&t)
            .map(time::from_utc)
            .ok_or_else(|| Error::validation(field, "is not a valid time"))?;
        if !time::is_accepted(t) {
            let (first, last) = time::ACCEPTED_YEARS.into_inner();
            return Err(Error::validation(
                field,
                format!("must be between the years {first} and {last}"),
            ));
        }
        Ok(t)
    })
    .transpose()
}

pub(crate) fn ts(t: chrono::NaiveDateTime) -> prost_types::Timestamp {
    to_timestamp(time::to_utc(t))
}

/// An optional id: proto3's empty string means "none".
pub(crate) fn optional_id<T: From<String>>(value: String) -> Option<T> {
    non_empty(value).map(|v| T::from(v.trim().to_owned()))
}

impl TryFrom<crate::timeline::TimelineItem> for pb::TimelineItem {
    type Error = Error;

    fn try_from(i: crate::timeline::TimelineItem) -> Result<Self> {
        Ok(pb::TimelineItem {
            kind: i.kind.as_str().to_owned(),
            ts: i.ts.map(ts),
            data_json: serde_json::to_string(&i.data)
                .map_err(|e| Error::Internal(format!("timeline item JSON: {e}")))?,
            id: i.id,
        })
    }
}

/// A required time: absent → [`Error::Validation`] on `field`.
pub(crate) fn required_time(
    field: &'static str,
    t: Option<prost_types::Timestamp>,
) -> Result<chrono::NaiveDateTime> {
    naive_time(field, t)?.ok_or_else(|| Error::validation(field, "is required"))
}

/// An optional `sort` request value, parsed by `parse`.
pub(crate) fn optional_sort<S>(value: String, parse: fn(&str) -> Result<S>) -> Result<Option<S>> {
    non_empty(value).map(|s| parse(s.trim())).transpose()
}

/// A list request of invoices, contracts or proposals as domain arguments: the page window, the
/// filter (a customer and a status) and the order. An absent `page` means 1 and an absent
/// `limit` [`DEFAULT_LIMIT`].
#[derive(Debug, Clone)]
pub struct DocumentList<F, S> {
    pub business_id: BusinessId,
    pub page: i64,
    pub limit: i64,
    pub filter: F,
    pub sort: Option<S>,
}

/// `pub type $name = DocumentList<$filter, $sort>` and its `TryFrom<$request>`: every document
/// list request has `business_id`, `page`, `limit`, `customer_id`, `status` and `sort`, and
/// every document filter `customer_id` and `status`.
macro_rules! document_list {
    ($(#[$doc:meta])* $name:ident, $request:ty, $($filter:ident)::+, $sort:ty, $parse_sort:path) => {
        $(#[$doc])*
        pub type $name = $crate::convert::DocumentList<$($filter)::+, $sort>;

        impl TryFrom<$request> for $name {
            type Error = $crate::error::Error;

            fn try_from(r: $request) -> $crate::error::Result<Self> {
                Ok($crate::convert::DocumentList {
                    business_id: $crate::convert::required("business_id", r.business_id)?,
                    page: r.page.unwrap_or(1),
                    limit: r.limit.unwrap_or($crate::pagination::DEFAULT_LIMIT),
                    filter: $($filter)::+ {
                        customer_id: $crate::convert::optional_id(r.customer_id),
                        status: $crate::convert::optional_enum("status", &r.status)?,
                    },
                    sort: $crate::convert::optional_sort(r.sort, $parse_sort)?,
                })
            }
        }
    };
}
pub(crate) use document_list;

/// A status given in an update: trimmed and parsed, or [`Error::Validation`] on `status`.
pub(crate) fn patch_enum<T: FromStr>(
    field: &'static str,
    value: Option<String>,
) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    value
        .map(|s| {
            s.trim()
                .parse::<T>()
                .map_err(|e| Error::validation(field, e.to_string()))
        })
        .transpose()
}

impl From<pb::LineItem> for crate::line_items::LineItem {
    fn from(i: pb::LineItem) -> Self {
        crate::line_items::LineItem {
            description: i.description,
            quantity: i.quantity,
            unit_price_agorot: i.unit_price_agorot,
        }
    }
}

impl From<crate::line_items::LineItem> for pb::LineItem {
    fn from(i: crate::line_items::LineItem) -> Self {
        pb::LineItem {
            description: i.description,
            quantity: i.quantity,
            unit_price_agorot: i.unit_price_agorot,
        }
    }
}

pub(crate) fn line_items(items: Vec<pb::LineItem>) -> Vec<crate::line_items::LineItem> {
    items.into_iter().map(Into::into).collect()
}

pub(crate) fn pb_line_items(stored_json: &str) -> Result<Vec<pb::LineItem>> {
    Ok(crate::line_items::from_json(stored_json)?
        .into_iter()
        .map(Into::into)
        .collect())
}

// ---- reports ----

/// How many days a report covers when the request gives no `from`.
pub const DEFAULT_REPORT_DAYS: i64 = 30;

/// A `GetReportSummary` request as domain arguments, its period completed (see the proto).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPeriod {
    pub business_id: BusinessId,
    pub from: chrono::NaiveDateTime,
    pub to: chrono::NaiveDateTime,
}

impl ReportPeriod {
    /// Like `TryFrom`, with `now` as the default end.
    pub fn from_request(
        r: pb::GetReportSummaryRequest,
        now: chrono::NaiveDateTime,
    ) -> Result<Self> {
        let to = naive_time("to", r.to)?.unwrap_or(now);
        let from =
            naive_time("from", r.from)?.unwrap_or(to - chrono::Duration::days(DEFAULT_REPORT_DAYS));
        Ok(ReportPeriod {
            business_id: required("business_id", r.business_id)?,
            from,
            to,
        })
    }
}

impl TryFrom<pb::GetReportSummaryRequest> for ReportPeriod {
    type Error = Error;

    fn try_from(r: pb::GetReportSummaryRequest) -> Result<Self> {
        Self::from_request(r, time::now())
    }
}

impl From<crate::reports::Summary> for pb::ReportSummary {
    fn from(s: crate::reports::Summary) -> Self {
        pb::ReportSummary {
            from: Some(ts(s.from)),
            to: Some(ts(s.to)),
            new_customers: s.new_customers,
            calls: Some(pb::CallStats {
                total: s.calls.total,
                answered: s.calls.answered,
                missed: s.calls.missed,
                average_duration_seconds: s.calls.average_duration_seconds,
            }),
            whatsapp: Some(pb::WhatsAppStats {
                inbound: s.whatsapp.inbound,
                outbound: s.whatsapp.outbound,
            }),
            tasks: Some(pb::TaskStats {
                done: s.tasks.done,
                overdue: s.tasks.overdue,
            }),
            invoices: Some(pb::InvoiceStats {
                issued: s.invoices.issued,
                issued_total_agorot: s.invoices.issued_total_agorot,
                paid: s.invoices.paid,
                paid_total_agorot: s.invoices.paid_total_agorot,
            }),
        }
    }
}

// ---- calls and WhatsApp messages ----

/// A per-customer list request (calls, WhatsApp messages) as domain arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerList {
    pub business_id: BusinessId,
    pub customer_id: CustomerId,
    pub page: i64,
    pub limit: i64,
}

impl CustomerList {
    fn new(
        business_id: String,
        customer_id: String,
        page: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Self> {
        Ok(CustomerList {
            business_id: required("business_id", business_id)?,
            customer_id: required("customer_id", customer_id)?,
            page: page.unwrap_or(1),
            limit: limit.unwrap_or(DEFAULT_LIMIT),
        })
    }
}

impl TryFrom<pb::ListCustomerCallsRequest> for CustomerList {
    type Error = Error;

    fn try_from(r: pb::ListCustomerCallsRequest) -> Result<Self> {
        Self::new(r.business_id, r.customer_id, r.page, r.limit)
    }
}

impl TryFrom<pb::ListCustomerWhatsAppMessagesRequest> for CustomerList {
    type Error = Error;

    fn try_from(r: pb::ListCustomerWhatsAppMessagesRequest) -> Result<Self> {
        Self::new(r.business_id, r.customer_id, r.page, r.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        appointments::convert::*, businesses::convert::*, customers::convert::*,
        invoices::convert::*, proposals::convert::*, signatures::convert::*,
    };
    use crate::{
        businesses::Business,
        enums::{CustomerSource, VoiceMode},
    };

    #[test]
    fn absent_page_and_limit_mean_defaults_and_bad_enums_name_their_field() {
        let l = ListCustomers::try_from(pb::ListCustomersRequest {
            business_id: "b".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            (l.page, l.limit, l.query, l.status),
            (1, DEFAULT_LIMIT, None, None)
        );
        // A zero that was sent is not a default: the domain rejects it.
        let l = ListCustomers::try_from(pb::ListCustomersRequest {
            business_id: "b".into(),
            page: Some(0),
            limit: Some(0),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((l.page, l.limit), (0, 0));

        let err = ListCustomers::try_from(pb::ListCustomersRequest {
            business_id: "b".into(),
            status: "vip".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert!(matches!(
            err,
            Error::Validation {
                field: "status",
                ..
            }
        ));

        let err = GetCustomer::try_from(pb::GetCustomerRequest {
            business_id: " ".into(),
            id: "x".into(),
        })
        .unwrap_err();
        assert!(matches!(
            err,
            Error::Validation {
                field: "business_id",
                ..
            }
        ));

        let c = CreateCustomer::try_from(pb::CreateCustomerRequest {
            business_id: "b".into(),
            name: "n".into(),
            phone: "050-1234567".into(),
            source: "whatsapp".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.customer.source, Some(CustomerSource::Whatsapp));
        assert_eq!(c.customer.email, None);
    }

    fn at(text: &str) -> chrono::NaiveDateTime {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .naive_utc()
    }

    fn pb_time(text: &str) -> Option<prost_types::Timestamp> {
        Some(ts(at(text)))
    }

    #[test]
    fn appointment_ranges_default_to_thirty_days() {
        let now = at("2026-11-24T15:30:00Z");
        let list = |from: &str, to: &str| {
            ListAppointments::from_request(
                pb::ListAppointmentsRequest {
                    business_id: "b".into(),
                    from: (!from.is_empty()).then(|| pb_time(from)).flatten(),
                    to: (!to.is_empty()).then(|| pb_time(to)).flatten(),
                    customer_id: String::new(),
                },
                now,
            )
            .unwrap()
        };
        let l = list("", "");
        assert_eq!(
            (l.from, l.to),
            (at("2026-11-24T00:00:00Z"), at("2026-12-24T00:00:00Z"))
        );
        let l = list("2026-01-10T00:00:00Z", "");
        assert_eq!(l.to, at("2026-02-09T00:00:00Z"));
        let l = list("", "2026-01-31T00:00:00Z");
        assert_eq!(l.from, at("2026-01-01T00:00:00Z"));
        // Both given: passed on as they are (the domain checks the order and span).
        let l = list("2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z");
        assert!(l.to < l.from);
        assert_eq!(l.customer_id, None);
    }

    #[test]
    fn report_periods_default_to_the_last_thirty_days() {
        let now = at("2026-11-24T15:30:00Z");
        let p = ReportPeriod::from_request(
            pb::GetReportSummaryRequest {
                business_id: "b".into(),
                ..Default::default()
            },
            now,
        )
        .unwrap();
        assert_eq!((p.from, p.to), (at("2026-10-25T15:30:00Z"), now));
        let p = ReportPeriod::from_request(
            pb::GetReportSummaryRequest {
                business_id: "b".into(),
                from: pb_time("2026-01-01T00:00:00Z"),
                to: None,
            },
            now,
        )
        .unwrap();
        assert_eq!((p.from, p.to), (at("2026-01-01T00:00:00Z"), now));
    }

    #[test]
    fn signing_requests_need_a_token_and_an_ip_address() {
        let sign = |token: &str, ip: &str| {
            Sign::try_from(pb::SignRequest {
                token: token.into(),
                signer_name: "דנה".into(),
                signer_ip: ip.into(),
                image_png: vec![1],
                document_sha256: "ab".repeat(32),
            })
        };
        let s = sign(" abc ", "2001:db8::1").unwrap();
        assert_eq!(
            (
                s.token.as_str(),
                s.signing.signer_ip.to_string(),
                s.signing.document_sha256
            ),
            ("abc", "2001:db8::1".into(), "ab".repeat(32))
        );
        assert!(matches!(
            sign("", "203.0.113.7"),
            Err(Error::Validation { field: "token", .. })
        ));
        assert!(matches!(
            sign("abc", "203.0.113.7:80"),
            Err(Error::Validation {
                field: "signer_ip",
                ..
            })
        ));
    }

    #[test]
    fn voice_modes_convert_both_ways_and_unknown_numbers_are_refused() {
        for m in VoiceMode::ALL {
            assert_eq!(VoiceMode::from(pb::VoiceMode::from(*m)), *m);
        }
        assert_eq!(
            pb::VoiceMode::from(VoiceMode::Automatic),
            pb::VoiceMode::Unspecified
        );
        let update = |mode: Option<i32>| {
            UpdateBusiness::try_from(pb::UpdateBusinessRequest {
                id: "b".into(),
                voice_mode: mode,
                ..Default::default()
            })
        };
        assert_eq!(update(None).unwrap().patch.voice_mode, None);
        assert_eq!(
            update(Some(pb::VoiceMode::Realtime.into()))
                .unwrap()
                .patch
                .voice_mode,
            Some(VoiceMode::Realtime)
        );
        // UNSPECIFIED in an update is "back to automatic", not "unchanged".
        assert_eq!(
            update(Some(pb::VoiceMode::Unspecified.into()))
                .unwrap()
                .patch
                .voice_mode,
            Some(VoiceMode::Automatic)
        );
        assert!(matches!(
            update(Some(7)),
            Err(Error::Validation {
                field: "voice_mode",
                ..
            })
        ));

        let mut b = Business::new("עסק", "esek");
        b.voice_mode = VoiceMode::Record;
        b.agent_voice = "marin".into();
        let out = pb::Business::try_from(b).unwrap();
        assert_eq!(out.voice_mode(), pb::VoiceMode::Record);
        assert_eq!(out.agent_voice, "marin");
    }

    #[test]
    fn updates_set_only_what_is_asked() {
        let u = UpdateInvoice::try_from(pb::UpdateInvoiceRequest {
            business_id: "b".into(),
            id: "i".into(),
            status: Some(" paid ".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            u.patch,
            crate::invoices::InvoicePatch {
                items: None,
                due_at: None,
                status: Some(crate::enums::InvoiceStatus::Paid),
            }
        );
        // `set_due_at` without a time clears it; `set_items` with none is an empty list the
        // domain refuses.
        let u = UpdateInvoice::try_from(pb::UpdateInvoiceRequest {
            business_id: "b".into(),
            id: "i".into(),
            set_due_at: true,
            set_items: true,
            ..Default::default()
        })
        .unwrap();
        assert_eq!((u.patch.due_at, u.patch.items), (Some(None), Some(vec![])));
        let e = UpdateProposal::try_from(pb::UpdateProposalRequest {
            business_id: "b".into(),
            id: "p".into(),
            status: Some("won".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(matches!(
            e,
            Error::Validation {
                field: "status",
                ..
            }
        ));
        let a = UpdateAppointment::try_from(pb::UpdateAppointmentRequest {
            business_id: "b".into(),
            id: "a".into(),
            customer_id: Some(String::new()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(a.patch.customer_id, Some(None));
    }
}
