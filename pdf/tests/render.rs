//! The PDFs as a reader sees them: `pdftotext` (poppler-utils) finds the Hebrew names, the
//! amounts and the allocation number in logical order; `pdftoppm` renders the first page
//! (`UPDATE_SCREENSHOTS=1` writes it to `docs/screenshots/invoice-pdf.png`).

use agentlocator_pdf::{Document, Line, Marking, Party, Signature, Totals, render};
use std::process::Command;

fn invoice(marking: Marking, lines: usize) -> Document {
    Document {
        title: "חשבונית מס".into(),
        number: "1001".into(),
        marking,
        issued_on: "01/12/2026".into(),
        seller: Party {
            name: "מספרת רונית בע\"מ".into(),
            lines: vec!["ח.פ 515146462".into(), "הרצל 1, תל אביב".into()],
        },
        customer: Party {
            name: "מוסך הצפון".into(),
            lines: vec!["ע.מ 123456782".into(), "054-7654321".into()],
        },
        logo: None,
        lines: (0..lines)
            .map(|i| Line {
                description: if i == 0 {
                    "תספורת וצבע".into()
                } else {
                    format!("שורה {}", i + 1)
                },
                quantity: 2,
                unit_price_agorot: 250_000,
            })
            .collect(),
        totals: Some(Totals {
            subtotal_agorot: 500_000 * lines as i64,
            vat_agorot: 90_000 * lines as i64,
            total_agorot: 590_000 * lines as i64,
            vat_rate_bp: 1800,
            exempt: false,
        }),
        allocation_number: Some("202612345".into()),
        body: vec![],
        notes: vec!["אמצעי תשלום: העברה בנקאית".into()],
        signature: None,
    }
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
fn squashed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_text_reads_in_logical_order() {
    let pdf = render(&invoice(Marking::Original, 1)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdftotext(&pdf);
    for expected in [
        "מספרת רונית בע\"מ",
        "מוסך הצפון",
        "תספורת וצבע",
        "חשבונית מס",
        "1001",
        "מקור",
        "מספר הקצאה",
        "202612345",
        "5,000.00",
        "900.00",
        "5,900.00",
        "515146462",
        "עמוד 1 מתוך 1",
    ] {
        assert!(
            text.contains(&squashed(expected)),
            "{expected:?} not in:\n{text}"
        );
    }
    assert!(!text.contains("העתק"));
}

#[test]
fn the_same_document_gives_the_same_bytes_and_a_copy_says_so() {
    let a = render(&invoice(Marking::Original, 3)).unwrap();
    let b = render(&invoice(Marking::Original, 3)).unwrap();
    assert_eq!(a, b);
    let copy = render(&invoice(Marking::Copy, 3)).unwrap();
    assert!(pdftotext(&copy).contains("העתק"));
}

#[test]
fn long_documents_get_page_numbers() {
    let text = pdftotext(&render(&invoice(Marking::Original, 120)).unwrap());
    assert!(text.contains("עמוד1מתוך"), "{text}");
    let pages = text.matches("עמוד").count();
    assert!(pages >= 3, "{pages} pages");
    assert!(text.contains(&format!("עמוד{pages}מתוך{pages}")), "{text}");
}

/// A 60×20 grey stroke as a PNG, like a drawn signature.
fn signature_png() -> Vec<u8> {
    let (w, h) = (60u32, 20u32);
    let data: Vec<u8> = (0..w * h)
        .map(|i| if (i / w) == (i % w) / 3 { 0 } else { 255 })
        .collect();
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(&data).unwrap();
    out
}

#[test]
fn a_signed_contract_prints_its_text_signature_and_hash() {
    let png = signature_png();
    let doc = Document {
        title: "הסכם שירות".into(),
        number: String::new(),
        body: vec![
            "השירות יינתן בימים א׳–ה׳.".into(),
            "התשלום בתוך 30 יום.".into(),
        ],
        totals: None,
        lines: vec![],
        allocation_number: None,
        notes: vec![],
        signature: Some(Signature {
            image: Some(png.to_vec()),
            signer_name: "דנה כהן".into(),
            signed_at: "01/12/2026 14:05 UTC".into(),
            document_sha256: "ab".repeat(32),
        }),
        ..invoice(Marking::Original, 0)
    };
    let text = pdftotext(&render(&doc).unwrap());
    for expected in [
        "הסכם שירות",
        "התשלום בתוך 30 יום",
        "דנה כהן",
        &"ab".repeat(32),
    ] {
        assert!(
            text.contains(&squashed(expected)),
            "{expected:?} not in:\n{text}"
        );
    }
}

#[test]
fn the_first_page_renders_to_an_image() {
    let pdf = render(&invoice(Marking::Original, 4)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .output()
        .expect("pdftoppm (Debian poppler-utils) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(dir.path().join("page.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        let target = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/screenshots/invoice-pdf.png"
        );
        std::fs::write(target, png).unwrap();
    }
}
