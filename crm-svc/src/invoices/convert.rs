//! Conversions between the protobuf messages of invoices and the domain's types, with the
//! document parts: the document kind of a create request, the frozen parties, the numbering
//! RPCs and the business's legal details.

use super::{
    Numbering,
    documents::{DocumentKind, Parties},
};
use crate::convert::{
    document_list, line_items, naive_time, optional_enum, optional_id, patch_enum, pb_line_items,
    required, ts,
};
use crate::{
    businesses::LegalPatch,
    enums::{DocType, VatStatus},
    error::{Error, Result},
    ids::BusinessId,
    invoices::Invoice,
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
    pub kind: DocumentKind,
}

impl TryFrom<pb::CreateInvoiceRequest> for CreateInvoice {
    type Error = Error;

    fn try_from(r: pb::CreateInvoiceRequest) -> Result<Self> {
        let kind = document_kind(
            &r.doc_type,
            &r.payment_method,
            r.credited_invoice_id,
            r.customer_tax_id,
        )?;
        Ok(CreateInvoice {
            kind,
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
            parties: pb_parties(&i)?,
            allocation_required: crate::invoices::allocation_required(&i)?,
            allocation_status: i
                .allocation_status
                .map(|s| s.to_string())
                .unwrap_or_default(),
            allocation_number: i.allocation_number.unwrap_or_default(),
            allocation_reason: i.allocation_reason.unwrap_or_default(),
            doc_type: i.doc_type.to_string(),
            payment_method: i.payment_method.map(|m| m.to_string()).unwrap_or_default(),
            credited_invoice_id: i.credited_invoice_id.map(Into::into).unwrap_or_default(),
            customer_tax_id: i.customer_tax_id.unwrap_or_default(),
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

/// The document part of a `CreateInvoice` request; an empty `doc_type` is a tax invoice.
pub fn document_kind(
    doc_type: &str,
    payment_method: &str,
    credited_invoice_id: String,
    customer_tax_id: String,
) -> Result<DocumentKind> {
    Ok(DocumentKind {
        doc_type: optional_enum("doc_type", doc_type)?.unwrap_or(DocType::TaxInvoice),
        payment_method: optional_enum("payment_method", payment_method)?,
        credited_invoice_id: optional_id(credited_invoice_id),
        customer_tax_id: Some(customer_tax_id).filter(|t| !t.trim().is_empty()),
    })
}

/// The legal details of an `UpdateBusiness` request.
pub fn legal_patch(
    legal_name: Option<String>,
    tax_id: Option<String>,
    address: Option<String>,
    vat_status: Option<String>,
) -> Result<LegalPatch> {
    Ok(LegalPatch {
        legal_name,
        tax_id,
        address,
        vat_status: vat_status
            .map(|v| {
                v.trim()
                    .parse::<VatStatus>()
                    .map_err(|e| Error::validation("vat_status", e.to_string()))
            })
            .transpose()?,
    })
}

/// The stored parties of `invoice` as proto (`None` on a draft).
pub fn pb_parties(invoice: &Invoice) -> Result<Option<pb::DocumentParties>> {
    Ok(Parties::of_invoice(invoice)?.map(|p| pb::DocumentParties {
        seller_name: p.seller.name,
        seller_legal_name: p.seller.legal_name,
        seller_tax_id: p.seller.tax_id,
        seller_address: p.seller.address,
        seller_vat_status: p.seller.vat_status.to_string(),
        customer_name: p.customer.name,
        customer_tax_id: p.customer.tax_id.unwrap_or_default(),
        customer_phone: p.customer.phone,
        customer_email: p.customer.email.unwrap_or_default(),
    }))
}

/// A `SetFirstNumber` request as domain arguments.
#[derive(Debug, Clone)]
pub struct SetFirstNumber {
    pub business_id: BusinessId,
    pub doc_type: DocType,
    pub first_number: i64,
}

impl TryFrom<pb::SetFirstNumberRequest> for SetFirstNumber {
    type Error = Error;

    fn try_from(r: pb::SetFirstNumberRequest) -> Result<Self> {
        Ok(SetFirstNumber {
            business_id: required("business_id", r.business_id)?,
            doc_type: optional_enum("doc_type", &r.doc_type)?
                .ok_or_else(|| Error::validation("doc_type", "is required"))?,
            first_number: r.first_number,
        })
    }
}

/// The sequences as proto.
pub fn pb_numbering(sequences: Vec<Numbering>) -> pb::Numbering {
    pb::Numbering {
        sequences: sequences
            .into_iter()
            .map(|n| pb::numbering::Sequence {
                doc_type: n.doc_type.to_string(),
                next_number: n.next_number,
                started: n.started,
            })
            .collect(),
    }
}
