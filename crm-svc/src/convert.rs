//! Every conversion between protobuf messages and crm-svc's domain types, in one place. Requests
//! become domain values with `TryFrom` (bad input → [`Error::Validation`]); domain values become
//! responses with `From`/`TryFrom`.

use crate::{
    businesses::Business,
    businesses::queries::KnowledgeEntry,
    businesses::{BusinessLookup, BusinessPatch, FeaturePatch},
    customers::Customer,
    customers::{CustomerPatch, DEFAULT_LIMIT, NewCustomer, Page},
    enums::{CustomerSource, CustomerStatus, UserRole, VoiceMode},
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    time,
    users::User,
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

fn non_empty(value: String) -> Option<String> {
    if value.trim().is_empty() {
        None
    } else {
        Some(value)
    }
}

/// A `ListCustomers` request as domain arguments. An absent `page` means 1 and an absent `limit`
/// means [`DEFAULT_LIMIT`]; any value given (0 and negatives too) reaches the domain's validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCustomers {
    pub business_id: BusinessId,
    pub page: i64,
    pub limit: i64,
    pub query: Option<String>,
    pub status: Option<CustomerStatus>,
    /// Keyset paging instead of `page` (which must then be absent).
    pub after: Option<crate::customers::CustomerCursor>,
    /// Only these customers (then nothing else is given).
    pub ids: Vec<CustomerId>,
}

impl TryFrom<pb::ListCustomersRequest> for ListCustomers {
    type Error = Error;

    fn try_from(r: pb::ListCustomersRequest) -> Result<Self> {
        let ids: Vec<CustomerId> = r
            .ids
            .iter()
            .map(|id| id.trim())
            .filter(|id| !id.is_empty())
            .map(|id| CustomerId::from(id.to_owned()))
            .collect();
        if !ids.is_empty()
            && (r.page.is_some()
                || !r.after.trim().is_empty()
                || !r.query.trim().is_empty()
                || !r.status.trim().is_empty())
        {
            return Err(Error::validation(
                "ids",
                "give ids alone, without page, after, q or status",
            ));
        }
        Ok(ListCustomers {
            ids,
            business_id: required("business_id", r.business_id)?,
            page: r.page.unwrap_or(1),
            limit: r.limit.unwrap_or(DEFAULT_LIMIT),
            status: optional_enum("status", &r.status)?,
            query: non_empty(r.query),
            after: match non_empty(r.after) {
                None => None,
                Some(_) if r.page.is_some() => {
                    return Err(Error::validation("after", "give page or after, not both"));
                }
                Some(a) => Some(a.parse()?),
            },
        })
    }
}

/// A `GetCustomer` request as domain arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetCustomer {
    pub business_id: BusinessId,
    pub id: CustomerId,
}

impl TryFrom<pb::GetCustomerRequest> for GetCustomer {
    type Error = Error;

    fn try_from(r: pb::GetCustomerRequest) -> Result<Self> {
        Ok(GetCustomer {
            business_id: required("business_id", r.business_id)?,
            id: required("id", r.id)?,
        })
    }
}

/// A `CreateCustomer` request as domain arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCustomer {
    pub business_id: BusinessId,
    pub customer: NewCustomer,
}

impl TryFrom<pb::CreateCustomerRequest> for CreateCustomer {
    type Error = Error;

    fn try_from(r: pb::CreateCustomerRequest) -> Result<Self> {
        Ok(CreateCustomer {
            business_id: required("business_id", r.business_id)?,
            customer: NewCustomer {
                status: optional_enum::<CustomerStatus>("status", &r.status)?,
                source: optional_enum::<CustomerSource>("source", &r.source)?,
                name: r.name,
                phone: r.phone,
                email: non_empty(r.email),
                notes: r.notes,
            },
        })
    }
}

impl TryFrom<pb::GetBusinessRequest> for BusinessLookup {
    type Error = Error;

    fn try_from(r: pb::GetBusinessRequest) -> Result<Self> {
        use pb::get_business_request::By;
        match r.by {
            Some(By::Id(id)) => Ok(BusinessLookup::Id(required("id", id)?)),
            Some(By::Slug(slug)) => Ok(BusinessLookup::Slug(required("slug", slug)?)),
            Some(By::PhoneNumber(n)) => {
                Ok(BusinessLookup::PhoneNumber(required("phone_number", n)?))
            }
            None => Err(Error::validation(
                "by",
                "give an id, a slug or a phone_number",
            )),
        }
    }
}

/// An `UpdateCustomer` request as domain arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateCustomer {
    pub business_id: BusinessId,
    pub id: CustomerId,
    pub patch: CustomerPatch,
}

impl TryFrom<pb::UpdateCustomerRequest> for UpdateCustomer {
    type Error = Error;

    fn try_from(r: pb::UpdateCustomerRequest) -> Result<Self> {
        let status = match r.status.as_deref() {
            Some(s) => Some(
                s.trim()
                    .parse::<CustomerStatus>()
                    .map_err(|e| Error::validation("status", e.to_string()))?,
            ),
            None => None,
        };
        Ok(UpdateCustomer {
            business_id: required("business_id", r.business_id)?,
            id: required("id", r.id)?,
            patch: CustomerPatch {
                name: r.name,
                phone: r.phone,
                email: r.email,
                status,
                notes: r.notes,
            },
        })
    }
}

/// A business id and an entity id, for gets and deletes.
pub fn scoped_ids<T: From<String>>(business_id: String, id: String) -> Result<(BusinessId, T)> {
    Ok((required("business_id", business_id)?, required("id", id)?))
}

/// An `UpdateBusiness` request as domain arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateBusiness {
    pub id: BusinessId,
    pub patch: BusinessPatch,
}

impl From<VoiceMode> for pb::VoiceMode {
    fn from(m: VoiceMode) -> Self {
        match m {
            VoiceMode::Automatic => pb::VoiceMode::Unspecified,
            VoiceMode::Realtime => pb::VoiceMode::Realtime,
            VoiceMode::Record => pb::VoiceMode::Record,
        }
    }
}

impl From<pb::VoiceMode> for VoiceMode {
    fn from(m: pb::VoiceMode) -> Self {
        match m {
            pb::VoiceMode::Unspecified => VoiceMode::Automatic,
            pb::VoiceMode::Realtime => VoiceMode::Realtime,
            pb::VoiceMode::Record => VoiceMode::Record,
        }
    }
}

/// A `VoiceMode` request value: a number proto does not know is a validation error.
fn voice_mode(value: i32) -> Result<VoiceMode> {
    pb::VoiceMode::try_from(value)
        .map(VoiceMode::from)
        .map_err(|_| Error::validation("voice_mode", format!("unknown voice mode {value}")))
}

impl TryFrom<pb::UpdateBusinessRequest> for UpdateBusiness {
    type Error = Error;

    fn try_from(r: pb::UpdateBusinessRequest) -> Result<Self> {
        let f = r.features.unwrap_or_default();
        Ok(UpdateBusiness {
            id: required("id", r.id)?,
            patch: BusinessPatch {
                name: r.name,
                greeting_text: r.greeting_text,
                vat_rate_bp: r.vat_rate_bp,
                knowledge: r.set_knowledge.then(|| {
                    r.knowledge
                        .into_iter()
                        .map(|k| KnowledgeEntry {
                            q: k.question,
                            a: k.answer,
                        })
                        .collect()
                }),
                twilio_numbers: r.set_twilio_numbers.then_some(r.twilio_numbers),
                voice_mode: r.voice_mode.map(voice_mode).transpose()?,
                agent_voice: r.agent_voice,
                legal: crate::invoices::convert::legal_patch(
                    r.legal_name,
                    r.tax_id,
                    r.address,
                    r.vat_status,
                )?,
                features: FeaturePatch {
                    crm: f.crm_enabled,
                    whatsapp: f.whatsapp_enabled,
                    signature: f.signature_enabled,
                    invoices: f.invoices_enabled,
                    contracts: f.contracts_enabled,
                    voice: f.voice_enabled,
                    proposals: f.proposals_enabled,
                    calendar: f.calendar_enabled,
                    reports: f.reports_enabled,
                },
            },
        })
    }
}

impl From<User> for pb::User {
    fn from(u: User) -> Self {
        pb::User {
            id: u.id.into(),
            business_id: u.business_id.into(),
            email: u.email,
            name: u.name,
            created_at: Some(to_timestamp(time::to_utc(u.created_at))),
            role: pb::UserRole::from(u.role).into(),
            active: u.deactivated_at.is_none(),
            session_version: u.session_version.max(0) as u32,
        }
    }
}

impl From<UserRole> for pb::UserRole {
    fn from(r: UserRole) -> Self {
        match r {
            UserRole::Owner => pb::UserRole::Owner,
            UserRole::Admin => pb::UserRole::Admin,
            UserRole::Agent => pb::UserRole::Agent,
            UserRole::ReadOnly => pb::UserRole::ReadOnly,
        }
    }
}

/// A role from a request (an `i32` of [`pb::UserRole`]), or [`Error::Validation`] on `role`.
pub fn user_role(value: i32) -> Result<UserRole> {
    match pb::UserRole::try_from(value) {
        Ok(pb::UserRole::Owner) => Ok(UserRole::Owner),
        Ok(pb::UserRole::Admin) => Ok(UserRole::Admin),
        Ok(pb::UserRole::Agent) => Ok(UserRole::Agent),
        Ok(pb::UserRole::ReadOnly) => Ok(UserRole::ReadOnly),
        Ok(pb::UserRole::Unspecified) | Err(_) => Err(Error::validation(
            "role",
            "expected one of owner admin agent read_only",
        )),
    }
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

fn ts(t: chrono::NaiveDateTime) -> prost_types::Timestamp {
    to_timestamp(time::to_utc(t))
}

/// An optional id: proto3's empty string means "none".
pub(crate) fn optional_id<T: From<String>>(value: String) -> Option<T> {
    non_empty(value).map(|v| T::from(v.trim().to_owned()))
}

impl From<crate::tasks::Task> for pb::Task {
    fn from(t: crate::tasks::Task) -> Self {
        pb::Task {
            id: t.id.into(),
            business_id: t.business_id.into(),
            customer_id: t.customer_id.map(Into::into).unwrap_or_default(),
            title: t.title,
            due_at: t.due_at.map(ts),
            done: t.done,
            done_at: t.done_at.map(ts),
            assignee_id: t.assignee_id.map(Into::into).unwrap_or_default(),
            created_at: Some(ts(t.created_at)),
            updated_at: Some(ts(t.updated_at)),
        }
    }
}

impl From<Page<crate::tasks::Task>> for pb::ListTasksResponse {
    fn from(p: Page<crate::tasks::Task>) -> Self {
        pb::ListTasksResponse {
            page: p.page,
            limit: p.limit,
            total: p.total,
            items: p.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// A `ListTasks` request as domain arguments.
#[derive(Debug, Clone)]
pub struct ListTasks {
    pub business_id: BusinessId,
    pub page: i64,
    pub limit: i64,
    pub filter: crate::tasks::queries::TaskFilter,
    pub sort: Option<crate::tasks::queries::TaskSort>,
}

impl TryFrom<pb::ListTasksRequest> for ListTasks {
    type Error = Error;

    fn try_from(r: pb::ListTasksRequest) -> Result<Self> {
        let sort = match non_empty(r.sort) {
            Some(s) => Some(crate::tasks::parse_sort(s.trim())?),
            None => None,
        };
        Ok(ListTasks {
            business_id: required("business_id", r.business_id)?,
            page: r.page.unwrap_or(1),
            limit: r.limit.unwrap_or(DEFAULT_LIMIT),
            filter: crate::tasks::queries::TaskFilter {
                customer_id: optional_id(r.customer_id),
                done: r.done,
                due_before: naive_time("due_before", r.due_before)?,
                due_after: naive_time("due_after", r.due_after)?,
            },
            sort,
        })
    }
}

/// A `CreateTask` request as domain arguments.
#[derive(Debug, Clone)]
pub struct CreateTask {
    pub business_id: BusinessId,
    pub task: crate::tasks::NewTask,
}

impl TryFrom<pb::CreateTaskRequest> for CreateTask {
    type Error = Error;

    fn try_from(r: pb::CreateTaskRequest) -> Result<Self> {
        Ok(CreateTask {
            business_id: required("business_id", r.business_id)?,
            task: crate::tasks::NewTask {
                title: r.title,
                due_at: naive_time("due_at", r.due_at)?,
                customer_id: optional_id(r.customer_id),
                assignee_id: optional_id(r.assignee_id),
            },
        })
    }
}

/// An `UpdateTask` request as domain arguments.
#[derive(Debug, Clone)]
pub struct UpdateTask {
    pub business_id: BusinessId,
    pub id: crate::ids::TaskId,
    pub patch: crate::tasks::TaskPatch,
}

impl TryFrom<pb::UpdateTaskRequest> for UpdateTask {
    type Error = Error;

    fn try_from(r: pb::UpdateTaskRequest) -> Result<Self> {
        Ok(UpdateTask {
            business_id: required("business_id", r.business_id)?,
            id: required("id", r.id)?,
            patch: crate::tasks::TaskPatch {
                title: r.title,
                due_at: if r.set_due_at {
                    Some(naive_time("due_at", r.due_at)?)
                } else {
                    None
                },
                done: r.done,
                assignee_id: r.assignee_id.map(optional_id),
                customer_id: r.customer_id.map(optional_id),
            },
        })
    }
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

impl From<Customer> for pb::Customer {
    fn from(c: Customer) -> Self {
        pb::Customer {
            id: c.id.into(),
            business_id: c.business_id.into(),
            name: c.name,
            phone: c.phone,
            email: c.email.unwrap_or_default(),
            status: c.status.to_string(),
            source: c.source.to_string(),
            notes: c.notes,
            created_at: Some(to_timestamp(time::to_utc(c.created_at))),
            updated_at: Some(to_timestamp(time::to_utc(c.updated_at))),
        }
    }
}

impl From<Page<Customer>> for pb::ListCustomersResponse {
    fn from(p: Page<Customer>) -> Self {
        // A full page may have more after it.
        let next_cursor = match p.items.last() {
            Some(last) if p.items.len() as i64 == p.limit => {
                crate::customers::CustomerCursor::after(last).to_string()
            }
            _ => String::new(),
        };
        pb::ListCustomersResponse {
            page: p.page,
            limit: p.limit,
            total: p.total,
            items: p.items.into_iter().map(Into::into).collect(),
            next_cursor,
        }
    }
}

impl TryFrom<Business> for pb::Business {
    type Error = Error;

    /// Fails only when the stored `twilio_numbers` is not a JSON list of strings.
    fn try_from(b: Business) -> Result<Self> {
        Ok(pb::Business {
            twilio_numbers: b.twilio_number_list()?,
            knowledge: b
                .knowledge()?
                .into_iter()
                .map(|k| pb::KnowledgeEntry {
                    question: k.q,
                    answer: k.a,
                })
                .collect(),
            features: Some(pb::FeatureFlags {
                crm_enabled: b.crm_enabled,
                whatsapp_enabled: b.whatsapp_enabled,
                signature_enabled: b.signature_enabled,
                invoices_enabled: b.invoices_enabled,
                contracts_enabled: b.contracts_enabled,
                voice_enabled: b.voice_enabled,
                proposals_enabled: b.proposals_enabled,
                calendar_enabled: b.calendar_enabled,
                reports_enabled: b.reports_enabled,
            }),
            created_at: Some(to_timestamp(time::to_utc(b.created_at))),
            id: b.id.into(),
            name: b.name,
            slug: b.slug,
            greeting_text: b.greeting_text,
            vat_rate_bp: b.vat_rate_bp,
            legal_name: b.legal_name,
            tax_id: b.tax_id,
            address: b.address,
            vat_status: b.vat_status.to_string(),
            voice_mode: pb::VoiceMode::from(b.voice_mode).into(),
            agent_voice: b.agent_voice,
        })
    }
}

/// A required time: absent → [`Error::Validation`] on `field`.
fn required_time(
    field: &'static str,
    t: Option<prost_types::Timestamp>,
) -> Result<chrono::NaiveDateTime> {
    naive_time(field, t)?.ok_or_else(|| Error::validation(field, "is required"))
}

/// An optional `sort` request value, parsed by `parse`.
fn optional_sort<S>(value: String, parse: fn(&str) -> Result<S>) -> Result<Option<S>> {
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
        pub type $name = DocumentList<$($filter)::+, $sort>;

        impl TryFrom<$request> for $name {
            type Error = Error;

            fn try_from(r: $request) -> Result<Self> {
                Ok(DocumentList {
                    business_id: required("business_id", r.business_id)?,
                    page: r.page.unwrap_or(1),
                    limit: r.limit.unwrap_or(DEFAULT_LIMIT),
                    filter: $($filter)::+ {
                        customer_id: optional_id(r.customer_id),
                        status: optional_enum("status", &r.status)?,
                    },
                    sort: optional_sort(r.sort, $parse_sort)?,
                })
            }
        }
    };
}

/// A status given in an update: trimmed and parsed, or [`Error::Validation`] on `status`.
fn patch_enum<T: FromStr>(field: &'static str, value: Option<String>) -> Result<Option<T>>
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

fn line_items(items: Vec<pb::LineItem>) -> Vec<crate::line_items::LineItem> {
    items.into_iter().map(Into::into).collect()
}

fn pb_line_items(stored_json: &str) -> Result<Vec<pb::LineItem>> {
    Ok(crate::line_items::from_json(stored_json)?
        .into_iter()
        .map(Into::into)
        .collect())
}

// ---- invoices ----

document_list!(
    /// A `ListInvoices` request as domain arguments.
    ListInvoices,
    pb::ListInvoicesRequest,
    crate::invoices::queries::InvoiceFilter,
    crate::invoices::queries::InvoiceSort,
    crate::invoices::parse_sort
);

/// A `CreateInvoice` request as domain arguments.
#[derive(Debug, Clone)]
pub struct CreateInvoice {
    pub business_id: BusinessId,
    pub invoice: crate::invoices::NewInvoice,
    pub kind: crate::invoices::documents::DocumentKind,
}

impl TryFrom<pb::CreateInvoiceRequest> for CreateInvoice {
    type Error = Error;

    fn try_from(r: pb::CreateInvoiceRequest) -> Result<Self> {
        let kind = crate::invoices::convert::document_kind(
            &r.doc_type,
            &r.payment_method,
            r.credited_invoice_id,
            r.customer_tax_id,
        )?;
        Ok(CreateInvoice {
            kind,
            business_id: required("business_id", r.business_id)?,
            invoice: crate::invoices::NewInvoice {
                customer_id: required("customer_id", r.customer_id)?,
                items: line_items(r.items),
                due_at: naive_time("due_at", r.due_at)?,
            },
        })
    }
}

/// An `UpdateInvoice` request as domain arguments.
#[derive(Debug, Clone)]
pub struct UpdateInvoice {
    pub business_id: BusinessId,
    pub id: crate::ids::InvoiceId,
    pub patch: crate::invoices::InvoicePatch,
}

impl TryFrom<pb::UpdateInvoiceRequest> for UpdateInvoice {
    type Error = Error;

    fn try_from(r: pb::UpdateInvoiceRequest) -> Result<Self> {
        Ok(UpdateInvoice {
            business_id: required("business_id", r.business_id)?,
            id: required("id", r.id)?,
            patch: crate::invoices::InvoicePatch {
                items: r.set_items.then(|| line_items(r.items)),
                due_at: if r.set_due_at {
                    Some(naive_time("due_at", r.due_at)?)
                } else {
                    None
                },
                status: patch_enum("status", r.status)?,
            },
        })
    }
}

impl TryFrom<crate::invoices::Invoice> for pb::Invoice {
    type Error = Error;

    /// Fails only when the stored items are not valid JSON line items.
    fn try_from(i: crate::invoices::Invoice) -> Result<Self> {
        Ok(pb::Invoice {
            items: pb_line_items(&i.items)?,
            parties: crate::invoices::convert::pb_parties(&i)?,
            allocation_required: crate::invoices::allocation_required(&i)?,
            doc_type: i.doc_type.to_string(),
            payment_method: i.payment_method.map(|m| m.to_string()).unwrap_or_default(),
            credited_invoice_id: i.credited_invoice_id.map(Into::into).unwrap_or_default(),
            customer_tax_id: i.customer_tax_id.unwrap_or_default(),
            id: i.id.into(),
            business_id: i.business_id.into(),
            customer_id: i.customer_id.into(),
            number: i.number,
            status: i.status.to_string(),
            subtotal_agorot: i.subtotal_agorot,
            vat_agorot: i.vat_agorot,
            total_agorot: i.total_agorot,
            vat_rate_bp: i.vat_rate_bp,
            issued_at: i.issued_at.map(ts),
            due_at: i.due_at.map(ts),
            paid_at: i.paid_at.map(ts),
            created_at: Some(ts(i.created_at)),
            updated_at: Some(ts(i.updated_at)),
        })
    }
}

impl TryFrom<Page<crate::invoices::Invoice>> for pb::ListInvoicesResponse {
    type Error = Error;

    fn try_from(p: Page<crate::invoices::Invoice>) -> Result<Self> {
        Ok(pb::ListInvoicesResponse {
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

// ---- appointments ----

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
        }
    }
}

// ---- contracts ----

document_list!(
    /// A `ListContracts` request as domain arguments.
    ListContracts,
    pb::ListContractsRequest,
    crate::contracts::queries::ContractFilter,
    crate::contracts::queries::ContractSort,
    crate::contracts::parse_sort
);

/// A `CreateContract` request as domain arguments.
#[derive(Debug, Clone)]
pub struct CreateContract {
    pub business_id: BusinessId,
    pub contract: crate::contracts::NewContract,
}

impl TryFrom<pb::CreateContractRequest> for CreateContract {
    type Error = Error;

    fn try_from(r: pb::CreateContractRequest) -> Result<Self> {
        Ok(CreateContract {
            business_id: required("business_id", r.business_id)?,
            contract: crate::contracts::NewContract {
                customer_id: required("customer_id", r.customer_id)?,
                title: r.title,
                body: r.body,
            },
        })
    }
}

/// An `UpdateContract` request as domain arguments.
#[derive(Debug, Clone)]
pub struct UpdateContract {
    pub business_id: BusinessId,
    pub id: crate::ids::ContractId,
    pub patch: crate::contracts::ContractPatch,
}

impl TryFrom<pb::UpdateContractRequest> for UpdateContract {
    type Error = Error;

    fn try_from(r: pb::UpdateContractRequest) -> Result<Self> {
        Ok(UpdateContract {
            business_id: required("business_id", r.business_id)?,
            id: required("id", r.id)?,
            patch: crate::contracts::ContractPatch {
                title: r.title,
                body: r.body,
                status: patch_enum("status", r.status)?,
            },
        })
    }
}

impl From<crate::contracts::Contract> for pb::Contract {
    fn from(c: crate::contracts::Contract) -> Self {
        pb::Contract {
            id: c.id.into(),
            business_id: c.business_id.into(),
            customer_id: c.customer_id.into(),
            title: c.title,
            body: c.body,
            status: c.status.to_string(),
            created_at: Some(ts(c.created_at)),
            updated_at: Some(ts(c.updated_at)),
        }
    }
}

impl From<Page<crate::contracts::Contract>> for pb::ListContractsResponse {
    fn from(p: Page<crate::contracts::Contract>) -> Self {
        pb::ListContractsResponse {
            page: p.page,
            limit: p.limit,
            total: p.total,
            items: p.items.into_iter().map(Into::into).collect(),
        }
    }
}

// ---- proposals ----

document_list!(
    /// A `ListProposals` request as domain arguments.
    ListProposals,
    pb::ListProposalsRequest,
    crate::proposals::queries::ProposalFilter,
    crate::proposals::queries::ProposalSort,
    crate::proposals::parse_sort
);

/// A `CreateProposal` request as domain arguments.
#[derive(Debug, Clone)]
pub struct CreateProposal {
    pub business_id: BusinessId,
    pub proposal: crate::proposals::NewProposal,
}

impl TryFrom<pb::CreateProposalRequest> for CreateProposal {
    type Error = Error;

    fn try_from(r: pb::CreateProposalRequest) -> Result<Self> {
        Ok(CreateProposal {
            business_id: required("business_id", r.business_id)?,
            proposal: crate::proposals::NewProposal {
                customer_id: required("customer_id", r.customer_id)?,
                title: r.title,
                items: line_items(r.items),
                valid_until: naive_time("valid_until", r.valid_until)?,
            },
        })
    }
}

/// An `UpdateProposal` request as domain arguments.
#[derive(Debug, Clone)]
pub struct UpdateProposal {
    pub business_id: BusinessId,
    pub id: crate::ids::ProposalId,
    pub patch: crate::proposals::ProposalPatch,
}

impl TryFrom<pb::UpdateProposalRequest> for UpdateProposal {
    type Error = Error;

    fn try_from(r: pb::UpdateProposalRequest) -> Result<Self> {
        Ok(UpdateProposal {
            business_id: required("business_id", r.business_id)?,
            id: required("id", r.id)?,
            patch: crate::proposals::ProposalPatch {
                title: r.title,
                items: r.set_items.then(|| line_items(r.items)),
                valid_until: if r.set_valid_until {
                    Some(naive_time("valid_until", r.valid_until)?)
                } else {
                    None
                },
                status: patch_enum("status", r.status)?,
            },
        })
    }
}

impl TryFrom<crate::proposals::Proposal> for pb::Proposal {
    type Error = Error;

    /// Fails only when the stored items are not valid JSON line items.
    fn try_from(p: crate::proposals::Proposal) -> Result<Self> {
        Ok(pb::Proposal {
            items: pb_line_items(&p.items)?,
            id: p.id.into(),
            business_id: p.business_id.into(),
            customer_id: p.customer_id.into(),
            title: p.title,
            total_agorot: p.total_agorot,
            status: p.status.to_string(),
            valid_until: p.valid_until.map(ts),
            created_at: Some(ts(p.created_at)),
            updated_at: Some(ts(p.updated_at)),
        })
    }
}

impl TryFrom<Page<crate::proposals::Proposal>> for pb::ListProposalsResponse {
    type Error = Error;

    fn try_from(p: Page<crate::proposals::Proposal>) -> Result<Self> {
        Ok(pb::ListProposalsResponse {
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

// ---- signatures ----

/// A link token from a public request: required (no business to scope it; the token is the
/// credential).
pub fn token(value: String) -> Result<String> {
    required("token", value)
}

/// A `Sign` request as domain arguments.
#[derive(Debug, Clone)]
pub struct Sign {
    pub token: String,
    pub signing: crate::signatures::Signing,
}

impl TryFrom<pb::SignRequest> for Sign {
    type Error = Error;

    fn try_from(r: pb::SignRequest) -> Result<Self> {
        Ok(Sign {
            token: token(r.token)?,
            signing: crate::signatures::Signing {
                signer_ip: r
                    .signer_ip
                    .trim()
                    .parse()
                    .map_err(|_| Error::validation("signer_ip", "is not an IP address"))?,
                signer_name: r.signer_name,
                image_png: r.image_png,
                document_sha256: r.document_sha256,
            },
        })
    }
}

/// The document of a signature request: exactly one of `contract_id` and `proposal_id`.
pub fn document_ref(
    contract_id: String,
    proposal_id: String,
) -> Result<crate::signatures::DocumentRef> {
    use crate::signatures::DocumentRef;
    match (contract_id.trim(), proposal_id.trim()) {
        (c, "") if !c.is_empty() => Ok(DocumentRef::Contract(c.to_owned().into())),
        ("", p) if !p.is_empty() => Ok(DocumentRef::Proposal(p.to_owned().into())),
        ("", "") => Err(Error::validation(
            "contract_id",
            "contract_id or proposal_id is required",
        )),
        _ => Err(Error::validation(
            "proposal_id",
            "give contract_id or proposal_id, not both",
        )),
    }
}

/// `(contract_id, proposal_id)` of `d` as proto strings (the other one empty).
fn document_ids(d: &crate::signatures::DocumentRef) -> (String, String) {
    (
        d.contract_id().map(|i| i.to_string()).unwrap_or_default(),
        d.proposal_id().map(|i| i.to_string()).unwrap_or_default(),
    )
}

impl From<crate::signatures::SigningLink> for pb::SignatureLink {
    fn from(l: crate::signatures::SigningLink) -> Self {
        let (contract_id, proposal_id) = document_ids(&l.document);
        pb::SignatureLink {
            signature_id: l.signature_id.into(),
            contract_id,
            proposal_id,
            token: l.token,
            url_path: l.url_path,
            expires_at: Some(ts(l.expires_at)),
        }
    }
}

impl From<crate::signatures::SigningDocument> for pb::SigningDocument {
    fn from(d: crate::signatures::SigningDocument) -> Self {
        let (contract_id, proposal_id) = document_ids(&d.document);
        pb::SigningDocument {
            signature_id: d.signature_id.into(),
            document_type: d.document.kind().to_owned(),
            contract_id,
            proposal_id,
            business_name: d.business_name,
            title: d.title,
            body: d.body,
            document_sha256: d.document_sha256,
            expires_at: Some(ts(d.expires_at)),
        }
    }
}

impl From<crate::signatures::Signature> for pb::Signature {
    /// Without the image (and never the token hash).
    fn from(s: crate::signatures::Signature) -> Self {
        pb::Signature {
            state: s.state(crate::time::now()).as_str().to_owned(),
            id: s.id.into(),
            business_id: s.business_id.into(),
            contract_id: s.contract_id.map(Into::into).unwrap_or_default(),
            proposal_id: s.proposal_id.map(Into::into).unwrap_or_default(),
            signer_name: s.signer_name.unwrap_or_default(),
            signer_ip: s.signer_ip.unwrap_or_default(),
            document_sha256: s.document_sha256.unwrap_or_default(),
            signed_at: s.signed_at.map(ts),
            used_at: s.used_at.map(ts),
            created_at: Some(ts(s.created_at)),
            expires_at: Some(ts(s.expires_at)),
            revoked_at: s.revoked_at.map(ts),
        }
    }
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
        })
    }
}

impl TryFrom<Page<crate::calls::Call>> for pb::ListCallsResponse {
    type Error = Error;

    fn try_from(p: Page<crate::calls::Call>) -> Result<Self> {
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

impl From<crate::whatsapp::WhatsAppMessage> for pb::WhatsAppMessage {
    fn from(m: crate::whatsapp::WhatsAppMessage) -> Self {
        pb::WhatsAppMessage {
            id: m.id.into(),
            business_id: m.business_id.into(),
            customer_id: m.customer_id.map(Into::into).unwrap_or_default(),
            provider_message_id: m.provider_message_id,
            direction: m.direction,
            from_number: m.from_number,
            to_number: m.to_number,
            body: m.body,
            status: m.status,
            created_at: Some(ts(m.created_at)),
            updated_at: Some(ts(m.updated_at)),
        }
    }
}

impl From<Page<crate::whatsapp::WhatsAppMessage>> for pb::ListWhatsAppMessagesResponse {
    fn from(p: Page<crate::whatsapp::WhatsAppMessage>) -> Self {
        pb::ListWhatsAppMessagesResponse {
            page: p.page,
            limit: p.limit,
            total: p.total,
            items: p.items.into_iter().map(Into::into).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
