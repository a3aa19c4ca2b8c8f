//! JSON forms of what the services return.

use agentlocator_proto::{from_timestamp, v1};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub page: i64,
    pub limit: i64,
    pub total: i64,
    pub items: Vec<T>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub status: String,
    pub source: String,
    pub notes: String,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

fn rfc3339(t: Option<&prost_types::Timestamp>) -> Option<String> {
    t.and_then(from_timestamp)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

impl From<v1::Customer> for Customer {
    fn from(c: v1::Customer) -> Self {
        Customer {
            created_at: rfc3339(c.created_at.as_ref()),
            updated_at: rfc3339(c.updated_at.as_ref()),
            id: c.id,
            name: c.name,
            phone: c.phone,
            email: Some(c.email).filter(|e| !e.is_empty()),
            status: c.status,
            source: c.source,
            notes: c.notes,
        }
    }
}

impl From<v1::ListCustomersResponse> for Page<Customer> {
    fn from(r: v1::ListCustomersResponse) -> Self {
        Page {
            page: r.page,
            limit: r.limit,
            total: r.total,
            items: r.items.into_iter().map(Customer::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub business_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub created_at: Option<String>,
}

impl From<v1::User> for User {
    fn from(u: v1::User) -> Self {
        User {
            created_at: rfc3339(u.created_at.as_ref()),
            id: u.id,
            business_id: u.business_id,
            email: u.email,
            name: u.name,
            role: u.role,
        }
    }
}

#[derive(Debug, Serialize, serde::Deserialize, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct Knowledge {
    pub q: String,
    pub a: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Features {
    pub crm_enabled: bool,
    pub whatsapp_enabled: bool,
    pub signature_enabled: bool,
    pub invoices_enabled: bool,
    pub contracts_enabled: bool,
    pub voice_enabled: bool,
    pub proposals_enabled: bool,
    pub calendar_enabled: bool,
    pub reports_enabled: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Business {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub greeting_text: String,
    /// Basis points: 1800 = 18%.
    pub vat_rate_bp: i32,
    pub twilio_numbers: Vec<String>,
    pub knowledge: Vec<Knowledge>,
    pub features: Features,
    pub created_at: Option<String>,
}

impl From<v1::Business> for Business {
    fn from(b: v1::Business) -> Self {
        let f = b.features.unwrap_or_default();
        Business {
            created_at: rfc3339(b.created_at.as_ref()),
            id: b.id,
            name: b.name,
            slug: b.slug,
            greeting_text: b.greeting_text,
            vat_rate_bp: b.vat_rate_bp,
            twilio_numbers: b.twilio_numbers,
            knowledge: b
                .knowledge
                .into_iter()
                .map(|k| Knowledge {
                    q: k.question,
                    a: k.answer,
                })
                .collect(),
            features: Features {
                crm_enabled: f.crm_enabled,
                whatsapp_enabled: f.whatsapp_enabled,
                signature_enabled: f.signature_enabled,
                invoices_enabled: f.invoices_enabled,
                contracts_enabled: f.contracts_enabled,
                voice_enabled: f.voice_enabled,
                proposals_enabled: f.proposals_enabled,
                calendar_enabled: f.calendar_enabled,
                reports_enabled: f.reports_enabled,
            },
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: String,
    pub customer_id: Option<String>,
    pub title: String,
    pub due_at: Option<String>,
    pub done: bool,
    pub done_at: Option<String>,
    pub assignee_id: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

fn non_empty(s: String) -> Option<String> {
    Some(s).filter(|s| !s.is_empty())
}

impl From<v1::Task> for Task {
    fn from(t: v1::Task) -> Self {
        Task {
            due_at: rfc3339(t.due_at.as_ref()),
            done_at: rfc3339(t.done_at.as_ref()),
            created_at: rfc3339(t.created_at.as_ref()),
            updated_at: rfc3339(t.updated_at.as_ref()),
            id: t.id,
            customer_id: non_empty(t.customer_id),
            title: t.title,
            done: t.done,
            assignee_id: non_empty(t.assignee_id),
        }
    }
}

impl From<v1::ListTasksResponse> for Page<Task> {
    fn from(r: v1::ListTasksResponse) -> Self {
        Page {
            page: r.page,
            limit: r.limit,
            total: r.total,
            items: r.items.into_iter().map(Task::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TimelineItem {
    /// call | contract | invoice | task | whatsapp
    pub kind: String,
    pub id: String,
    /// What the item is ordered by; null for a task without a due date.
    pub ts: Option<String>,
    /// The entity itself.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl TryFrom<v1::TimelineItem> for TimelineItem {
    type Error = serde_json::Error;
    fn try_from(i: v1::TimelineItem) -> Result<Self, Self::Error> {
        Ok(TimelineItem {
            ts: rfc3339(i.ts.as_ref()),
            data: serde_json::from_str(&i.data_json)?,
            kind: i.kind,
            id: i.id,
        })
    }
}

/// An RFC 3339 time from a request (`2026-11-24T09:00:00+02:00`), or a 422 naming `field`.
pub fn parse_time(
    field: &str,
    value: &str,
) -> Result<prost_types::Timestamp, crate::error::ApiError> {
    chrono::DateTime::parse_from_rfc3339(value.trim())
        .map(|t| agentlocator_proto::to_timestamp(t.with_timezone(&chrono::Utc)))
        .map_err(|_| {
            crate::error::ApiError::validation(format!(
                "{field}: expected a time like 2026-11-24T09:00:00+02:00, got {value:?}"
            ))
            .with_field(field)
        })
}

/// For PATCH bodies: tells a field that is absent (`None`) from one that is `null` (`Some(None)`),
/// so `null` can clear a value. Use with `#[serde(default, deserialize_with = ...)]`.
pub fn nullable<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    use serde::Deserialize;
    Ok(Some(Option::deserialize(d)?))
}
