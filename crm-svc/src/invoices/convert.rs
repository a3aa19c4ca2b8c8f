//! Conversions between the protobuf messages of invoices and the domain's types.

use crate::convert::{
    document_list, line_items, naive_time, patch_enum, pb_line_items, required, ts,
};
use crate::{
    error::{Error, Result},
    ids::BusinessId,
    pagination::Page,
};
use agentlocator_proto::v1 as pb;

document_list!(
    /// A `ListInvoices` request as domain arguments.
    ListInvoices,
    pb::ListInvoicesRequest,
    crate::invoices::queries::InvoiceFilter,
    crate::invoices::queries::InvoiceSort,
    crate::invoices::parse_sort
);

/// A `CreateInvoice` request as domain arguments.
#[derive(Debug, Clone)]
pub struct CreateInvoice {
    pub business_id: BusinessId,
    pub invoice: crate::invoices::NewInvoice,
}

impl TryFrom<pb::CreateInvoiceRequest> for CreateInvoice {
    type Error = Error;

    fn try_from(r: pb::CreateInvoiceRequest) -> Result<Self> {
        Ok(CreateInvoice {
            business_id: required("business_id", r.business_id)?,
            invoice: crate::invoices::NewInvoice {
                customer_id: required("customer_id", r.customer_id)?,
                items: line_items(r.items),
                due_at: naive_time("due_at", r.due_at)?,
            },
        })
    }
}

/// An `UpdateInvoice` request as domain arguments.
#[derive(Debug, Clone)]
pub struct UpdateInvoice {
    pub business_id: BusinessId,
    pub id: crate::ids::InvoiceId,
    pub patch: crate::invoices::InvoicePatch,
}

impl TryFrom<pb::UpdateInvoiceRequest> for UpdateInvoice {
    type Error = Error;

    fn try_from(r: pb::UpdateInvoiceRequest) -> Result<Self> {
        Ok(UpdateInvoice {
            business_id: required("business_id", r.business_id)?,
            id: required("id", r.id)?,
            patch: crate::invoices::InvoicePatch {
                items: r.set_items.then(|| line_items(r.items)),
                due_at: if r.set_due_at {
                    Some(naive_time("due_at", r.due_at)?)
                } else {
                    None
                },
                status: patch_enum("status", r.status)?,
            },
        })
    }
}

impl TryFrom<crate::invoices::Invoice> for pb::Invoice {
    type Error = Error;

    /// Fails only when the stored items are not valid JSON line items.
    fn try_from(i: crate::invoices::Invoice) -> Result<Self> {
        Ok(pb::Invoice {
            items: pb_line_items(&i.items)?,
            id: i.id.into(),
            business_id: i.business_id.into(),
            customer_id: i.customer_id.into(),
            number: i.number,
            status: i.status.to_string(),
            subtotal_agorot: i.subtotal_agorot,
            vat_agorot: i.vat_agorot,
            total_agorot: i.total_agorot,
            vat_rate_bp: i.vat_rate_bp,
            issued_at: i.issued_at.map(ts),
            due_at: i.due_at.map(ts),
            paid_at: i.paid_at.map(ts),
            created_at: Some(ts(i.created_at)),
            updated_at: Some(ts(i.updated_at)),
        })
    }
}

impl TryFrom<Page<crate::invoices::Invoice>> for pb::ListInvoicesResponse {
    type Error = Error;

    fn try_from(p: Page<crate::invoices::Invoice>) -> Result<Self> {
        Ok(pb::ListInvoicesResponse {
            page: p.page,
            limit: p.limit,
            total: p.total,
            items: p
                .items
                .into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_>>()?,
        })
    }
}
