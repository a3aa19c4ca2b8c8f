use crate::{
    db::{DbConn, MultiBackend, with_backend},
    enums::InvoiceStatus,
    error::Result,
    ids::{BusinessId, CustomerId, InvoiceId},
    pagination::SortSpec,
    schema::{invoice_counters, invoices},
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// An invoice; amounts in agorot. `number` is given when the invoice is issued (leaves draft)
/// and is unique and gap-free per business; a draft has none.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = invoices)]
pub struct Invoice {
    pub id: InvoiceId,
    pub business_id: BusinessId,
    pub customer_id: CustomerId,
    pub number: Option<i64>,
    pub status: InvoiceStatus,
    /// JSON `[{"description", "quantity", "unit_price_agorot"}]`.
    #[serde(serialize_with = "crate::text::json_text")]
    pub items: String,
    pub subtotal_agorot: i64,
    pub vat_agorot: i64,
    pub total_agorot: i64,
    /// The business's VAT rate when the invoice was created, in basis points.
    pub vat_rate_bp: i32,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub issued_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub due_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub paid_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

/// What an invoice list is narrowed to (AND-ed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceFilter {
    pub customer_id: Option<CustomerId>,
    pub status: Option<InvoiceStatus>,
}

/// The columns an invoice list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceSortColumn {
    CreatedAt,
    Number,
}

impl InvoiceSortColumn {
    pub const NAMES: &'static [(&'static str, InvoiceSortColumn)] = &[
        ("created_at", InvoiceSortColumn::CreatedAt),
        ("number", InvoiceSortColumn::Number),
    ];
}

/// How an invoice list is ordered; the default is `created_at` descending.
pub type InvoiceSort = SortSpec<InvoiceSortColumn>;

fn filtered<'a>(
    business_id: &'a BusinessId,
    filter: &'a InvoiceFilter,
) -> invoices::BoxedQuery<'a, MultiBackend> {
    let mut query = invoices::table
        .filter(invoices::business_id.eq(business_id))
        .into_boxed();
    if let Some(customer_id) = &filter.customer_id {
        query = query.filter(invoices::customer_id.eq(customer_id));
    }
    if let Some(status) = filter.status {
        query = query.filter(invoices::status.eq(status));
    }
    query
}

/// The invoices of `business_id` matching `filter` in `sort` order (ties by id in the same
/// direction; unnumbered drafts last when sorting by number), `limit` after skipping `offset`,
/// plus how many match in all.
pub fn list(
    conn: &mut DbConn,
    business_id: &BusinessId,
    filter: &InvoiceFilter,
    sort: InvoiceSort,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Invoice>)> {
    let total: i64 = filtered(business_id, filter)
        .select(diesel::dsl::count_star())
        .get_result(conn)?;
    let query = filtered(business_id, filter);
    let query = match (sort.column, sort.descending) {
        (InvoiceSortColumn::CreatedAt, false) => {
            query.order((invoices::created_at.asc(), invoices::id.asc()))
        }
        (InvoiceSortColumn::CreatedAt, true) => {
            query.order((invoices::created_at.desc(), invoices::id.desc()))
        }
        (InvoiceSortColumn::Number, false) => query.order((
            invoices::number.is_null().asc(),
            invoices::number.asc(),
            invoices::id.asc(),
        )),
        (InvoiceSortColumn::Number, true) => query.order((
            invoices::number.is_null().asc(),
            invoices::number.desc(),
            invoices::id.desc(),
        )),
    };
    let items = query
        .limit(limit)
        .offset(offset)
        .select(Invoice::as_select())
        .load(conn)?;
    Ok((total, items))
}

pub fn insert(conn: &mut DbConn, invoice: &Invoice) -> Result<()> {
    diesel::insert_into(invoices::table)
        .values(invoice)
        .execute(conn)?;
    Ok(())
}

/// The invoice `id` of `business_id`; an invoice of another business is `None`.
pub fn find(
    conn: &mut DbConn,
    business_id: &BusinessId,
    id: &InvoiceId,
) -> Result<Option<Invoice>> {
    Ok(invoices::table
        .filter(invoices::id.eq(id))
        .filter(invoices::business_id.eq(business_id))
        .select(Invoice::as_select())
        .first(conn)
        .optional()?)
}

/// Writes the editable columns of `invoice` (matched by id and business).
pub fn save(conn: &mut DbConn, invoice: &Invoice) -> Result<usize> {
    Ok(diesel::update(
        invoices::table
            .filter(invoices::id.eq(&invoice.id))
            .filter(invoices::business_id.eq(&invoice.business_id)),
    )
    .set((
        invoices::customer_id.eq(&invoice.customer_id),
        invoices::number.eq(invoice.number),
        invoices::status.eq(invoice.status),
        invoices::items.eq(&invoice.items),
        invoices::subtotal_agorot.eq(invoice.subtotal_agorot),
        invoices::vat_agorot.eq(invoice.vat_agorot),
        invoices::total_agorot.eq(invoice.total_agorot),
        invoices::issued_at.eq(invoice.issued_at),
        invoices::due_at.eq(invoice.due_at),
        invoices::paid_at.eq(invoice.paid_at),
        invoices::updated_at.eq(invoice.updated_at),
    ))
    .execute(conn)?)
}

/// Deletes the invoice `id` of `business_id` if it is still a draft; returns the rows deleted.
pub fn delete_draft(conn: &mut DbConn, business_id: &BusinessId, id: &InvoiceId) -> Result<usize> {
    Ok(diesel::delete(
        invoices::table
            .filter(invoices::id.eq(id))
            .filter(invoices::business_id.eq(business_id))
            .filter(invoices::status.eq(InvoiceStatus::Draft)),
    )
    .execute(conn)?)
}

/// Takes the next invoice number of `business_id` (1 for its first invoice). Call it inside
/// the transaction that stores the number: the upsert locks the business's counter row until
/// that transaction ends (PostgreSQL row lock; SQLite's `BEGIN IMMEDIATE` write lock), so
/// concurrent callers queue, and a rolled-back transaction gives its number back.
pub fn next_number(conn: &mut DbConn, business_id: &BusinessId) -> Result<i64> {
    let number = with_backend!(conn, |c| diesel::insert_into(invoice_counters::table)
        .values((
            invoice_counters::business_id.eq(business_id),
            invoice_counters::last_number.eq(1_i64),
        ))
        .on_conflict(invoice_counters::business_id)
        .do_update()
        .set(invoice_counters::last_number.eq(invoice_counters::last_number + 1_i64))
        .returning(invoice_counters::last_number)
        .get_result::<i64>(c)?);
    Ok(number)
}

/// The invoices of a customer, newest first.
pub fn list_by_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<Invoice>> {
    Ok(invoices::table
        .filter(invoices::business_id.eq(business_id))
        .filter(invoices::customer_id.eq(customer_id))
        .order((invoices::created_at.desc(), invoices::id.desc()))
        .select(Invoice::as_select())
        .load(conn)?)
}
