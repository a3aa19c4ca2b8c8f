//! Proto ⇄ domain conversions of the document parts of invoices: the document kind of a create
//! request, the frozen parties, the numbering RPCs and the business's legal details.

use super::{
    Numbering,
    documents::{DocumentKind, Parties},
};
use crate::{
    businesses::LegalPatch,
    convert::{optional_enum, optional_id, required},
    enums::{DocType, VatStatus},
    error::{Error, Result},
    ids::BusinessId,
    invoices::Invoice,
};
use agentlocator_proto::v1 as pb;

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
