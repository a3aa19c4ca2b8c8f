//! JSON forms of what the services return.

use agentlocator_proto::{from_timestamp, v1};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub page: i64,
    pub limit: i64,
    pub total: i64,
    pub items: Vec<T>,
}

#[derive(Debug, Serialize)]
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
