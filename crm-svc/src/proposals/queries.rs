use crate::{
    db::{DbConn, MultiBackend},
    enums::ProposalStatus,
    error::Result,
    ids::{BusinessId, CustomerId, ProposalId},
    pagination::SortSpec,
    schema::proposals,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A price quote; amounts in agorot.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = proposals)]
pub struct Proposal {
    pub id: ProposalId,
    pub business_id: BusinessId,
    pub customer_id: CustomerId,
    pub title: String,
    /// JSON `[{"description", "quantity", "unit_price_agorot"}]`.
    #[serde(serialize_with = "crate::text::json_text")]
    pub items: String,
    /// Σ quantity × unit price, before VAT.
    pub total_agorot: i64,
    pub status: ProposalStatus,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub valid_until: Option<NaiveDateTime>,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

/// What a proposal list is narrowed to (AND-ed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProposalFilter {
    pub customer_id: Option<CustomerId>,
    pub status: Option<ProposalStatus>,
}

/// The columns a proposal list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalSortColumn {
    CreatedAt,
    ValidUntil,
}

impl ProposalSortColumn {
    pub const NAMES: &'static [(&'static str, ProposalSortColumn)] = &[
        ("created_at", ProposalSortColumn::CreatedAt),
        ("valid_until", ProposalSortColumn::ValidUntil),
    ];
}

/// How a proposal list is ordered; the default is `created_at` descending.
pub type ProposalSort = SortSpec<ProposalSortColumn>;

fn filtered<'a>(
    business_id: &'a BusinessId,
    filter: &'a ProposalFilter,
) -> proposals::BoxedQuery<'a, MultiBackend> {
    let mut query = proposals::table
        .filter(proposals::business_id.eq(business_id))
        .into_boxed();
    if let Some(customer_id) = &filter.customer_id {
        query = query.filter(proposals::customer_id.eq(customer_id));
    }
    if let Some(status) = filter.status {
        query = query.filter(proposals::status.eq(status));
    }
    query
}

/// The proposals of `business_id` matching `filter` in `sort` order (ties by id; proposals
/// without `valid_until` last when sorting by it), `limit` after skipping `offset`, plus how
/// many match in all.
pub fn list(
    conn: &mut DbConn,
    business_id: &BusinessId,
    filter: &ProposalFilter,
    sort: ProposalSort,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Proposal>)> {
    let total: i64 = filtered(business_id, filter)
        .select(diesel::dsl::count_star())
        .get_result(conn)?;
    let query = filtered(business_id, filter);
    let query = match (sort.column, sort.descending) {
        (ProposalSortColumn::CreatedAt, false) => {
            query.order((proposals::created_at.asc(), proposals::id.asc()))
        }
        (ProposalSortColumn::CreatedAt, true) => {
            query.order((proposals::created_at.desc(), proposals::id.desc()))
        }
        (ProposalSortColumn::ValidUntil, false) => query.order((
            proposals::valid_until.is_null().asc(),
            proposals::valid_until.asc(),
            proposals::id.asc(),
        )),
        (ProposalSortColumn::ValidUntil, true) => query.order((
            proposals::valid_until.is_null().asc(),
            proposals::valid_until.desc(),
            proposals::id.desc(),
        )),
    };
    let items = query
        .limit(limit)
        .offset(offset)
        .select(Proposal::as_select())
        .load(conn)?;
    Ok((total, items))
}

pub fn insert(conn: &mut DbConn, proposal: &Proposal) -> Result<()> {
    diesel::insert_into(proposals::table)
        .values(proposal)
        .execute(conn)?;
    Ok(())
}

/// The proposal `id` of `business_id`; one of another business is `None`.
pub fn find(
    conn: &mut DbConn,
    business_id: &BusinessId,
    id: &ProposalId,
) -> Result<Option<Proposal>> {
    Ok(proposals::table
        .filter(proposals::id.eq(id))
        .filter(proposals::business_id.eq(business_id))
        .select(Proposal::as_select())
        .first(conn)
        .optional()?)
}

/// Writes the editable columns of `proposal` (matched by id and business).
pub fn save(conn: &mut DbConn, proposal: &Proposal) -> Result<usize> {
    Ok(diesel::update(
        proposals::table
            .filter(proposals::id.eq(&proposal.id))
            .filter(proposals::business_id.eq(&proposal.business_id)),
    )
    .set((
        proposals::title.eq(&proposal.title),
        proposals::items.eq(&proposal.items),
        proposals::total_agorot.eq(proposal.total_agorot),
        proposals::status.eq(proposal.status),
        proposals::valid_until.eq(proposal.valid_until),
        proposals::updated_at.eq(proposal.updated_at),
    ))
    .execute(conn)?)
}

/// Marks the sent proposal `id` of `business_id` accepted at `at` (by a signature); returns the
/// rows changed (0: unknown, or no longer `sent` — accepted by a concurrent signer, say).
pub fn mark_accepted(
    conn: &mut DbConn,
    business_id: &BusinessId,
    id: &ProposalId,
    at: NaiveDateTime,
) -> Result<usize> {
    Ok(diesel::update(
        proposals::table
            .filter(proposals::id.eq(id))
            .filter(proposals::business_id.eq(business_id))
            .filter(proposals::status.eq(ProposalStatus::Sent)),
    )
    .set((
        proposals::status.eq(ProposalStatus::Accepted),
        proposals::updated_at.eq(at),
    ))
    .execute(conn)?)
}

/// Deletes the proposal `id` of `business_id`; returns how many rows went (0 or 1).
pub fn delete(conn: &mut DbConn, business_id: &BusinessId, id: &ProposalId) -> Result<usize> {
    Ok(diesel::delete(
        proposals::table
            .filter(proposals::id.eq(id))
            .filter(proposals::business_id.eq(business_id)),
    )
    .execute(conn)?)
}

/// The proposals of a customer, newest first.
pub fn list_by_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<Proposal>> {
    Ok(proposals::table
        .filter(proposals::business_id.eq(business_id))
        .filter(proposals::customer_id.eq(customer_id))
        .order((proposals::created_at.desc(), proposals::id.desc()))
        .select(Proposal::as_select())
        .load(conn)?)
}
