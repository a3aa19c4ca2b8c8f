//! The invoices domain. Amounts are integer agorot computed here from the line items (never
//! taken from the client): subtotal, VAT at the business's `vat_rate_bp` as it was when the
//! invoice was created (rounded half up), total.
//!
//! Life cycle: `draft → sent | cancelled`, `sent → paid | cancelled`; anything else is
//! [`Error::Conflict`]. Only a draft's items and due date can change, and only a draft can be
//! deleted. The invoice number is given when the invoice is issued (`draft → sent`), from a
//! per-business counter taken in the same transaction ([`invoice::next_number`]), so the
//! sequence has no holes even though drafts come and go.

pub mod convert;
pub mod queries;

pub use queries::Invoice;

use crate::{
    businesses::queries as business,
    customers::queries as customer,
    db::Db,
    enums::InvoiceStatus,
    error::{Error, Result},
    ids::{BusinessId, CustomerId, InvoiceId},
    invoices::queries::{self as invoice, InvoiceFilter, InvoiceSort, InvoiceSortColumn},
    line_items::{self, LineItem},
    pagination::Page,
    pagination::{self, SortSpec, Window},
    time,
};
use chrono::NaiveDateTime;

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
/// `sent → paid | cancelled`. Anything else is [`Error::Conflict`].
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

/// Creates a draft invoice (no number yet) with server-computed totals at the business's
/// current VAT rate. The customer must be of `business_id` ([`Error::Validation`] on
/// `customer_id`).
pub async fn create(db: &Db, business_id: &BusinessId, new: NewInvoice) -> Result<Invoice> {
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
        let totals = line_items::totals(&items, b.vat_rate_bp)?;
        let now = time::now();
        let row = Invoice {
            id: InvoiceId::generate(),
            business_id,
            customer_id: new.customer_id,
            number: None,
            status: InvoiceStatus::Draft,
            items: items_json,
            subtotal_agorot: totals.subtotal_agorot,
            vat_agorot: totals.vat_agorot,
            total_agorot: totals.total_agorot,
            vat_rate_bp: b.vat_rate_bp,
            issued_at: None,
            due_at,
            paid_at: None,
            created_at: now,
            updated_at: now,
        };
        invoice::insert(conn, &row)?;
        Ok(row)
    })
    .await
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
            match to {
                InvoiceStatus::Sent => {
                    if inv.number.is_none() {
                        inv.number = Some(invoice::next_number(conn, &inv.business_id)?);
                    }
                    inv.issued_at = Some(now);
                }
                InvoiceStatus::Paid => inv.paid_at = Some(now),
                InvoiceStatus::Draft | InvoiceStatus::Cancelled => {}
            }
            inv.status = to;
        }
        inv.updated_at = now;
        invoice::save(conn, &inv)?;
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
