//! Stored PDFs of issued documents on both backends: rendered at issue, the same bytes on every
//! download, an original and a copy, none for a draft, none across businesses.

use crate::fixtures::{assert_conflict, assert_not_found, tenant};
use crm_svc::{
    Db, backend_test,
    document_pdfs::{self, Which},
    enums::InvoiceStatus,
    invoices::{self, InvoicePatch, NewInvoice},
    line_items::LineItem,
};

pub fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    assert!(out.status.success());
    // pdftotext marks each direction run with bidi embedding controls (U+202A–U+202E) and
    // places the spaces next to a number inside Hebrew text on the wrong side of it; the
    // characters themselves come in logical order. Compare without either.
    String::from_utf8(out.stdout)
        .unwrap()
        .chars()
        .filter(|c| !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// `text` as [`pdftotext`] answers it: without whitespace.
pub fn squashed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

async fn issued_invoices_have_one_stored_pdf(db: Db) {
    let t = tenant(&db, "מספרת רונית", 1).await;
    let other = tenant(&db, "אחר", 2).await;
    let bid = &t.business.id;
    let inv = invoices::create(
        &db,
        bid,
        NewInvoice {
            customer_id: t.customer.id.clone(),
            items: vec![LineItem::new("תספורת וצבע", 2, 25_000)],
            due_at: None,
        },
    )
    .await
    .unwrap();
    let id = inv.id.as_str();
    assert_conflict(document_pdfs::get(&db, bid, id, Which::Original).await);
    let inv = invoices::update(
        &db,
        bid,
        &inv.id,
        InvoicePatch {
            status: Some(InvoiceStatus::Sent),
            ..InvoicePatch::default()
        },
    )
    .await
    .unwrap();
    let first = document_pdfs::get(&db, bid, id, Which::Original)
        .await
        .unwrap();
    let again = document_pdfs::get(&db, bid, id, Which::Original)
        .await
        .unwrap();
    assert_eq!(first, again, "the same bytes on every download");
    assert_eq!(first.file_name, "tax_invoice-1.pdf");
    let text = pdftotext(&first.bytes);
    // The date printed is the issue day in Israel, not in UTC.
    let issued_on = crm_svc::time::israel_date(inv.issued_at.unwrap())
        .format("%d/%m/%Y")
        .to_string();
    for expected in [
        "מספרת רונית",
        &t.customer.name,
        "תספורת וצבע",
        "חשבונית מס",
        "מקור",
        "500.00",
        "590.00",
        &issued_on,
    ] {
        assert!(
            text.contains(&squashed(expected)),
            "{expected:?} not in:\n{text}"
        );
    }
    let copy = document_pdfs::get(&db, bid, id, Which::Copy).await.unwrap();
    assert_ne!(copy.bytes, first.bytes);
    assert_eq!(copy.sha256, first.sha256);
    assert!(pdftotext(&copy.bytes).contains("העתק"));
    // Paying it later changes nothing printed.
    invoices::update(
        &db,
        bid,
        &inv.id,
        InvoicePatch {
            status: Some(InvoiceStatus::Paid),
            ..InvoicePatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        document_pdfs::get(&db, bid, id, Which::Original)
            .await
            .unwrap(),
        first
    );
    assert_not_found(document_pdfs::get(&db, &other.business.id, id, Which::Original).await);
    assert_not_found(document_pdfs::get(&db, bid, "no-such-document", Which::Original).await);
}
backend_test!(issued_invoices_have_one_stored_pdf => document_pdfs_sqlite, document_pdfs_postgres);
