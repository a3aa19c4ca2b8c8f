//! The rules of Israeli documents on top of the invoice life cycle: which fields each
//! [`DocType`] needs, the VAT it carries, and what an issued document says about its parties.
//!
//! - חשבונית מס (`tax_invoice`): VAT at the business's rate.
//! - חשבונית מס/קבלה (`tax_invoice_receipt`): the same, paid on the spot: needs a payment method
//!   and is `paid` as soon as it is issued.
//! - קבלה (`receipt`): a payment received; needs a payment method, carries no VAT of its own and
//!   is `paid` when issued.
//! - חשבונית זיכוי (`credit_note`): credits an issued tax invoice (or invoice-receipt) of the same
//!   customer, at that invoice's VAT rate; the credit notes of one invoice together never
//!   exceed its total.
//!
//! An exempt dealer (עוסק פטור) charges no VAT on any of them.

use super::tax_id;
use crate::{
    businesses::Business,
    customers::Customer,
    enums::{DocType, InvoiceStatus, PaymentMethod, VatStatus},
    error::{Error, Result},
    ids::InvoiceId,
    invoices::Invoice,
};
use serde::{Deserialize, Serialize};

/// The document-type part of a new invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentKind {
    pub doc_type: DocType,
    /// Receipts and invoice-receipts only (and required there).
    pub payment_method: Option<PaymentMethod>,
    /// Credit notes only (and required there): the invoice credited.
    pub credited_invoice_id: Option<InvoiceId>,
    /// The customer's ע.מ / ח.פ / ת.ז, any common spelling (`51-234567-8`); checked and stored as
    /// nine digits.
    pub customer_tax_id: Option<String>,
}

impl Default for DocumentKind {
    /// A tax invoice to a customer without a tax id.
    fn default() -> Self {
        DocumentKind {
            doc_type: DocType::TaxInvoice,
            payment_method: None,
            credited_invoice_id: None,
            customer_tax_id: None,
        }
    }
}

impl DocumentKind {
    /// Checks the fields `doc_type` needs and normalises the tax id. [`Error::Validation`]
    /// names the field.
    pub fn validate(self) -> Result<DocumentKind> {
        let takes_payment = matches!(self.doc_type, DocType::Receipt | DocType::TaxInvoiceReceipt);
        match (takes_payment, self.payment_method) {
            (true, None) => {
                return Err(Error::validation(
                    "payment_method",
                    format!("a {} needs the payment method", self.doc_type),
                ));
            }
            (false, Some(_)) => {
                return Err(Error::validation(
                    "payment_method",
                    format!("a {} has no payment method", self.doc_type),
                ));
            }
            _ => {}
        }
        match (
            self.doc_type == DocType::CreditNote,
            &self.credited_invoice_id,
        ) {
            (true, None) => {
                return Err(Error::validation(
                    "credited_invoice_id",
                    "a credit note names the invoice it credits",
                ));
            }
            (false, Some(_)) => {
                return Err(Error::validation(
                    "credited_invoice_id",
                    "only a credit note credits an invoice",
                ));
            }
            _ => {}
        }
        let customer_tax_id = self
            .customer_tax_id
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| tax_id::normalize("customer_tax_id", t))
            .transpose()?;
        Ok(DocumentKind {
            customer_tax_id,
            ..self
        })
    }
}

/// The VAT rate (basis points) a new document of `doc_type` by `business` carries: none for an
/// exempt dealer or a receipt, the credited invoice's for a credit note, else the business's.
pub fn vat_rate_bp(business: &Business, doc_type: DocType, credited: Option<&Invoice>) -> i32 {
    if business.vat_status == VatStatus::Exempt {
        return 0;
    }
    match (doc_type, credited) {
        (DocType::Receipt, _) => 0,
        (DocType::CreditNote, Some(c)) => c.vat_rate_bp,
        _ => business.vat_rate_bp,
    }
}

/// Whether `credited` may be credited by a credit note of `customer`: an issued (not cancelled)
/// tax invoice or invoice-receipt of the same customer. [`Error::Validation`] on
/// `credited_invoice_id` otherwise.
pub fn check_creditable(credited: &Invoice, customer: &crate::ids::CustomerId) -> Result<()> {
    let field = "credited_invoice_id";
    if !matches!(
        credited.doc_type,
        DocType::TaxInvoice | DocType::TaxInvoiceReceipt
    ) {
        return Err(Error::validation(
            field,
            format!("a {} cannot be credited", credited.doc_type),
        ));
    }
    if credited.number.is_none() || credited.status == InvoiceStatus::Cancelled {
        return Err(Error::validation(
            field,
            "only an issued, not cancelled invoice can be credited",
        ));
    }
    if &credited.customer_id != customer {
        return Err(Error::validation(
            field,
            "the credited invoice is another customer's",
        ));
    }
    Ok(())
}

/// [`Error::Validation`] on `items` when a credit note of `total_agorot` would take the credits of
/// `credited` past its total (`already` = its other issued credit notes).
pub fn check_credit_limit(credited: &Invoice, already: i64, total_agorot: i64) -> Result<()> {
    let left = credited.total_agorot.saturating_sub(already);
    if total_agorot > left {
        return Err(Error::validation(
            "items",
            format!(
                "the credit note's total ({total_agorot} agorot) exceeds what is left to credit \
                 on invoice {} ({left} of {} agorot)",
                credited.number.unwrap_or_default(),
                credited.total_agorot
            ),
        ));
    }
    Ok(())
}

/// The seller as printed on a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seller {
    pub name: String,
    pub legal_name: String,
    pub tax_id: String,
    pub address: String,
    pub vat_status: VatStatus,
}

/// The customer as printed on a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    pub name: String,
    pub tax_id: Option<String>,
    pub phone: String,
    pub email: Option<String>,
}

/// What an issued document says about its parties, frozen at issue (a later change of the
/// business's settings or the customer's name does not change an issued document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parties {
    pub seller: Seller,
    pub customer: Buyer,
}

impl Parties {
    pub fn of(business: &Business, customer: &Customer, customer_tax_id: Option<&str>) -> Self {
        Parties {
            seller: Seller {
                name: business.name.clone(),
                legal_name: if business.legal_name.is_empty() {
                    business.name.clone()
                } else {
                    business.legal_name.clone()
                },
                tax_id: business.tax_id.clone(),
                address: business.address.clone(),
                vat_status: business.vat_status,
            },
            customer: Buyer {
                name: customer.name.clone(),
                tax_id: customer_tax_id.map(str::to_owned),
                phone: customer.phone.clone(),
                email: customer.email.clone(),
            },
        }
    }

    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| Error::Internal(format!("cannot encode parties: {e}")))
    }

    /// The stored parties of `invoice` (`None` on a draft).
    pub fn of_invoice(invoice: &Invoice) -> Result<Option<Parties>> {
        invoice
            .parties
            .as_deref()
            .map(|text| {
                serde_json::from_str(text)
                    .map_err(|e| Error::Internal(format!("stored parties are malformed: {e}")))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(doc_type: DocType) -> DocumentKind {
        DocumentKind {
            doc_type,
            ..DocumentKind::default()
        }
    }

    fn field_of(r: Result<DocumentKind>) -> &'static str {
        match r {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_type_needs_its_own_fields() {
        kind(DocType::TaxInvoice).validate().unwrap();
        assert_eq!(
            field_of(kind(DocType::Receipt).validate()),
            "payment_method"
        );
        assert_eq!(
            field_of(kind(DocType::TaxInvoiceReceipt).validate()),
            "payment_method"
        );
        assert_eq!(
            field_of(
                DocumentKind {
                    payment_method: Some(PaymentMethod::Cash),
                    ..kind(DocType::TaxInvoice)
                }
                .validate()
            ),
            "payment_method"
        );
        assert_eq!(
            field_of(kind(DocType::CreditNote).validate()),
            "credited_invoice_id"
        );
        assert_eq!(
            field_of(
                DocumentKind {
                    credited_invoice_id: Some(InvoiceId::generate()),
                    ..kind(DocType::TaxInvoice)
                }
                .validate()
            ),
            "credited_invoice_id"
        );
        let ok = DocumentKind {
            payment_method: Some(PaymentMethod::Bit),
            customer_tax_id: Some(" 51-514646-2 ".into()),
            ..kind(DocType::Receipt)
        }
        .validate()
        .unwrap();
        assert_eq!(ok.customer_tax_id.as_deref(), Some("515146462"));
        assert_eq!(
            field_of(
                DocumentKind {
                    customer_tax_id: Some("515146463".into()),
                    ..kind(DocType::TaxInvoice)
                }
                .validate()
            ),
            "customer_tax_id"
        );
    }
}
