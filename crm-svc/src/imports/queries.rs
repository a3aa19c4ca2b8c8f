//! The rows of `customer_imports` and `customer_import_errors`, and their queries.

use crate::{
    db::{DbConn, with_backend},
    error::Result,
    ids::{BusinessId, ImportId},
    schema::{customer_import_errors, customer_imports},
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A new import as inserted at upload (with the file's text).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = customer_imports)]
pub struct NewImportRow {
    pub id: ImportId,
    pub business_id: BusinessId,
    pub status: String,
    pub file_name: String,
    pub encoding: String,
    pub delimiter: String,
    pub content: String,
    pub total_rows: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An import's state, without the file (polled for the progress bar).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = customer_imports)]
pub struct Import {
    pub id: ImportId,
    pub business_id: BusinessId,
    /// `draft | queued | running | done | failed`.
    pub status: String,
    pub file_name: String,
    pub encoding: String,
    pub delimiter: String,
    pub total_rows: i64,
    pub planned_rows: i64,
    pub processed_rows: i64,
    pub created_count: i64,
    pub merged_count: i64,
    pub skipped_count: i64,
    pub error_count: i64,
    pub failure: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// A row the import could not take.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_import_errors, treat_none_as_default_value = false)]
pub struct RowError {
    pub import_id: ImportId,
    pub row_number: i64,
    pub field: String,
    pub message: String,
    pub raw: String,
}

/// Error rows per insert statement (5 parameters each, well under both backends' limits).
const ERROR_CHUNK: usize = 2000;

pub fn insert(conn: &mut DbConn, row: &NewImportRow) -> Result<()> {
    diesel::insert_into(customer_imports::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The import `id` of `business_id`.
pub fn find(conn: &mut DbConn, business_id: &BusinessId, id: &ImportId) -> Result<Option<Import>> {
    Ok(customer_imports::table
        .filter(customer_imports::id.eq(id))
        .filter(customer_imports::business_id.eq(business_id))
        .select(Import::as_select())
        .first(conn)
        .optional()?)
}

/// The uploaded text of import `id` and its confirmed options (empty while a draft).
pub fn content(conn: &mut DbConn, id: &ImportId) -> Result<(String, String, String)> {
    Ok(customer_imports::table
        .filter(customer_imports::id.eq(id))
        .select((
            customer_imports::content,
            customer_imports::delimiter,
            customer_imports::options,
        ))
        .first(conn)?)
}

pub fn insert_errors(conn: &mut DbConn, errors: &[RowError]) -> Result<()> {
    for chunk in errors.chunks(ERROR_CHUNK) {
        // A multi-row insert: per backend (the multi-backend connection has no batch insert).
        with_backend!(conn, |c| diesel::insert_into(customer_import_errors::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Up to `limit` errors of import `id` after row `after`, in row order.
pub fn errors_after(
    conn: &mut DbConn,
    id: &ImportId,
    after: i64,
    limit: i64,
) -> Result<Vec<RowError>> {
    Ok(customer_import_errors::table
        .filter(customer_import_errors::import_id.eq(id))
        .filter(customer_import_errors::row_number.gt(after))
        .order(customer_import_errors::row_number.asc())
        .limit(limit)
        .select(RowError::as_select())
        .load(conn)?)
}

/// Confirms the draft `id`: queued with its options and the counts known up front. Returns
/// whether it was still a draft.
#[allow(clippy::too_many_arguments)]
pub fn queue(
    conn: &mut DbConn,
    business_id: &BusinessId,
    id: &ImportId,
    options: &str,
    planned: i64,
    merged: i64,
    skipped: i64,
    errors: i64,
    now: NaiveDateTime,
) -> Result<bool> {
    let n = diesel::update(
        customer_imports::table
            .filter(customer_imports::id.eq(id))
            .filter(customer_imports::business_id.eq(business_id))
            .filter(customer_imports::status.eq("draft")),
    )
    .set((
        customer_imports::status.eq("queued"),
        customer_imports::options.eq(options),
        customer_imports::planned_rows.eq(planned),
        customer_imports::merged_count.eq(merged),
        customer_imports::skipped_count.eq(skipped),
        customer_imports::error_count.eq(errors),
        customer_imports::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The oldest import waiting for a worker: queued, or running under a lease that lapsed.
macro_rules! claimable {
    ($now:expr) => {
        customer_imports::table
            .filter(customer_imports::status.eq_any(["queued", "running"]))
            .filter(
                customer_imports::lease_until
                    .is_null()
                    .or(customer_imports::lease_until.lt($now)),
            )
            .order(customer_imports::created_at.asc())
            .select(customer_imports::id)
            .limit(1)
    };
}

/// Takes the next claimable import for `holder` until `lease_until`, inside the caller's
/// transaction (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: the transaction is the one writer).
pub fn claim(
    conn: &mut DbConn,
    holder: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<(ImportId, BusinessId, i64)>> {
    let ids: Vec<ImportId> = match conn {
        DbConn::Postgres(pg) => claimable!(now).for_update().skip_locked().load(pg)?,
        DbConn::Sqlite(sqlite) => claimable!(now).load(sqlite)?,
    };
    let Some(id) = ids.into_iter().next() else {
        return Ok(None);
    };
    diesel::update(customer_imports::table.filter(customer_imports::id.eq(&id)))
        .set((
            customer_imports::status.eq("running"),
            customer_imports::lease_holder.eq(holder),
            customer_imports::lease_until.eq(lease_until),
            customer_imports::updated_at.eq(now),
        ))
        .execute(conn)?;
    let (business_id, processed) = customer_imports::table
        .filter(customer_imports::id.eq(&id))
        .select((
            customer_imports::business_id,
            customer_imports::processed_rows,
        ))
        .first(conn)?;
    Ok(Some((id, business_id, processed)))
}

/// What one batch changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchCounts {
    pub processed: i64,
    pub created: i64,
    pub merged: i64,
    pub skipped: i64,
}

/// Moves import `id` past one batch that started at `from`, renewing the lease. Only when
/// `holder` still holds it at `from` (else 0: another worker took over and the batch must roll
/// back).
pub fn advance(
    conn: &mut DbConn,
    id: &ImportId,
    holder: &str,
    from: i64,
    counts: BatchCounts,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<usize> {
    use customer_imports as ci;
    Ok(diesel::update(
        ci::table
            .filter(ci::id.eq(id))
            .filter(ci::lease_holder.eq(holder))
            .filter(ci::processed_rows.eq(from))
            .filter(ci::status.eq("running")),
    )
    .set((
        ci::processed_rows.eq(ci::processed_rows + counts.processed),
        ci::created_count.eq(ci::created_count + counts.created),
        ci::merged_count.eq(ci::merged_count + counts.merged),
        ci::skipped_count.eq(ci::skipped_count + counts.skipped),
        ci::lease_until.eq(lease_until),
        ci::updated_at.eq(now),
    ))
    .execute(conn)?)
}

/// Ends import `id` held by `holder`: `done`, or `failed` with `failure`. The file is dropped.
pub fn finish(
    conn: &mut DbConn,
    id: &ImportId,
    holder: &str,
    failure: Option<&str>,
    now: NaiveDateTime,
) -> Result<usize> {
    use customer_imports as ci;
    Ok(diesel::update(
        ci::table
            .filter(ci::id.eq(id))
            .filter(ci::lease_holder.eq(holder))
            .filter(ci::status.eq("running")),
    )
    .set((
        ci::status.eq(if failure.is_some() { "failed" } else { "done" }),
        ci::failure.eq(failure),
        ci::content.eq(""),
        ci::lease_holder.eq(None::<String>),
        ci::lease_until.eq(None::<NaiveDateTime>),
        ci::finished_at.eq(now),
        ci::updated_at.eq(now),
    ))
    .execute(conn)?)
}

/// Gives import `id` back (shutdown): another worker may take it at once.
pub fn release(conn: &mut DbConn, id: &ImportId, holder: &str, now: NaiveDateTime) -> Result<()> {
    use customer_imports as ci;
    diesel::update(
        ci::table
            .filter(ci::id.eq(id))
            .filter(ci::lease_holder.eq(holder)),
    )
    .set((ci::lease_until.eq(now), ci::updated_at.eq(now)))
    .execute(conn)?;
    Ok(())
}
