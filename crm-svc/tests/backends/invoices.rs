use crate::fixtures::{assert_conflict, assert_not_found, at, customer, invalid_field, tenant};
use crm_svc::{
    Db, backend_test,
    businesses::Business,
    enums::InvoiceStatus,
    ids::InvoiceId,
    invoices::queries::InvoiceFilter,
    invoices::{self, InvoicePatch, NewInvoice},
    line_items::LineItem,
};

fn items() -> Vec<LineItem> {
    vec![
        LineItem::new(" התקנת מזגן ", 1, 125),
        LineItem::new("שעת עבודה", 2, 10_000),
    ]
}

fn status(s: InvoiceStatus) -> InvoicePatch {
    InvoicePatch {
        status: Some(s),
        ..InvoicePatch::default()
    }
}

async fn set_vat(db: &Db, b: &Business, rate_bp: i32) {
    let mut b = b.clone();
    b.vat_rate_bp = rate_bp;
    db.run(move |conn| {
        use crm_svc::schema::businesses::dsl;
        use diesel::prelude::*;
        diesel::update(dsl::businesses.filter(dsl::id.eq(&b.id)))
            .set(dsl::vat_rate_bp.eq(b.vat_rate_bp))
            .execute(conn)?;
        Ok(())
    })
    .await
    .unwrap();
}

async fn totals_are_computed_and_the_vat_rate_is_frozen_at_creation(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let other = tenant(&db, "אחר", 2).await;
    let bid = &t.business.id;
    let inv = invoices::create(
        &db,
        bid,
        NewInvoice {
            customer_id: t.customer.id.clone(),
            items: items(),
            due_at: Some(at(60 * 24 * 30)),
        },
    )
    .await
    .unwrap();
    assert_eq!(inv.status, InvoiceStatus::Draft);
    assert_eq!(inv.number, None, "a draft has no number yet");
    assert_eq!(inv.vat_rate_bp, 1800);
    // 125 + 20,000 = 20,125; 18% = 3,622.5 → 3,623.
    assert_eq!(
        (inv.subtotal_agorot, inv.vat_agorot, inv.total_agorot),
        (20_125, 3_623, 23_748)
    );
    assert_eq!(
        invoices::items_of(&inv).unwrap()[0].description,
        "התקנת מזגן"
    );
    let json = serde_json::to_value(&inv).unwrap();
    assert_eq!(json["items"][1]["unit_price_agorot"], 10_000);
    assert!(json["number"].is_null());
    assert_eq!(invoices::get(&db, bid, &inv.id).await.unwrap(), inv);

    // A later change of the business's rate does not touch existing invoices, even when
    // their items change; new invoices use the new rate.
    set_vat(&db, &t.business, 1700).await;
    let edited = invoices::update(
        &db,
        bid,
        &inv.id,
        InvoicePatch {
            items: Some(vec![LineItem::new("x", 1, 50)]),
            ..InvoicePatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (
            edited.subtotal_agorot,
            edited.vat_agorot,
            edited.total_agorot,
            edited.vat_rate_bp
        ),
        (50, 9, 59, 1800)
    );
    let newer = invoices::create(
        &db,
        bid,
        NewInvoice {
            customer_id: t.customer.id.clone(),
            items: vec![LineItem::new("x", 1, 50)],
            due_at: None,
        },
    )
    .await
    .unwrap();
    assert_eq!((newer.vat_rate_bp, newer.vat_agorot), (1700, 9)); // 8.5 → 9

    // Validation names the field.
    let new = |customer_id, items| NewInvoice {
        customer_id,
        items,
        due_at: None,
    };
    let cid = t.customer.id.clone();
    assert_eq!(
        invalid_field(invoices::create(&db, bid, new(cid.clone(), vec![])).await),
        "items"
    );
    assert_eq!(
        invalid_field(
            invoices::create(&db, bid, new(cid.clone(), vec![LineItem::new("x", 0, 1)])).await
        ),
        "items"
    );
    assert_eq!(
        invalid_field(
            invoices::create(&db, bid, new(cid.clone(), vec![LineItem::new("", 1, 1)])).await
        ),
        "items"
    );
    assert_eq!(
        invalid_field(
            invoices::create(&db, bid, new(cid.clone(), vec![LineItem::new("x", 1, -1)])).await
        ),
        "items"
    );
    assert_eq!(
        invalid_field(
            invoices::create(&db, bid, new(cid, vec![LineItem::new("x", 1, 1); 101])).await
        ),
        "items"
    );
    assert_eq!(
        invalid_field(invoices::create(&db, bid, new(other.customer.id.clone(), items())).await),
        "customer_id"
    );
}
backend_test!(totals_are_computed_and_the_vat_rate_is_frozen_at_creation => invoice_totals_sqlite, invoice_totals_postgres);

async fn life_cycle_numbers_on_issue_and_refuses_other_moves(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let bid = &t.business.id;
    let create = || {
        let (db, bid, cid) = (db.clone(), bid.clone(), t.customer.id.clone());
        async move {
            invoices::create(
                &db,
                &bid,
                NewInvoice {
                    customer_id: cid,
                    items: items(),
                    due_at: None,
                },
            )
            .await
            .unwrap()
        }
    };
    let a = create().await;
    let b = create().await;
    let c = create().await;

    // A draft may be deleted, and leaves no hole: numbers are given on issue.
    invoices::delete(&db, bid, &a.id).await.unwrap();
    assert_not_found(invoices::get(&db, bid, &a.id).await);
    let cancelled_draft = invoices::update(&db, bid, &b.id, status(InvoiceStatus::Cancelled))
        .await
        .unwrap();
    assert_eq!(cancelled_draft.number, None);

    let sent = invoices::update(&db, bid, &c.id, status(InvoiceStatus::Sent))
        .await
        .unwrap();
    assert_eq!(sent.number, Some(1));
    assert!(sent.issued_at.is_some());
    // Setting the same status again is a no-op, not a second number.
    let again = invoices::update(&db, bid, &c.id, status(InvoiceStatus::Sent))
        .await
        .unwrap();
    assert_eq!((again.number, again.issued_at), (Some(1), sent.issued_at));

    // Only drafts change items or due date, and only drafts are deleted.
    assert_conflict(
        invoices::update(
            &db,
            bid,
            &c.id,
            InvoicePatch {
                items: Some(items()),
                ..InvoicePatch::default()
            },
        )
        .await,
    );
    assert_conflict(
        invoices::update(
            &db,
            bid,
            &c.id,
            InvoicePatch {
                due_at: Some(None),
                ..InvoicePatch::default()
            },
        )
        .await,
    );
    assert_conflict(invoices::delete(&db, bid, &c.id).await);
    assert_conflict(invoices::update(&db, bid, &c.id, status(InvoiceStatus::Draft)).await);

    let paid = invoices::update(&db, bid, &c.id, status(InvoiceStatus::Paid))
        .await
        .unwrap();
    assert!(paid.paid_at.is_some());
    for to in [
        InvoiceStatus::Draft,
        InvoiceStatus::Sent,
        InvoiceStatus::Cancelled,
    ] {
        let err = invoices::update(&db, bid, &c.id, status(to))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, crm_svc::Error::Conflict(m) if m.contains("from paid")),
            "{err:?}"
        );
    }
    assert_conflict(invoices::update(&db, bid, &b.id, status(InvoiceStatus::Sent)).await);

    // The next issued invoice continues the sequence.
    let d = create().await;
    let d = invoices::update(&db, bid, &d.id, status(InvoiceStatus::Sent))
        .await
        .unwrap();
    assert_eq!(d.number, Some(2));
    let d = invoices::update(&db, bid, &d.id, status(InvoiceStatus::Cancelled))
        .await
        .unwrap();
    assert_eq!(d.number, Some(2), "a cancelled invoice keeps its number");

    // List: filters and sorts. Cancelling the issued `d` issued a credit note for it (the
    // first of its own sequence).
    let page = invoices::list(&db, bid, 1, 25, InvoiceFilter::default(), None)
        .await
        .unwrap();
    let note = &page.items[0];
    assert_eq!(note.credited_invoice_id.as_ref(), Some(&d.id));
    assert_eq!(
        page.items.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        vec![note.id.clone(), d.id.clone(), c.id.clone(), b.id.clone()]
    );
    let by_number = invoices::list(
        &db,
        bid,
        1,
        25,
        InvoiceFilter::default(),
        Some(invoices::parse_sort("number").unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(
        by_number.items.iter().map(|i| i.number).collect::<Vec<_>>(),
        vec![Some(1), Some(1), Some(2), None]
    );
    let paid_only = invoices::list(
        &db,
        bid,
        1,
        25,
        InvoiceFilter {
            status: Some(InvoiceStatus::Paid),
            ..InvoiceFilter::default()
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(paid_only.total, 1);
    let c2 = customer(&db, &t.business, 7).await;
    let of_c2 = invoices::list(
        &db,
        bid,
        1,
        25,
        InvoiceFilter {
            customer_id: Some(c2.id),
            ..InvoiceFilter::default()
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(of_c2.total, 0);
}
backend_test!(life_cycle_numbers_on_issue_and_refuses_other_moves => invoice_life_cycle_sqlite, invoice_life_cycle_postgres);

/// Issuing many invoices at once gives each a distinct number and leaves no hole; each business
/// has its own sequence.
async fn numbers_are_gap_free_under_concurrency(db: Db) {
    let a = tenant(&db, "א", 1).await;
    let b = tenant(&db, "ב", 2).await;
    const N: usize = 24;
    let mut drafts = Vec::new();
    for i in 0..N {
        let t = if i % 3 == 0 { &b } else { &a };
        let inv = invoices::create(
            &db,
            &t.business.id,
            NewInvoice {
                customer_id: t.customer.id.clone(),
                items: items(),
                due_at: None,
            },
        )
        .await
        .unwrap();
        drafts.push((t.business.id.clone(), inv.id));
    }
    let tasks: Vec<_> = drafts
        .into_iter()
        .map(|(bid, id)| {
            let db = db.clone();
            tokio::spawn(async move {
                invoices::update(&db, &bid, &id, status(InvoiceStatus::Sent))
                    .await
                    .map(|inv| (bid, inv.number))
            })
        })
        .collect();
    let mut by_business: std::collections::HashMap<_, Vec<i64>> = Default::default();
    for t in tasks {
        let (bid, number) = t.await.unwrap().unwrap();
        by_business.entry(bid).or_default().push(number.unwrap());
    }
    for (bid, expected) in [(&a.business.id, N - N / 3), (&b.business.id, N / 3)] {
        let mut numbers = by_business.remove(bid).unwrap();
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=expected as i64).collect::<Vec<_>>());
    }
}
backend_test!(numbers_are_gap_free_under_concurrency => invoice_numbers_sqlite, invoice_numbers_postgres);

async fn invoices_of_another_business_are_not_found(db: Db) {
    let a = tenant(&db, "א", 1).await;
    let b = tenant(&db, "ב", 2).await;
    let theirs = invoices::create(
        &db,
        &b.business.id,
        NewInvoice {
            customer_id: b.customer.id.clone(),
            items: items(),
            due_at: None,
        },
    )
    .await
    .unwrap();
    let aid = &a.business.id;
    assert_not_found(invoices::get(&db, aid, &theirs.id).await);
    assert_not_found(invoices::update(&db, aid, &theirs.id, status(InvoiceStatus::Sent)).await);
    assert_not_found(invoices::delete(&db, aid, &theirs.id).await);
    assert_not_found(invoices::get(&db, aid, &InvoiceId::from("nope")).await);
    let page = invoices::list(&db, aid, 1, 100, InvoiceFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(page.total, 0);
    // Untouched, and B's own sequence is unaffected by A's attempts.
    let still = invoices::get(&db, &b.business.id, &theirs.id)
        .await
        .unwrap();
    assert_eq!(still, theirs);
    let unknown = crm_svc::ids::BusinessId::from("nope");
    assert_not_found(
        invoices::create(
            &db,
            &unknown,
            NewInvoice {
                customer_id: a.customer.id.clone(),
                items: items(),
                due_at: None,
            },
        )
        .await,
    );
}
backend_test!(invoices_of_another_business_are_not_found => invoice_isolation_sqlite, invoice_isolation_postgres);
