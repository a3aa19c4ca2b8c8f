//! Every conversion between protobuf messages and crm-svc's domain types, in one place. Requests
//! become domain values with `TryFrom` (bad input → [`Error::Validation`]); domain values become
//! responses with `From`/`TryFrom`.

use crate::{
    businesses::{BusinessLookup, BusinessPatch, FeaturePatch},
    customers::{CustomerPatch, DEFAULT_LIMIT, NewCustomer, Page},
    enums::{CustomerSource, CustomerStatus},
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    models::{Business, Customer, User, business::KnowledgeEntry},
    time,
};
use agentlocator_proto::{to_timestamp, v1 as pb};
use std::str::FromStr;

/// A non-empty id from a request field.
fn required<T: From<String>>(field: &'static str, value: String) -> Result<T> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::validation(field, "is required"));
    }
    Ok(T::from(value.to_owned()))
}

/// An optional enum: proto3's empty string means "not given".
fn optional_enum<T: FromStr>(field: &'static str, value: &str) -> Result<Option<T>>
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
}

impl TryFrom<pb::ListCustomersRequest> for ListCustomers {
    type Error = Error;

    fn try_from(r: pb::ListCustomersRequest) -> Result<Self> {
        Ok(ListCustomers {
            business_id: required("business_id", r.business_id)?,
            page: r.page.unwrap_or(1),
            limit: r.limit.unwrap_or(DEFAULT_LIMIT),
            status: optional_enum("status", &r.status)?,
            query: non_empty(r.query),
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
            role: u.role.to_string(),
            created_at: Some(to_timestamp(time::to_utc(u.created_at))),
        }
    }
}

/// A protobuf timestamp as a stored (UTC, naive) time; out of range → validation on `field`.
pub fn naive_time(
    field: &'static str,
    t: Option<prost_types::Timestamp>,
) -> Result<Option<chrono::NaiveDateTime>> {
    t.map(|t| {
        agentlocator_proto::from_timestamp(&t)
            .map(time::from_utc)
            .ok_or_else(|| Error::validation(field, "is not a valid time"))
    })
    .transpose()
}

fn ts(t: chrono::NaiveDateTime) -> prost_types::Timestamp {
    to_timestamp(time::to_utc(t))
}

/// An optional id: proto3's empty string means "none".
fn optional_id<T: From<String>>(value: String) -> Option<T> {
    non_empty(value).map(|v| T::from(v.trim().to_owned()))
}

impl From<crate::models::Task> for pb::Task {
    fn from(t: crate::models::Task) -> Self {
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

impl From<Page<crate::models::Task>> for pb::ListTasksResponse {
    fn from(p: Page<crate::models::Task>) -> Self {
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
    pub filter: crate::models::task::TaskFilter,
    pub sort: Option<crate::models::task::TaskSort>,
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
            filter: crate::models::task::TaskFilter {
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
        pb::ListCustomersResponse {
            page: p.page,
            limit: p.limit,
            total: p.total,
            items: p.items.into_iter().map(Into::into).collect(),
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
        })
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
}
