//! The invoices domain. Amounts are integer agorot computed here from the line items (never
//! taken from the client): subtotal, VAT at the business's `vat_rate_bp` as it was when the
//! invoice was created (rounded half up), total.
//!
//! Life cycle: `draft → sent | cancelled`, `sent → paid | cancelled`; anything else is
//! [`Error::Conflict`]. Only a draft's items and due date can change, and only a draft can be
//! deleted. The invoice number is given when the invoice is issued (`draft → sent`), from a
//! per-business counter taken in the same transaction ([`invoice::next_number`]), so the
//! sequence has no holes even though drafts come and go.
//!
//! Each row is one of the Israeli document types ([`DocType`]; the rules per type in
//! [`documents`]), numbered in its own sequence; issuing freezes the seller's and the customer's
//! details on the document ([`documents::Parties`]).

pub mod allocation;
pub mod convert;
pub mod documents;
pub mod tax_id;

pub mod queries;

pub use queries::Invoice;

use crate::{
    businesses::queries as business,
    customers::queries as customer,
    db::Db,
    enums::{AllocationStatus, DocType, InvoiceStatus},
    error::{Error, Result},
    ids::{BusinessId, CustomerId, InvoiceId},
    invoices::queries::{self as invoice, InvoiceFilter, InvoiceSort, InvoiceSortColumn},
    line_items::{self, LineItem},
    pagination::Page,
    pagination::{self, SortSpec, Window},
    time,
};
use chrono::NaiveDateTime;
use documents::{DocumentKind, Parties};

/// The order of an invoice list when the caller names none: newest first.
pub const DEFAULT_SORT: InvoiceSort = SortSpec {
    column: InvoiceSortColumn::CreatedAt,
    descending: true,
};

/// An invoice to create (as a draft).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvoice {
    /// A customer of the same business.
    pub customer_id: CustomerId,
    pub items: Vec<LineItem>,
    pub due_at: Option<NaiveDateTime>,
}

/// A partial change of an invoice: `None` leaves a field as it is. `items` and `due_at` only on
/// a draft; `status` moves it along its life cycle (applied after the other fields).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoicePatch {
    pub items: Option<Vec<LineItem>>,
    /// `Some(None)` clears the due date.
    pub due_at: Option<Option<NaiveDateTime>>,
    pub status: Option<InvoiceStatus>,
}

/// Parses a `sort` request value: `created_at`, `-created_at`, `number` or `-number`.
pub fn parse_sort(text: &str) -> Result<InvoiceSort> {
    pagination::parse_sort(text, InvoiceSortColumn::NAMES)
}

/// Whether an invoice may go from `from` to `to`: `draft → sent | cancelled`,
/// `sent → paid | cancelled` (an issued tax invoice is cancelled by a credit note, see
/// `cancel_issued`). Anything else is [`Error::Conflict`].
pub fn check_transition(from: InvoiceStatus, to: InvoiceStatus) -> Result<()> {
    use InvoiceStatus::*;
    match (from, to) {
        (Draft, Sent | Cancelled) | (Sent, Paid | Cancelled) => Ok(()),
        _ => Err(Error::Conflict(format!(
            "an invoice cannot go from {from} to {to} (allowed: draft → sent or cancelled, \
             sent → paid or cancelled)"
        ))),
    }
}

/// The invoices of `business_id` matching `filter`, in `sort` order ([`DEFAULT_SORT`] when
/// `None`), paginated like customers.
pub async fn list(
    db: &Db,
    business_id: &BusinessId,
    page: i64,
    limit: i64,
    filter: InvoiceFilter,
    sort: Option<InvoiceSort>,
) -> Result<Page<Invoice>> {
    let window = Window::new(page, limit)?;
    let sort = sort.unwrap_or(DEFAULT_SORT);
    let business_id = business_id.clone();
    let (total, items) = db
        .run(move |conn| {
            invoice::list(
                conn,
                &business_id,
                &filter,
                sort,
                window.offset,
                window.limit,
            )
        })
        .await?;
    Ok(window.page(total, items))
}

/// The invoice `id` of `business_id`.
pub async fn get(db: &Db, business_id: &BusinessId, id: &InvoiceId) -> Result<Invoice> {
    let (business_id, id) = (business_id.clone(), id.clone());
    db.run(move |conn| invoice::find(conn, &business_id, &id))
        .await?
        .ok_or(Error::NotFound("invoice"))
}

/// Creates a draft tax invoice (no number yet); see [`create_document`].
pub async fn create(db: &Db, business_id: &BusinessId, new: NewInvoice) -> Result<Invoice> {
    create_document(db, business_id, new, DocumentKind::default()).await
}

/// Creates a draft document of `kind` (no number yet) with server-computed totals at the VAT
/// rate it carries ([`documents::vat_rate_bp`]). The customer must be of `business_id`
/// ([`Error::Validation`] on `customer_id`); a credit note's invoice must be creditable and
/// its total within what is left to credit.
pub async fn create_document(
    db: &Db,
    business_id: &BusinessId,
    new: NewInvoice,
    kind: DocumentKind,
) -> Result<Invoice> {
    let kind = kind.validate()?;
    let items = line_items::validate(new.items)?;
    let items_json = line_items::to_json(&items)?;
    let business_id = business_id.clone();
    let due_at = new.due_at.map(time::truncate_micros);
    db.transaction(move |conn| {
        let b = business::find(conn, &business_id)?.ok_or(Error::NotFound("business"))?;
        if customer::find(conn, &business_id, &new.customer_id)?.is_none() {
            return Err(Error::validation(
                "customer_id",
                "no such customer in this business",
            ));
        }
        let id = InvoiceId::generate();
        let credited = kind
            .credited_invoice_id
            .as_ref()
            .map(|cid| {
                invoice::find(conn, &business_id, cid)?.ok_or_else(|| {
                    Error::validation("credited_invoice_id", "no such invoice in this business")
                })
            })
            .transpose()?;
        if let Some(c) = &credited {
            documents::check_creditable(c, &new.customer_id)?;
        }
        let vat_rate_bp = documents::vat_rate_bp(&b, kind.doc_type, credited.as_ref());
        let totals = line_items::totals(&items, vat_rate_bp)?;
        if let Some(c) = &credited {
            let already = invoice::credited_total(conn, &business_id, &c.id, &id)?;
            documents::check_credit_limit(c, already, totals.total_agorot)?;
        }
        let now = time::now();
        let row = Invoice {
            id,
            business_id,
            customer_id: new.customer_id,
            number: None,
            status: InvoiceStatus::Draft,
            items: items_json,
            subtotal_agorot: totals.subtotal_agorot,
            vat_agorot: totals.vat_agorot,
            total_agorot: totals.total_agorot,
            vat_rate_bp,
            issued_at: None,
            due_at,
            paid_at: None,
            created_at: now,
            updated_at: now,
            doc_type: kind.doc_type,
            payment_method: kind.payment_method,
            credited_invoice_id: kind.credited_invoice_id,
            customer_tax_id: kind.customer_tax_id,
            parties: None,
            allocation_status: None,
            allocation_number: None,
            allocation_reason: None,
        };
        invoice::insert(conn, &row)?;
        Ok(row)
    })
    .await
}

/// Issues `inv` (in the transaction of its update): takes the next number of its type, freezes
/// its parties, and for a credit note checks again, under the credit-note counter's lock, that
/// the credits of its invoice stay within that invoice's total. Receipts and invoice-receipts
/// are paid when issued.
fn issue(conn: &mut crate::DbConn, inv: &mut Invoice, now: NaiveDateTime) -> Result<()> {
    if inv.number.is_none() {
        inv.number = Some(invoice::next_number(conn, &inv.business_id, inv.doc_type)?);
    }
    if let Some(cid) = &inv.credited_invoice_id {
        let credited =
            invoice::find(conn, &inv.business_id, cid)?.ok_or(Error::NotFound("invoice"))?;
        documents::check_creditable(&credited, &inv.customer_id)?;
        let already = invoice::credited_total(conn, &inv.business_id, cid, &inv.id)?;
        documents::check_credit_limit(&credited, already, inv.total_agorot)?;
    }
    let b = business::find(conn, &inv.business_id)?.ok_or(Error::NotFound("business"))?;
    let c = customer::find(conn, &inv.business_id, &inv.customer_id)?
        .ok_or(Error::NotFound("customer"))?;
    inv.parties = Some(Parties::of(&b, &c, inv.customer_tax_id.as_deref()).to_json()?);
    inv.issued_at = Some(now);
    if matches!(inv.doc_type, DocType::Receipt | DocType::TaxInvoiceReceipt) {
        inv.status = InvoiceStatus::Paid;
        inv.paid_at = Some(now);
    }
    Ok(())
}

/// Cancels the issued document `inv` the only way the law allows (in the transaction of its
/// update): an issued document never changes, so a tax invoice is cancelled by a credit note for
/// its whole amount, issued here with the next credit-note number; the invoice only gets the
/// status `cancelled`. A document credited in part already, or one that is not a tax invoice, is
/// [`Error::Conflict`] (credit the rest, or issue a new document).
fn cancel_issued(conn: &mut crate::DbConn, inv: &Invoice, now: NaiveDateTime) -> Result<()> {
    let number = inv.number.unwrap_or_default();
    if !matches!(
        inv.doc_type,
        DocType::TaxInvoice | DocType::TaxInvoiceReceipt
    ) {
        return Err(Error::Conflict(format!(
            "an issued {} cannot be cancelled; issue a new document instead",
            inv.doc_type
        )));
    }
    let mut note = Invoice {
        id: InvoiceId::generate(),
        business_id: inv.business_id.clone(),
        customer_id: inv.customer_id.clone(),
        number: None,
        status: InvoiceStatus::Sent,
        items: inv.items.clone(),
        subtotal_agorot: inv.subtotal_agorot,
        vat_agorot: inv.vat_agorot,
        total_agorot: inv.total_agorot,
        vat_rate_bp: inv.vat_rate_bp,
        issued_at: None,
        due_at: None,
        paid_at: None,
        created_at: now,
        updated_at: now,
        doc_type: DocType::CreditNote,
        payment_method: None,
        credited_invoice_id: Some(inv.id.clone()),
        customer_tax_id: inv.customer_tax_id.clone(),
        parties: None,
        allocation_status: None,
        allocation_number: None,
        allocation_reason: None,
    };
    if invoice::credited_total(conn, &inv.business_id, &inv.id, &note.id)? > 0 {
        return Err(Error::Conflict(format!(
            "invoice {number} is credited in part already: credit the rest with a credit note"
        )));
    }
    issue(conn, &mut note, now)?;
    invoice::insert(conn, &note)?;
    Ok(())
}

/// Applies `patch` to the invoice `id` of `business_id` (see [`InvoicePatch`]). Changing the
/// items or due date of an invoice that is not a draft, or a transition the life cycle does not
/// allow, is [`Error::Conflict`]; setting the status it already has changes nothing. Issuing
/// (`draft → sent`) gives the invoice the business's next number and sets `issued_at`; paying
/// sets `paid_at`.
pub async fn update(
    db: &Db,
    business_id: &BusinessId,
    id: &InvoiceId,
    patch: InvoicePatch,
) -> Result<Invoice> {
    let items = patch.items.map(line_items::validate).transpose()?;
    let (business_id, id) = (business_id.clone(), id.clone());
    db.transaction(move |conn| {
        let mut inv = invoice::find(conn, &business_id, &id)?.ok_or(Error::NotFound("invoice"))?;
        let was_draft = inv.number.is_none();
        let now = time::now();
        if items.is_some() || patch.due_at.is_some() {
            if inv.status != InvoiceStatus::Draft {
                return Err(Error::Conflict(format!(
                    "invoice {} is {}: only a draft's items and due date can change",
                    inv.number
                        .map_or_else(|| inv.id.to_string(), |n| n.to_string()),
                    inv.status
                )));
            }
            if let Some(items) = items {
                let totals = line_items::totals(&items, inv.vat_rate_bp)?;
                inv.items = line_items::to_json(&items)?;
                inv.subtotal_agorot = totals.subtotal_agorot;
                inv.vat_agorot = totals.vat_agorot;
                inv.total_agorot = totals.total_agorot;
            }
            if let Some(due_at) = patch.due_at {
                inv.due_at = due_at.map(time::truncate_micros);
            }
        }
        if let Some(to) = patch.status.filter(|s| *s != inv.status) {
            check_transition(inv.status, to)?;
            if to == InvoiceStatus::Cancelled && inv.number.is_some() {
                cancel_issued(conn, &inv, now)?;
            }
            inv.status = to;
            match to {
                InvoiceStatus::Sent => issue(conn, &mut inv, now)?,
                InvoiceStatus::Paid => inv.paid_at = Some(now),
                InvoiceStatus::Draft | InvoiceStatus::Cancelled => {}
            }
        }
        // Issued by this change: a document that needs an allocation number awaits it, and its
        // request is queued in this transaction.
        let issued_now = was_draft && inv.number.is_some();
        if issued_now && allocation_required(&inv)? {
            inv.allocation_status = Some(AllocationStatus::Awaiting);
        }
        inv.updated_at = now;
        invoice::save(conn, &inv)?;
        if issued_now && inv.allocation_status == Some(AllocationStatus::Awaiting) {
            crate::tax_authority::queries::enqueue(conn, &inv.id, &inv.business_id, now)?;
        }
        Ok(inv)
    })
    .await
}

/// Deletes the invoice `id` of `business_id`; only a draft can be deleted (an issued invoice
/// is cancelled instead: [`Error::Conflict`]).
pub async fn delete(db: &Db, business_id: &BusinessId, id: &InvoiceId) -> Result<()> {
    let (business_id, id) = (business_id.clone(), id.clone());
    db.transaction(move |conn| {
        let inv = invoice::find(conn, &business_id, &id)?.ok_or(Error::NotFound("invoice"))?;
        if inv.status != InvoiceStatus::Draft {
            return Err(Error::Conflict(format!(
                "invoice is {}: only a draft can be deleted (cancel it instead)",
                inv.status
            )));
        }
        invoice::delete_draft(conn, &business_id, &id)?;
        Ok(())
    })
    .await
}

/// Where the sequence of one document type stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numbering {
    pub doc_type: DocType,
    /// The number the next issued document gets.
    pub next_number: i64,
    /// Whether a document of this type was issued (then the sequence can no longer be moved).
    pub started: bool,
}

/// Largest first number a sequence may start at.
pub const MAX_FIRST_NUMBER: i64 = 999_999_999;

/// Where each document type's sequence of `business_id` stands.
pub async fn numbering(db: &Db, business_id: &BusinessId) -> Result<Vec<Numbering>> {
    let business_id = business_id.clone();
    db.run(move |conn| {
        DocType::ALL
            .iter()
            .map(|&doc_type| {
                Ok(Numbering {
                    doc_type,
                    next_number: invoice::last_number(conn, &business_id, doc_type)? + 1,
                    started: invoice::count_issued(conn, &business_id, doc_type)? > 0,
                })
            })
            .collect()
    })
    .await
}

/// Makes `first_number` (1 to [`MAX_FIRST_NUMBER`]) the number of the first `doc_type` document
/// of `business_id` — a business moving from another system continues its own sequence. Once a
/// document of that type is issued the sequence is fixed: [`Error::Conflict`].
pub async fn set_first_number(
    db: &Db,
    business_id: &BusinessId,
    doc_type: DocType,
    first_number: i64,
) -> Result<Numbering> {
    if !(1..=MAX_FIRST_NUMBER).contains(&first_number) {
        return Err(Error::validation(
            "first_number",
            format!("must be 1 to {MAX_FIRST_NUMBER}"),
        ));
    }
    let business_id = business_id.clone();
    db.transaction(move |conn| {
        if !business::exists(conn, &business_id)? {
            return Err(Error::NotFound("business"));
        }
        // The counter row's lock first, so an issue running now either committed before (and is
        // counted) or waits for this transaction.
        let last = invoice::last_number(conn, &business_id, doc_type)?;
        invoice::set_last_number(conn, &business_id, doc_type, last)?;
        if invoice::count_issued(conn, &business_id, doc_type)? > 0 {
            return Err(Error::Conflict(format!(
                "{doc_type} documents were already issued: their numbering can no longer change"
            )));
        }
        invoice::set_last_number(conn, &business_id, doc_type, first_number - 1)?;
        Ok(Numbering {
            doc_type,
            next_number: first_number,
            started: false,
        })
    })
    .await
}

/// Whether `invoice` needs an allocation number from the Tax Authority
/// ([`allocation::required`]) — on its issue date, or today for a draft.
pub fn allocation_required(invoice: &Invoice) -> Result<bool> {
    let seller = Parties::of_invoice(invoice)?
        .map_or(crate::enums::VatStatus::Licensed, |p| p.seller.vat_status);
    // The issue date as the document prints it: the day in Israel.
    let on = time::israel_date(invoice.issued_at.unwrap_or_else(time::now));
    Ok(allocation::required(
        invoice.doc_type,
        seller,
        invoice.customer_tax_id.is_some(),
        invoice.subtotal_agorot,
        on,
    ))
}

/// The line items of `invoice`.
pub fn items_of(invoice: &Invoice) -> Result<Vec<LineItem>> {
    line_items::from_json(&invoice.items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_documented_transitions_are_allowed() {
        use InvoiceStatus::*;
        let allowed = [
            (Draft, Sent),
            (Draft, Cancelled),
            (Sent, Paid),
            (Sent, Cancelled),
        ];
        for from in InvoiceStatus::ALL {
            for to in InvoiceStatus::ALL {
                let ok = check_transition(*from, *to).is_ok();
                assert_eq!(ok, allowed.contains(&(*from, *to)), "{from} → {to}");
            }
        }
        let Err(Error::Conflict(m)) = check_transition(Paid, Draft) else {
            panic!()
        };
        assert!(m.contains("from paid to draft"), "{m}");
    }

    #[test]
    fn sort_values() {
        assert_eq!(
            parse_sort("-number").unwrap(),
            SortSpec {
                column: InvoiceSortColumn::Number,
                descending: true
            }
        );
        assert!(parse_sort("total").is_err());
    }
}
