//! AgentLocator documents as Hebrew right-to-left PDFs, typeset by typst embedded as a library
//! (`typst` + `typst-pdf` with the small [`world::DocWorld`]): invoices, receipts, credit
//! notes, proposals and signed contracts. Only this crate pulls typst.
//!
//! The caller describes a document ([`Document`]); [`render`] lays it out with the template
//! `document.typ` and the fonts shipped in `pdf/fonts/` (Noto Sans Hebrew and Noto Sans, SIL
//! Open Font License, `pdf/fonts/OFL.txt`). The output depends only on the input: the same
//! document gives the same bytes.

mod strings;
mod world;

use serde::Serialize;
use typst_layout::PagedDocument;

pub use strings::{format_agorot, format_vat_rate};

/// Largest image (logo, signature) a document takes.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("an image is larger than {MAX_IMAGE_BYTES} bytes")]
    ImageTooLarge,
    #[error("typesetting failed: {0}")]
    Typeset(String),
    #[error("PDF export failed: {0}")]
    Export(String),
}

/// "מקור" on the first download of an issued document, "העתק" on every other copy: the
/// original is the one the customer was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marking {
    Original,
    Copy,
}

/// A party as printed: a name and the lines under it (tax id, address, phone …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    pub name: String,
    pub lines: Vec<String>,
}

/// One line of a document, in agorot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub description: String,
    pub quantity: i64,
    pub unit_price_agorot: i64,
}

/// The amounts printed under the lines (all agorot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub subtotal_agorot: i64,
    pub vat_agorot: i64,
    pub total_agorot: i64,
    /// Basis points; 0 with `exempt` prints "exempt dealer, no VAT".
    pub vat_rate_bp: i32,
    pub exempt: bool,
}

/// A signature printed under a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// PNG or JPEG.
    pub image: Option<Vec<u8>>,
    pub signer_name: String,
    /// As printed, e.g. "01/12/2026 14:05 UTC".
    pub signed_at: String,
    /// Hex SHA-256 of the text signed.
    pub document_sha256: String,
}

/// Everything a document prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// E.g. "חשבונית מס".
    pub title: String,
    /// The document's number, or empty (a draft, a contract).
    pub number: String,
    pub marking: Marking,
    /// As printed, e.g. "01/12/2026".
    pub issued_on: String,
    pub seller: Party,
    pub customer: Party,
    /// PNG or JPEG.
    pub logo: Option<Vec<u8>>,
    pub lines: Vec<Line>,
    pub totals: Option<Totals>,
    /// The Tax Authority's allocation number (מספר הקצאה), when the document has one.
    pub allocation_number: Option<String>,
    /// Paragraphs of text (a contract's body).
    pub body: Vec<String>,
    /// Short lines at the end (payment method, the invoice a credit note credits …).
    pub notes: Vec<String>,
    pub signature: Option<Signature>,
}

/// The JSON the template reads.
#[derive(Serialize)]
struct Data<'a> {
    title: &'a str,
    number: &'a str,
    marking: &'static str,
    issued_on: &'a str,
    seller: &'a Party,
    customer: &'a Party,
    has_logo: bool,
    columns: [&'static str; 5],
    lines: Vec<[String; 4]>,
    totals: Vec<[String; 2]>,
    allocation: Option<&'a str>,
    body: &'a [String],
    notes: &'a [String],
    signature: Option<SignatureData>,
    labels: strings::Labels,
}

#[derive(Serialize)]
struct SignatureData {
    has_image: bool,
    lines: Vec<String>,
}

const TEMPLATE: &str = include_str!("document.typ");

/// `doc` as a PDF. Deterministic: the same document gives the same bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let too_large = |i: &Option<Vec<u8>>| i.as_ref().is_some_and(|b| b.len() > MAX_IMAGE_BYTES);
    if too_large(&doc.logo) || too_large(&doc.signature.as_ref().and_then(|s| s.image.clone())) {
        return Err(RenderError::ImageTooLarge);
    }
    let data = Data {
        title: &doc.title,
        number: &doc.number,
        marking: match doc.marking {
            Marking::Original => strings::ORIGINAL,
            Marking::Copy => strings::COPY,
        },
        issued_on: &doc.issued_on,
        seller: &doc.seller,
        customer: &doc.customer,
        has_logo: doc.logo.is_some(),
        columns: strings::COLUMNS,
        lines: doc
            .lines
            .iter()
            .map(|l| {
                let total = i128::from(l.quantity) * i128::from(l.unit_price_agorot);
                [
                    l.description.clone(),
                    l.quantity.to_string(),
                    format_agorot(i128::from(l.unit_price_agorot)),
                    format_agorot(total),
                ]
            })
            .collect(),
        totals: doc.totals.map(strings::totals).unwrap_or_default(),
        allocation: doc.allocation_number.as_deref(),
        body: &doc.body,
        notes: &doc.notes,
        signature: doc.signature.as_ref().map(|s| SignatureData {
            has_image: s.image.is_some(),
            lines: strings::signature_lines(s),
        }),
        labels: strings::Labels::HEBREW,
    };
    let json = serde_json::to_vec(&data).map_err(|e| RenderError::Typeset(e.to_string()))?;
    let mut files = vec![("data.json", json)];
    if let Some(logo) = &doc.logo {
        files.push(("logo.png", logo.clone()));
    }
    if let Some(image) = doc.signature.as_ref().and_then(|s| s.image.clone()) {
        files.push(("signature.png", image));
    }
    let world = world::DocWorld::new(TEMPLATE, files);
    let paged: PagedDocument = typst::compile(&world).output.map_err(|errors| {
        RenderError::Typeset(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(format!("{}-{}", doc.title, doc.number)),
        creator: typst::foundations::Smart::Custom(Some("AgentLocator".into())),
        ..typst_pdf::PdfOptions::default()
    };
    typst_pdf::pdf(&paged, &options).map_err(|errors| {
        RenderError::Export(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}
