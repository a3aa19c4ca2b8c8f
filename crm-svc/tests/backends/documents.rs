//! Israeli documents on both backends: types and their rules, numbering per type (concurrent,
//! settable once), credit notes within their invoice, frozen parties, bad input.

use crate::fixtures::{Tenant, assert_conflict, invalid_field, tenant};
use crm_svc::{
    Db, backend_test,
    businesses::{self, BusinessPatch, LegalPatch},
    enums::{DocType, InvoiceStatus, PaymentMethod, VatStatus},
    ids::InvoiceId,
    invoices::{
        self, Invoice, InvoicePatch, NewInvoice,
        documents::{DocumentKind, Parties},
        queries::InvoiceFilter,
    },
    line_items::LineItem,
};

fn new(t: &Tenant, items: Vec<LineItem>) -> NewInvoice {
    NewInvoice {
        customer_id: t.customer.id.clone(),
        items,
        due_at: None,
    }
}

fn one_line(agorot: i64) -> Vec<LineItem> {
    vec![LineItem::new("ייעוץ עסקי", 1, agorot)]
}

fn kind(doc_type: DocType) -> DocumentKind {
    DocumentKind {
        doc_type,
        payment_method: matches!(doc_type, DocType::Receipt | DocType::TaxInvoiceReceipt)
            .then_some(PaymentMethod::BankTransfer),
        ..DocumentKind::default()
    }
}

fn credit(of: &Invoice) -> DocumentKind {
    DocumentKind {
        credited_invoice_id: Some(of.id.clone()),
        ..kind(DocType::CreditNote)
    }
}

async fn draft(db: &Db, t: &Tenant, kind: DocumentKind, agorot: i64) -> Invoice {
    invoices::create_document(db, &t.business.id, new(t, one_line(agorot)), kind)
        .await
        .unwrap()
}

async fn issue(db: &Db, t: &Tenant, id: &InvoiceId) -> crm_svc::Result<Invoice> {
    invoices::update(
        db,
        &t.business.id,
        id,
        InvoicePatch {
            status: Some(InvoiceStatus::Sent),
            ..InvoicePatch::default()
        },
    )
    .await
}

async fn set_legal(db: &Db, t: &Tenant, legal: LegalPatch) -> crm_svc::Result<()> {
    businesses::update(
        db,
        &t.business.id,
        BusinessPatch {
            legal,
            ..BusinessPatch::default()
        },
    )
    .await
    .map(drop)
}

async fn document_count(db: &Db, t: &Tenant) -> i64 {
    invoices::list(
        &db.clone(),
        &t.business.id,
        1,
        1,
        InvoiceFilter::default(),
        None,
    )
    .await
    .unwrap()
    .total
}

/// Every type has its own sequence from 1; receipts carry no VAT and are paid when issued; an
/// exempt dealer charges no VAT; the parties are frozen at issue; an issued document refuses
/// edits.
async fn types_number_separately_and_follow_their_rules(db: Db) {
    let t = tenant(&db, "מספרת רונית", 1).await;
    set_legal(
        &db,
        &t,
        LegalPatch {
            legal_name: Some("רונית כהן בע\"מ".into()),
            tax_id: Some("51-514646-2".into()),
            address: Some("הרצל 1, תל אביב".into()),
            vat_status: None,
        },
    )
    .await
    .unwrap();
    let mut numbers = Vec::new();
    for doc_type in [
        DocType::TaxInvoice,
        DocType::TaxInvoice,
        DocType::Receipt,
        DocType::TaxInvoiceReceipt,
        DocType::Receipt,
    ] {
        let d = draft(&db, &t, kind(doc_type), 10_000).await;
        assert_eq!(d.number, None);
        let d = issue(&db, &t, &d.id).await.unwrap();
        numbers.push((doc_type, d.number.unwrap()));
        match doc_type {
            DocType::Receipt => {
                assert_eq!((d.vat_agorot, d.total_agorot), (0, 10_000));
                assert_eq!(d.status, InvoiceStatus::Paid);
                assert!(d.paid_at.is_some());
            }
            DocType::TaxInvoiceReceipt => {
                assert_eq!((d.vat_agorot, d.total_agorot), (1_800, 11_800));
                assert_eq!(d.status, InvoiceStatus::Paid);
            }
            _ => {
                assert_eq!((d.vat_agorot, d.total_agorot), (1_800, 11_800));
                assert_eq!(d.status, InvoiceStatus::Sent);
            }
        }
    }
    assert_eq!(
        numbers,
        vec![
            (DocType::TaxInvoice, 1),
            (DocType::TaxInvoice, 2),
            (DocType::Receipt, 1),
            (DocType::TaxInvoiceReceipt, 1),
            (DocType::Receipt, 2),
        ]
    );

    // What the first invoice says about its parties stays, whatever changes later.
    let first = invoices::list(
        &db,
        &t.business.id,
        1,
        100,
        InvoiceFilter::default(),
        Some(invoices::parse_sort("created_at").unwrap()),
    )
    .await
    .unwrap()
    .items
    .remove(0);
    let printed = Parties::of_invoice(&first).unwrap().unwrap();
    assert_eq!(printed.seller.legal_name, "רונית כהן בע\"מ");
    assert_eq!(printed.seller.tax_id, "515146462");
    assert_eq!(printed.customer.name, t.customer.name);
    set_legal(
        &db,
        &t,
        LegalPatch {
            address: Some("דיזנגוף 100".into()),
            ..LegalPatch::default()
        },
    )
    .await
    .unwrap();
    let again = invoices::get(&db, &t.business.id, &first.id).await.unwrap();
    assert_eq!(Parties::of_invoice(&again).unwrap().unwrap(), printed);

    // Issued: the items cannot change (409), nor can it be deleted.
    assert_conflict(
        invoices::update(
            &db,
            &t.business.id,
            &first.id,
            InvoicePatch {
                items: Some(one_line(1)),
                ..InvoicePatch::default()
            },
        )
        .await,
    );
    assert_conflict(invoices::delete(&db, &t.business.id, &first.id).await);

    // An exempt dealer's documents carry no VAT.
    set_legal(
        &db,
        &t,
        LegalPatch {
            vat_status: Some(VatStatus::Exempt),
            ..LegalPatch::default()
        },
    )
    .await
    .unwrap();
    let exempt = draft(&db, &t, kind(DocType::TaxInvoice), 10_000).await;
    assert_eq!((exempt.vat_rate_bp, exempt.vat_agorot), (0, 0));
    assert_eq!(exempt.total_agorot, 10_000);
    let exempt = issue(&db, &t, &exempt.id).await.unwrap();
    assert_eq!(exempt.number, Some(3));
    assert_eq!(
        Parties::of_invoice(&exempt)
            .unwrap()
            .unwrap()
            .seller
            .vat_status,
        VatStatus::Exempt
    );
}
backend_test!(types_number_separately_and_follow_their_rules => document_types_sqlite, document_types_postgres);

/// A credit note credits an issued tax invoice of the same customer, at its VAT rate, and the
/// credit notes of one invoice never add up to more than it.
async fn credit_notes_stay_within_their_invoice(db: Db) {
    let t = tenant(&db, "א", 1).await;
    let other = tenant(&db, "ב", 2).await;
    let inv = draft(&db, &t, kind(DocType::TaxInvoice), 10_000).await; // 118.00 ₪
    // Not issued yet: nothing to credit.
    assert_eq!(
        invalid_field(
            invoices::create_document(&db, &t.business.id, new(&t, one_line(100)), credit(&inv))
                .await
        ),
        "credited_invoice_id"
    );
    let inv = issue(&db, &t, &inv.id).await.unwrap();
    // Another business's invoice is not found; more than the invoice is refused.
    assert_eq!(
        invalid_field(
            invoices::create_document(
                &db,
                &other.business.id,
                new(&other, one_line(100)),
                credit(&inv)
            )
            .await
        ),
        "credited_invoice_id"
    );
    assert_eq!(
        invalid_field(
            invoices::create_document(&db, &t.business.id, new(&t, one_line(10_001)), credit(&inv))
                .await
        ),
        "items"
    );
    // Two drafts of 60% each: the first issues, the second no longer fits.
    let a = draft(&db, &t, credit(&inv), 6_000).await;
    let b = draft(&db, &t, credit(&inv), 6_000).await;
    assert_eq!((a.vat_rate_bp, a.total_agorot), (1800, 7_080));
    let a = issue(&db, &t, &a.id).await.unwrap();
    assert_eq!((a.doc_type, a.number), (DocType::CreditNote, Some(1)));
    assert_eq!(invalid_field(issue(&db, &t, &b.id).await), "items");
    let b = invoices::get(&db, &t.business.id, &b.id).await.unwrap();
    assert_eq!(
        (b.number, b.status),
        (None, InvoiceStatus::Draft),
        "nothing was written"
    );
    // The rest fits exactly.
    let rest = draft(&db, &t, credit(&inv), 4_000).await;
    assert_eq!(rest.total_agorot, 4_720);
    assert_eq!(issue(&db, &t, &rest.id).await.unwrap().number, Some(2));
    // A receipt or a credit note is not creditable.
    let receipt = draft(&db, &t, kind(DocType::Receipt), 100).await;
    let receipt = issue(&db, &t, &receipt.id).await.unwrap();
    assert_eq!(
        invalid_field(
            invoices::create_document(&db, &t.business.id, new(&t, one_line(1)), credit(&receipt))
                .await
        ),
        "credited_invoice_id"
    );
}
backend_test!(credit_notes_stay_within_their_invoice => credit_notes_sqlite, credit_notes_postgres);

async fn cancel(db: &Db, t: &Tenant, id: &InvoiceId) -> crm_svc::Result<Invoice> {
    invoices::update(
        db,
        &t.business.id,
        id,
        InvoicePatch {
            status: Some(InvoiceStatus::Cancelled),
            ..InvoicePatch::default()
        },
    )
    .await
}

async fn credit_notes_of(db: &Db, t: &Tenant, of: &InvoiceId) -> Vec<Invoice> {
    invoices::list(db, &t.business.id, 1, 100, InvoiceFilter::default(), None)
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|i| i.credited_invoice_id.as_ref() == Some(of))
        .collect()
}

/// An issued tax invoice never changes: cancelling it issues a credit note for all of it (its
/// own number, the same lines and VAT) and only marks the invoice cancelled. A document credited
/// in part, or an issued credit note, cannot be cancelled; nothing is written then.
async fn cancelling_an_issued_invoice_issues_a_credit_note(db: Db) {
    let t = tenant(&db, "א", 1).await;
    let inv = draft(&db, &t, kind(DocType::TaxInvoice), 10_000).await;
    let inv = issue(&db, &t, &inv.id).await.unwrap();
    let cancelled = cancel(&db, &t, &inv.id).await.unwrap();
    assert_eq!(cancelled.status, InvoiceStatus::Cancelled);
    assert_eq!(
        (
            cancelled.number,
            &cancelled.items,
            cancelled.total_agorot,
            &cancelled.parties
        ),
        (inv.number, &inv.items, inv.total_agorot, &inv.parties),
        "the issued invoice itself is unchanged"
    );
    let notes = credit_notes_of(&db, &t, &inv.id).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = &notes[0];
    assert_eq!((note.doc_type, note.number), (DocType::CreditNote, Some(1)));
    assert_eq!(note.status, InvoiceStatus::Sent);
    assert!(note.issued_at.is_some() && note.parties.is_some());
    assert_eq!(
        (&note.items, note.vat_rate_bp, note.total_agorot),
        (&inv.items, inv.vat_rate_bp, inv.total_agorot)
    );
    // Cancelling again changes nothing; the cancelled invoice cannot be credited any more.
    cancel(&db, &t, &inv.id).await.unwrap();
    assert_eq!(credit_notes_of(&db, &t, &inv.id).await.len(), 1);
    assert_eq!(
        invalid_field(
            invoices::create_document(&db, &t.business.id, new(&t, one_line(1)), credit(&inv))
                .await
        ),
        "credited_invoice_id"
    );
    // An issued credit note is not cancelled.
    assert_conflict(cancel(&db, &t, &note.id).await);

    // Credited in part: cancelling is refused, and writes nothing.
    let part = draft(&db, &t, kind(DocType::TaxInvoice), 10_000).await;
    let part = issue(&db, &t, &part.id).await.unwrap();
    let some = draft(&db, &t, credit(&part), 1_000).await;
    issue(&db, &t, &some.id).await.unwrap();
    let before = document_count(&db, &t).await;
    assert_conflict(cancel(&db, &t, &part.id).await);
    assert_eq!(document_count(&db, &t).await, before);
    assert_eq!(
        invoices::get(&db, &t.business.id, &part.id)
            .await
            .unwrap()
            .status,
        InvoiceStatus::Sent
    );
}
backend_test!(cancelling_an_issued_invoice_issues_a_credit_note => cancel_by_credit_note_sqlite, cancel_by_credit_note_postgres);

/// The first number of a type can be set (a business moving from another system) until its
/// first document is issued; then the sequence is fixed (409).
async fn first_number_is_set_once_before_the_first_document(db: Db) {
    let t = tenant(&db, "א", 1).await;
    let bid = &t.business.id;
    assert_eq!(
        invalid_field(invoices::set_first_number(&db, bid, DocType::TaxInvoice, 0).await),
        "first_number"
    );
    invoices::set_first_number(&db, bid, DocType::TaxInvoice, 500)
        .await
        .unwrap();
    // Changing one's mind before the first document is fine.
    let set = invoices::set_first_number(&db, bid, DocType::TaxInvoice, 1001)
        .await
        .unwrap();
    assert_eq!((set.next_number, set.started), (1001, false));
    let d = draft(&db, &t, kind(DocType::TaxInvoice), 100).await;
    assert_eq!(issue(&db, &t, &d.id).await.unwrap().number, Some(1001));
    assert_conflict(invoices::set_first_number(&db, bid, DocType::TaxInvoice, 1).await);
    let all = invoices::numbering(&db, bid).await.unwrap();
    let of = |ty| all.iter().find(|n| n.doc_type == ty).copied().unwrap();
    assert_eq!(
        (
            of(DocType::TaxInvoice).next_number,
            of(DocType::TaxInvoice).started
        ),
        (1002, true)
    );
    assert_eq!(
        (
            of(DocType::Receipt).next_number,
            of(DocType::Receipt).started
        ),
        (1, false)
    );
    // Receipts are another sequence: still settable.
    invoices::set_first_number(&db, bid, DocType::Receipt, 77)
        .await
        .unwrap();
    let r = draft(&db, &t, kind(DocType::Receipt), 100).await;
    assert_eq!(issue(&db, &t, &r.id).await.unwrap().number, Some(77));
}
backend_test!(first_number_is_set_once_before_the_first_document => first_number_sqlite, first_number_postgres);

/// 200 documents of one type issued at once get 1..200: no gap, no duplicate.
async fn two_hundred_concurrent_issues_are_gap_free(db: Db) {
    const N: i64 = 200;
    let t = tenant(&db, "א", 1).await;
    let mut ids = Vec::new();
    for _ in 0..N {
        ids.push(
            draft(&db, &t, kind(DocType::TaxInvoiceReceipt), 100)
                .await
                .id,
        );
    }
    let t = std::sync::Arc::new(t);
    let tasks: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let (db, t) = (db.clone(), t.clone());
            tokio::spawn(async move { issue(&db, &t, &id).await.map(|i| i.number) })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap().unwrap().unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=N).collect::<Vec<_>>());
}
backend_test!(two_hundred_concurrent_issues_are_gap_free => concurrent_issues_sqlite, concurrent_issues_postgres);

/// Bad input is a validation error naming the field, and writes nothing.
async fn bad_input_is_refused_and_writes_nothing(db: Db) {
    let t = tenant(&db, "א", 1).await;
    let bid = &t.business.id;
    let wrong_tax_id = DocumentKind {
        customer_tax_id: Some("515146463".into()),
        ..kind(DocType::TaxInvoice)
    };
    assert_eq!(
        invalid_field(
            invoices::create_document(&db, bid, new(&t, one_line(1)), wrong_tax_id).await
        ),
        "customer_tax_id"
    );
    assert_eq!(
        invalid_field(
            set_legal(
                &db,
                &t,
                LegalPatch {
                    tax_id: Some("123456789".into()),
                    ..LegalPatch::default()
                }
            )
            .await
        ),
        "tax_id"
    );
    let bad_items = [
        vec![LineItem::new("x", -1, 100)],
        vec![LineItem::new("x", 1, -100)],
        vec![LineItem::new("x", i64::MAX, 2)],
        vec![
            LineItem::new("x", 1, i64::MAX),
            LineItem::new("y", 1, i64::MAX),
        ],
        vec![LineItem::new("שורה", 1, 100); 10_000],
    ];
    for items in bad_items {
        assert_eq!(
            invalid_field(
                invoices::create_document(&db, bid, new(&t, items), kind(DocType::TaxInvoice))
                    .await
            ),
            "items"
        );
    }
    let receipt_without_payment = DocumentKind {
        doc_type: DocType::Receipt,
        ..DocumentKind::default()
    };
    assert_eq!(
        invalid_field(
            invoices::create_document(&db, bid, new(&t, one_line(1)), receipt_without_payment)
                .await
        ),
        "payment_method"
    );
    assert_eq!(document_count(&db, &t).await, 0, "nothing was written");
}
backend_test!(bad_input_is_refused_and_writes_nothing => document_bad_input_sqlite, document_bad_input_postgres);
