//! The PDFs of issued documents: every invoice type once it has a number, and a signed contract
//! (with its signature image and the SHA-256 of the text signed). A document's PDFs are
//! rendered once — when it is issued, or at the first download if that failed — and stored, so
//! every download returns the same bytes: the original ("מקור", the one the customer is given)
//! and a copy ("העתק").

pub mod queries;

use crate::{
    businesses::{Business, queries as business},
    contracts::queries as contract,
    customers::{Customer, queries as customer},
    db::{Db, DbConn},
    enums::{AllocationStatus, ContractStatus, VatStatus},
    error::{Error, Result},
    ids::{BusinessId, ContractId, InvoiceId},
    invoices::{self, Invoice, documents::Parties, queries as invoice},
    signatures::queries as signature,
    strings, time,
};
use agentlocator_pdf::{Document, Line, Marking, Party, Signature, Totals};
use chrono::NaiveDateTime;
use queries::StoredPdf;
use sha2::{Digest, Sha256};

/// Which of a document's PDFs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Original,
    Copy,
}

/// A stored PDF as downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdf {
    pub bytes: Vec<u8>,
    /// Hex SHA-256 of the original.
    pub sha256: String,
    /// A file name for the download, e.g. `tax_invoice-1001.pdf`.
    pub file_name: String,
    /// `invoice` or `contract`: which feature the document belongs to.
    pub kind: &'static str,
}

/// The PDF `which` of document `id` (an invoice or a contract) of `business_id`, rendering and
/// storing both PDFs first when they are not stored yet. A draft (or an unsigned contract) has
/// none: [`Error::Conflict`]; an unknown id is [`Error::NotFound`].
pub async fn get(db: &Db, business_id: &BusinessId, id: &str, which: Which) -> Result<Pdf> {
    let (bid, key) = (business_id.clone(), id.to_owned());
    let (source, stored) = db
        .run(move |conn| {
            let source = source(conn, &bid, &key)?;
            Ok((source, queries::find(conn, &bid, &key)?))
        })
        .await?;
    let stored = match stored {
        Some(s) => s,
        None => {
            let doc = source.document.clone();
            let (original, copy) = tokio::task::spawn_blocking(move || render_both(doc))
                .await
                .map_err(|e| Error::Internal(format!("the PDF renderer stopped: {e}")))??;
            if !source.is_final {
                // Awaiting its allocation number: this PDF says so and is not kept; the one
                // stored is rendered once the number (or the refusal) is in.
                return Ok(Pdf {
                    sha256: hex(&Sha256::digest(&original)),
                    bytes: match which {
                        Which::Original => original,
                        Which::Copy => copy,
                    },
                    file_name: source.file_name,
                    kind: source.kind,
                });
            }
            let row = StoredPdf {
                document_id: id.to_owned(),
                business_id: business_id.clone(),
                sha256: hex(&Sha256::digest(&original)),
                original,
                copy,
                created_at: time::now(),
            };
            let (bid, key) = (business_id.clone(), id.to_owned());
            db.transaction(move |conn| {
                queries::insert_if_absent(conn, &row)?;
                queries::find(conn, &bid, &key)?
                    .ok_or_else(|| Error::Internal("a stored PDF vanished".into()))
            })
            .await?
        }
    };
    Ok(Pdf {
        bytes: match which {
            Which::Original => stored.original,
            Which::Copy => stored.copy,
        },
        sha256: stored.sha256,
        file_name: source.file_name,
        kind: source.kind,
    })
}

/// Renders and stores the PDFs of a document just issued. A failure is logged, not returned:
/// the document is issued either way, and the first download renders it again.
pub async fn after_issue(db: &Db, business_id: &BusinessId, id: &str) {
    if let Err(e) = get(db, business_id, id, Which::Original).await {
        tracing::warn!(document_id = id, error = %e, "the PDF of an issued document was not rendered");
    }
}

fn render_both(doc: Document) -> Result<(Vec<u8>, Vec<u8>)> {
    let render = |marking| {
        agentlocator_pdf::render(&Document {
            marking,
            ..doc.clone()
        })
        .map_err(|e| Error::Internal(format!("cannot render the PDF: {e}")))
    };
    Ok((render(Marking::Original)?, render(Marking::Copy)?))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a document's PDF is made of.
struct Source {
    document: Document,
    file_name: String,
    kind: &'static str,
    /// Whether the document has its final form (not awaiting an allocation number).
    is_final: bool,
}

fn source(conn: &mut DbConn, business_id: &BusinessId, id: &str) -> Result<Source> {
    if let Some(inv) = invoice::find(conn, business_id, &InvoiceId::from(id))? {
        return invoice_source(conn, inv);
    }
    if let Some(c) = contract::find(conn, business_id, &ContractId::from(id))? {
        if c.status != ContractStatus::Signed {
            return Err(Error::Conflict(
                "only a signed contract has a PDF".to_owned(),
            ));
        }
        let signed = signature::list_by_contract(conn, business_id, &c.id)?
            .into_iter()
            .find(|s| s.signed_at.is_some())
            .ok_or(Error::NotFound("signature"))?;
        let signed =
            signature::find(conn, business_id, &signed.id)?.ok_or(Error::NotFound("signature"))?;
        let (b, cust) = parties_now(conn, business_id, &c.customer_id)?;
        let parties = Parties::of(&b, &cust, None);
        let signed_at = signed.signed_at.unwrap_or(c.updated_at);
        let document = Document {
            title: c.title.clone(),
            number: String::new(),
            marking: Marking::Original,
            issued_on: date(signed_at),
            seller: seller(&parties),
            customer: buyer(&parties),
            logo: None,
            lines: vec![],
            totals: None,
            allocation_number: None,
            body: c
                .body
                .split("\n\n")
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect(),
            notes: vec![],
            signature: Some(Signature {
                image: signed.image_png,
                signer_name: signed.signer_name.unwrap_or_default(),
                signed_at: format!("{} UTC", signed_at.format("%d/%m/%Y %H:%M")),
                document_sha256: signed.document_sha256.unwrap_or_default(),
            }),
        };
        return Ok(Source {
            document,
            file_name: format!("contract-{}.pdf", c.id),
            kind: "contract",
            is_final: true,
        });
    }
    Err(Error::NotFound("document"))
}

fn parties_now(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &crate::ids::CustomerId,
) -> Result<(Business, Customer)> {
    let b = business::find(conn, business_id)?.ok_or(Error::NotFound("business"))?;
    let c = customer::find(conn, business_id, customer_id)?.ok_or(Error::NotFound("customer"))?;
    Ok((b, c))
}

fn invoice_source(conn: &mut DbConn, inv: Invoice) -> Result<Source> {
    let (Some(number), Some(issued_at)) = (inv.number, inv.issued_at) else {
        return Err(Error::Conflict(
            "a draft has no PDF: issue it first".to_owned(),
        ));
    };
    // Invoices issued before the parties were frozen print today's details.
    let parties = match Parties::of_invoice(&inv)? {
        Some(p) => p,
        None => {
            let (b, c) = parties_now(conn, &inv.business_id, &inv.customer_id)?;
            Parties::of(&b, &c, inv.customer_tax_id.as_deref())
        }
    };
    let mut notes = Vec::new();
    if let Some(m) = inv.payment_method {
        notes.push(format!(
            "{}: {}",
            strings::PDF_PAYMENT_METHOD,
            strings::payment_method(m)
        ));
    }
    if let Some(credited) = &inv.credited_invoice_id {
        let number = invoice::find(conn, &inv.business_id, credited)?
            .and_then(|c| c.number)
            .map_or_else(String::new, |n| n.to_string());
        notes.push(format!("{} {number}", strings::PDF_CREDITS_INVOICE));
    }
    match inv.allocation_status {
        Some(AllocationStatus::Awaiting) => notes.push(strings::PDF_ALLOCATION_AWAITING.to_owned()),
        Some(AllocationStatus::Refused) => notes.push(format!(
            "{}: {}",
            strings::PDF_ALLOCATION_REFUSED,
            inv.allocation_reason.as_deref().unwrap_or_default()
        )),
        Some(AllocationStatus::Allocated) | None => {}
    }
    let document = Document {
        title: strings::doc_type_title(inv.doc_type).to_owned(),
        number: number.to_string(),
        marking: Marking::Original,
        issued_on: date(issued_at),
        seller: seller(&parties),
        customer: buyer(&parties),
        logo: None,
        lines: invoices::items_of(&inv)?
            .into_iter()
            .map(|i| Line {
                description: i.description,
                quantity: i.quantity,
                unit_price_agorot: i.unit_price_agorot,
            })
            .collect(),
        totals: Some(Totals {
            subtotal_agorot: inv.subtotal_agorot,
            vat_agorot: inv.vat_agorot,
            total_agorot: inv.total_agorot,
            vat_rate_bp: inv.vat_rate_bp,
            exempt: parties.seller.vat_status == VatStatus::Exempt,
        }),
        allocation_number: inv.allocation_number.clone(),
        body: vec![],
        notes,
        signature: None,
    };
    Ok(Source {
        document,
        file_name: format!("{}-{number}.pdf", inv.doc_type),
        kind: "invoice",
        is_final: inv.allocation_status != Some(AllocationStatus::Awaiting),
    })
}

/// A document's date as printed: the day in Israel, not in UTC.
fn date(t: NaiveDateTime) -> String {
    time::israel_date(t).format("%d/%m/%Y").to_string()
}

/// "ח.פ" for a company number (they start with 5), else "ע.מ".
fn tax_id_line(tax_id: &str) -> String {
    let label = if tax_id.starts_with('5') {
        strings::PDF_COMPANY_NUMBER
    } else {
        strings::PDF_DEALER_NUMBER
    };
    format!("{label} {tax_id}")
}

fn seller(p: &Parties) -> Party {
    let s = &p.seller;
    let mut lines = Vec::new();
    if s.name != s.legal_name {
        lines.push(s.name.clone());
    }
    if !s.tax_id.is_empty() {
        lines.push(tax_id_line(&s.tax_id));
    }
    lines.push(
        match s.vat_status {
            VatStatus::Licensed => strings::PDF_LICENSED_DEALER,
            VatStatus::Exempt => strings::PDF_EXEMPT_DEALER,
        }
        .to_owned(),
    );
    if !s.address.is_empty() {
        lines.push(s.address.clone());
    }
    Party {
        name: s.legal_name.clone(),
        lines,
    }
}

fn buyer(p: &Parties) -> Party {
    let c = &p.customer;
    let mut lines = Vec::new();
    if let Some(t) = &c.tax_id {
        lines.push(tax_id_line(t));
    }
    lines.push(c.phone.clone());
    if let Some(e) = &c.email {
        lines.push(e.clone());
    }
    Party {
        name: c.name.clone(),
        lines,
    }
}

/// The document types' titles are part of what is checked by the tests.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::DocType;

    #[test]
    fn every_type_has_its_hebrew_title() {
        let titles: Vec<_> = DocType::ALL
            .iter()
            .map(|t| strings::doc_type_title(*t))
            .collect();
        assert_eq!(
            titles,
            ["חשבונית מס", "חשבונית מס/קבלה", "קבלה", "חשבונית זיכוי"]
        );
        assert_eq!(tax_id_line("515146462"), "ח.פ 515146462");
        assert_eq!(tax_id_line("123456782"), "ע.מ 123456782");
    }
}
