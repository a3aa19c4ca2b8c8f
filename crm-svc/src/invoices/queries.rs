use crate::{
    db::{DbConn, MultiBackend, with_backend},
    enums::{DocType, InvoiceStatus, PaymentMethod},
    error::Result,
    ids::{BusinessId, CustomerId, InvoiceId},
    pagination::SortSpec,
    schema::{document_counters, invoices},
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// An invoice of one of the Israeli document types; amounts in agorot. `number` is given when
/// the document is issued (leaves draft) and is unique and gap-free per business and
/// [`DocType`]; a draft has none. Once issued, only its status moves on.
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
    pub doc_type: DocType,
    /// Set on receipts and invoice-receipts only.
    pub payment_method: Option<PaymentMethod>,
    /// The tax invoice a credit note credits (credit notes only).
    pub credited_invoice_id: Option<InvoiceId>,
    /// The customer's ע.מ / ח.פ / ת.ז (nine digits, check digit valid), when given.
    pub customer_tax_id: Option<String>,
    /// JSON [`crate::invoices::documents::Parties`]: the seller and customer as printed, frozen
    /// when the document is issued; `None` on a draft (and on invoices issued before 000310).
    pub parties: Option<String>,
    /// Set on documents that need an allocation number from the Tax Authority.
    pub allocation_status: Option<crate::enums::AllocationStatus>,
    /// The Tax Authority's allocation number (מספר הקצאה), once given.
    pub allocation_number: Option<String>,
    /// Why an awaiting document has no number yet, or the Authority's refusal.
    pub allocation_reason: Option<String>,
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
        invoices::parties.eq(&invoice.parties),
        invoices::allocation_status.eq(invoice.allocation_status),
        invoices::allocation_number.eq(&invoice.allocation_number),
        invoices::allocation_reason.eq(&invoice.allocation_reason),
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

/// Takes the next number of `doc_type` for `business_id` (1 for its first document, or the
/// first number set with [`set_last_number`]). Call it inside the transaction that stores the
/// number: the upsert locks the counter row until that transaction ends (PostgreSQL row lock;
/// SQLite's `BEGIN IMMEDIATE` write lock), so concurrent callers queue, and a rolled-back
/// transaction gives its number back.
pub fn next_number(conn: &mut DbConn, business_id: &BusinessId, doc_type: DocType) -> Result<i64> {
    let number = with_backend!(conn, |c| diesel::insert_into(document_counters::table)
        .values((
            document_counters::business_id.eq(business_id),
            document_counters::doc_type.eq(doc_type),
            document_counters::last_number.eq(1_i64),
        ))
        .on_conflict((document_counters::business_id, document_counters::doc_type))
        .do_update()
        .set(document_counters::last_number.eq(document_counters::last_number + 1_i64))
        .returning(document_counters::last_number)
        .get_result::<i64>(c)?);
    Ok(number)
}

/// Sets the last number given out of `doc_type` (the next document gets `last + 1`), taking the
/// counter row's lock like [`next_number`].
pub fn set_last_number(
    conn: &mut DbConn,
    business_id: &BusinessId,
    doc_type: DocType,
    last: i64,
) -> Result<()> {
    with_backend!(conn, |c| diesel::insert_into(document_counters::table)
        .values((
            document_counters::business_id.eq(business_id),
            document_counters::doc_type.eq(doc_type),
            document_counters::last_number.eq(last),
        ))
        .on_conflict((document_counters::business_id, document_counters::doc_type))
        .do_update()
        .set(document_counters::last_number.eq(last))
        .execute(c)?);
    Ok(())
}

/// The last number given out of `doc_type` for `business_id` (0 when none was and no first
/// number was set).
pub fn last_number(conn: &mut DbConn, business_id: &BusinessId, doc_type: DocType) -> Result<i64> {
    Ok(document_counters::table
        .filter(document_counters::business_id.eq(business_id))
        .filter(document_counters::doc_type.eq(doc_type))
        .select(document_counters::last_number)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// How many documents of `doc_type` `business_id` has issued (numbered).
pub fn count_issued(conn: &mut DbConn, business_id: &BusinessId, doc_type: DocType) -> Result<i64> {
    Ok(invoices::table
        .filter(invoices::business_id.eq(business_id))
        .filter(invoices::doc_type.eq(doc_type))
        .filter(invoices::number.is_not_null())
        .count()
        .get_result(conn)?)
}

/// The sum of the totals of the issued (numbered, not cancelled) credit notes of `credited`,
/// leaving out `except`.
pub fn credited_total(
    conn: &mut DbConn,
    business_id: &BusinessId,
    credited: &InvoiceId,
    except: &InvoiceId,
) -> Result<i64> {
    // SUM(BIGINT) is NUMERIC on PostgreSQL; cast back so both backends answer a BIGINT.
    let sum: Option<i64> = invoices::table
        .filter(invoices::business_id.eq(business_id))
        .filter(invoices::credited_invoice_id.eq(credited))
        .filter(invoices::id.ne(except))
        .filter(invoices::number.is_not_null())
        .filter(invoices::status.ne(InvoiceStatus::Cancelled))
        .select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        >("CAST(SUM(total_agorot) AS BIGINT)"))
        .get_result(conn)?;
    Ok(sum.unwrap_or(0))
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
