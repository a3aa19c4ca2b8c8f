use crate::{
    db::{DbConn, MultiBackend},
    enums::ContractStatus,
    error::Result,
    ids::{BusinessId, ContractId, CustomerId},
    pagination::SortSpec,
    schema::contracts,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A contract sent to a customer for e-signature.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = contracts)]
pub struct Contract {
    pub id: ContractId,
    pub business_id: BusinessId,
    pub customer_id: CustomerId,
    pub title: String,
    pub body: String,
    pub status: ContractStatus,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

/// What a contract list is narrowed to (AND-ed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractFilter {
    pub customer_id: Option<CustomerId>,
    pub status: Option<ContractStatus>,
}

/// The columns a contract list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractSortColumn {
    CreatedAt,
    UpdatedAt,
}

impl ContractSortColumn {
    pub const NAMES: &'static [(&'static str, ContractSortColumn)] = &[
        ("created_at", ContractSortColumn::CreatedAt),
        ("updated_at", ContractSortColumn::UpdatedAt),
    ];
}

/// How a contract list is ordered; the default is `created_at` descending.
pub type ContractSort = SortSpec<ContractSortColumn>;

fn filtered<'a>(
    business_id: &'a BusinessId,
    filter: &'a ContractFilter,
) -> contracts::BoxedQuery<'a, MultiBackend> {
    let mut query = contracts::table
        .filter(contracts::business_id.eq(business_id))
        .into_boxed();
    if let Some(customer_id) = &filter.customer_id {
        query = query.filter(contracts::customer_id.eq(customer_id));
    }
    if let Some(status) = filter.status {
        query = query.filter(contracts::status.eq(status));
    }
    query
}

/// The contracts of `business_id` matching `filter` in `sort` order (ties by id), `limit`
/// after skipping `offset`, plus how many match in all.
pub fn list(
    conn: &mut DbConn,
    business_id: &BusinessId,
    filter: &ContractFilter,
    sort: ContractSort,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Contract>)> {
    let total: i64 = filtered(business_id, filter)
        .select(diesel::dsl::count_star())
        .get_result(conn)?;
    let query = filtered(business_id, filter);
    let query = match (sort.column, sort.descending) {
        (ContractSortColumn::CreatedAt, false) => {
            query.order((contracts::created_at.asc(), contracts::id.asc()))
        }
        (ContractSortColumn::CreatedAt, true) => {
            query.order((contracts::created_at.desc(), contracts::id.desc()))
        }
        (ContractSortColumn::UpdatedAt, false) => {
            query.order((contracts::updated_at.asc(), contracts::id.asc()))
        }
        (ContractSortColumn::UpdatedAt, true) => {
            query.order((contracts::updated_at.desc(), contracts::id.desc()))
        }
    };
    let items = query
        .limit(limit)
        .offset(offset)
        .select(Contract::as_select())
        .load(conn)?;
    Ok((total, items))
}

pub fn insert(conn: &mut DbConn, contract: &Contract) -> Result<()> {
    diesel::insert_into(contracts::table)
        .values(contract)
        .execute(conn)?;
    Ok(())
}

/// The contract `id` of `business_id`; one of another business is `None`.
pub fn find(
    conn: &mut DbConn,
    business_id: &BusinessId,
    id: &ContractId,
) -> Result<Option<Contract>> {
    Ok(contracts::table
        .filter(contracts::id.eq(id))
        .filter(contracts::business_id.eq(business_id))
        .select(Contract::as_select())
        .first(conn)
        .optional()?)
}

/// Writes the editable columns of `contract` (matched by id and business).
pub fn save(conn: &mut DbConn, contract: &Contract) -> Result<usize> {
    Ok(diesel::update(
        contracts::table
            .filter(contracts::id.eq(&contract.id))
            .filter(contracts::business_id.eq(&contract.business_id)),
    )
    .set((
        contracts::title.eq(&contract.title),
        contracts::body.eq(&contract.body),
        contracts::status.eq(contract.status),
        contracts::updated_at.eq(contract.updated_at),
    ))
    .execute(conn)?)
}

/// Marks the contract `id` of `business_id` signed at `at`, unless it already is; returns the
/// rows changed (0: unknown, or signed already — by a concurrent signer, say).
pub fn mark_signed(
    conn: &mut DbConn,
    business_id: &BusinessId,
    id: &ContractId,
    at: NaiveDateTime,
) -> Result<usize> {
    Ok(diesel::update(
        contracts::table
            .filter(contracts::id.eq(id))
            .filter(contracts::business_id.eq(business_id))
            .filter(contracts::status.ne(ContractStatus::Signed)),
    )
    .set((
        contracts::status.eq(ContractStatus::Signed),
        contracts::updated_at.eq(at),
    ))
    .execute(conn)?)
}

/// Deletes the contract `id` of `business_id`; returns how many rows went (0 or 1).
pub fn delete(conn: &mut DbConn, business_id: &BusinessId, id: &ContractId) -> Result<usize> {
    Ok(diesel::delete(
        contracts::table
            .filter(contracts::id.eq(id))
            .filter(contracts::business_id.eq(business_id)),
    )
    .execute(conn)?)
}

/// The contracts of a customer, newest first.
pub fn list_by_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<Contract>> {
    Ok(contracts::table
        .filter(contracts::business_id.eq(business_id))
        .filter(contracts::customer_id.eq(customer_id))
        .order((contracts::created_at.desc(), contracts::id.desc()))
        .select(Contract::as_select())
        .load(conn)?)
}
