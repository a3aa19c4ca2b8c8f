//! Rows of the Tax Authority connection: the encrypted tokens per business, the states of
//! connects in progress, and the queue of allocation requests.

use crate::{
    db::DbConn,
    enums::AllocationStatus,
    error::Result,
    ids::{BusinessId, InvoiceId, UserId},
    schema::{
        allocation_requests, invoices, tax_authority_connections, tax_authority_oauth_states,
    },
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A business's authorisation; both tokens are ciphertexts ([`super::crypto`]).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = tax_authority_connections)]
pub struct Connection {
    pub business_id: BusinessId,
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_at: NaiveDateTime,
    pub connected_by: UserId,
    pub connected_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

pub fn find_connection(conn: &mut DbConn, business_id: &BusinessId) -> Result<Option<Connection>> {
    Ok(tax_authority_connections::table
        .filter(tax_authority_connections::business_id.eq(business_id))
        .select(Connection::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a new connection of `row.business_id`, replacing an older one.
pub fn replace_connection(conn: &mut DbConn, row: &Connection) -> Result<()> {
    diesel::delete(
        tax_authority_connections::table
            .filter(tax_authority_connections::business_id.eq(&row.business_id)),
    )
    .execute(conn)?;
    diesel::insert_into(tax_authority_connections::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Writes refreshed tokens if the row is still at `seen_version` (else another replica
/// refreshed first); returns whether it was.
pub fn update_tokens(
    conn: &mut DbConn,
    business_id: &BusinessId,
    seen_version: i64,
    access_token: &str,
    refresh_token: &str,
    access_expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool> {
    let n = diesel::update(
        tax_authority_connections::table
            .filter(tax_authority_connections::business_id.eq(business_id))
            .filter(tax_authority_connections::version.eq(seen_version)),
    )
    .set((
        tax_authority_connections::access_token.eq(access_token),
        tax_authority_connections::refresh_token.eq(refresh_token),
        tax_authority_connections::access_expires_at.eq(access_expires_at),
        tax_authority_connections::updated_at.eq(now),
        tax_authority_connections::version.eq(seen_version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes the connection of `business_id` (only at `version` when given); returns whether one
/// was deleted.
pub fn delete_connection(
    conn: &mut DbConn,
    business_id: &BusinessId,
    version: Option<i64>,
) -> Result<bool> {
    let row = tax_authority_connections::table
        .filter(tax_authority_connections::business_id.eq(business_id));
    let n = match version {
        Some(v) => {
            diesel::delete(row.filter(tax_authority_connections::version.eq(v))).execute(conn)?
        }
        None => diesel::delete(row).execute(conn)?,
    };
    Ok(n > 0)
}

pub fn insert_state(
    conn: &mut DbConn,
    state_sha256: &str,
    business_id: &BusinessId,
    user_id: &UserId,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::delete(
        tax_authority_oauth_states::table.filter(tax_authority_oauth_states::expires_at.le(now)),
    )
    .execute(conn)?;
    diesel::insert_into(tax_authority_oauth_states::table)
        .values((
            tax_authority_oauth_states::state_sha256.eq(state_sha256),
            tax_authority_oauth_states::business_id.eq(business_id),
            tax_authority_oauth_states::user_id.eq(user_id),
            tax_authority_oauth_states::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Uses up the state `state_sha256` of `business_id` and `user_id` that has not expired at
/// `now`; returns whether there was one.
pub fn take_state(
    conn: &mut DbConn,
    state_sha256: &str,
    business_id: &BusinessId,
    user_id: &UserId,
    now: NaiveDateTime,
) -> Result<bool> {
    let n = diesel::delete(
        tax_authority_oauth_states::table
            .filter(tax_authority_oauth_states::state_sha256.eq(state_sha256))
            .filter(tax_authority_oauth_states::business_id.eq(business_id))
            .filter(tax_authority_oauth_states::user_id.eq(user_id))
            .filter(tax_authority_oauth_states::expires_at.gt(now)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// A queued allocation request.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = allocation_requests)]
pub struct Request {
    pub invoice_id: InvoiceId,
    pub business_id: BusinessId,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// Queues the allocation request of `invoice_id` (in the transaction that issues it).
pub fn enqueue(
    conn: &mut DbConn,
    invoice_id: &InvoiceId,
    business_id: &BusinessId,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(allocation_requests::table)
        .values((
            allocation_requests::invoice_id.eq(invoice_id),
            allocation_requests::business_id.eq(business_id),
            allocation_requests::attempts.eq(0),
            allocation_requests::next_attempt_at.eq(now),
            allocation_requests::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Puts the requests of `business_id` first in line (it was just connected).
pub fn wake_business(
    conn: &mut DbConn,
    business_id: &BusinessId,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(
        allocation_requests::table.filter(allocation_requests::business_id.eq(business_id)),
    )
    .set((
        allocation_requests::next_attempt_at.eq(now),
        allocation_requests::attempts.eq(0),
    ))
    .execute(conn)?;
    Ok(())
}

/// The due requests' ids, oldest due first (a macro: finished differently per backend).
macro_rules! due {
    ($now:expr, $limit:expr) => {
        allocation_requests::table
            .filter(allocation_requests::next_attempt_at.le($now))
            .select(allocation_requests::invoice_id)
            .order((
                allocation_requests::next_attempt_at.asc(),
                allocation_requests::invoice_id.asc(),
            ))
            .limit($limit)
    };
}

/// Claims up to `limit` requests due at `now` inside the caller's write transaction: each is
/// moved to `lease_until` (no other worker sees it as due until then) and its attempt counted.
/// PostgreSQL takes the rows `FOR UPDATE SKIP LOCKED`; SQLite's `BEGIN IMMEDIATE` is one writer.
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Request>> {
    let ids: Vec<InvoiceId> = match conn {
        DbConn::Postgres(pg) => due!(now, limit).for_update().skip_locked().load(pg)?,
        DbConn::Sqlite(sqlite) => due!(now, limit).load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let claimed = allocation_requests::table
        .filter(allocation_requests::invoice_id.eq_any(&ids))
        .filter(allocation_requests::next_attempt_at.le(now));
    diesel::update(claimed)
        .set((
            allocation_requests::next_attempt_at.eq(lease_until),
            allocation_requests::attempts.eq(allocation_requests::attempts + 1),
        ))
        .execute(conn)?;
    Ok(allocation_requests::table
        .filter(allocation_requests::invoice_id.eq_any(&ids))
        .filter(allocation_requests::next_attempt_at.eq(lease_until))
        .select(Request::as_select())
        .load(conn)?)
}

/// Schedules the next attempt of `invoice_id` (resetting its attempts when `reset`).
pub fn reschedule(
    conn: &mut DbConn,
    invoice_id: &InvoiceId,
    at: NaiveDateTime,
    reset: bool,
) -> Result<()> {
    let row = allocation_requests::table.filter(allocation_requests::invoice_id.eq(invoice_id));
    if reset {
        diesel::update(row)
            .set((
                allocation_requests::next_attempt_at.eq(at),
                allocation_requests::attempts.eq(0),
            ))
            .execute(conn)?;
    } else {
        diesel::update(row)
            .set(allocation_requests::next_attempt_at.eq(at))
            .execute(conn)?;
    }
    Ok(())
}

pub fn dequeue(conn: &mut DbConn, invoice_id: &InvoiceId) -> Result<()> {
    diesel::delete(
        allocation_requests::table.filter(allocation_requests::invoice_id.eq(invoice_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// Sets the allocation state of an awaiting document; returns whether it was still awaiting.
pub fn set_allocation(
    conn: &mut DbConn,
    business_id: &BusinessId,
    invoice_id: &InvoiceId,
    status: AllocationStatus,
    number: Option<&str>,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<bool> {
    let n = diesel::update(
        invoices::table
            .filter(invoices::id.eq(invoice_id))
            .filter(invoices::business_id.eq(business_id))
            .filter(invoices::allocation_status.eq(AllocationStatus::Awaiting)),
    )
    .set((
        invoices::allocation_status.eq(status),
        invoices::allocation_number.eq(number),
        invoices::allocation_reason.eq(reason),
        invoices::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// How many documents of `business_id` await their allocation number.
pub fn count_awaiting(conn: &mut DbConn, business_id: &BusinessId) -> Result<i64> {
    Ok(invoices::table
        .filter(invoices::business_id.eq(business_id))
        .filter(invoices::allocation_status.eq(AllocationStatus::Awaiting))
        .count()
        .get_result(conn)?)
}
