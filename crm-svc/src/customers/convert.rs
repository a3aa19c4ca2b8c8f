//! Conversions between the protobuf messages of customers and the domain's types.

use crate::convert::{non_empty, optional_enum, required};
use crate::{
    customers::Customer,
    customers::{CustomerPatch, NewCustomer},
    enums::{CustomerSource, CustomerStatus},
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    pagination::{DEFAULT_LIMIT, Page},
    time,
};
use agentlocator_proto::{to_timestamp, v1 as pb};

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
