use crate::fixtures::{assert_conflict, assert_not_found, at, invalid_field, tenant};
use crm_svc::{
    Db, backend_test,
    enums::ProposalStatus,
    line_items::LineItem,
    proposals::queries::ProposalFilter,
    proposals::{self, NewProposal, ProposalPatch},
};

fn status(s: ProposalStatus) -> ProposalPatch {
    ProposalPatch {
        status: Some(s),
        ..ProposalPatch::default()
    }
}

async fn totals_life_cycle_and_validation(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let other = tenant(&db, "אחר", 2).await;
    let bid = &t.business.id;
    let new = |items: Vec<LineItem>| NewProposal {
        customer_id: t.customer.id.clone(),
        title: "הצעת מחיר לשיפוץ".into(),
        items,
        valid_until: Some(at(60 * 24 * 14)),
    };
    let p = proposals::create(
        &db,
        bid,
        new(vec![
            LineItem::new("צבע", 3, 12_050),
            LineItem::new("עבודה", 8, 15_000),
        ]),
    )
    .await
    .unwrap();
    assert_eq!((p.total_agorot, p.status), (156_150, ProposalStatus::Draft));
    assert_eq!(p.valid_until, Some(at(60 * 24 * 14)));
    assert_eq!(proposals::items_of(&p).unwrap().len(), 2);
    assert_eq!(serde_json::to_value(&p).unwrap()["items"][0]["quantity"], 3);

    assert_eq!(
        invalid_field(proposals::create(&db, bid, new(vec![])).await),
        "items"
    );
    assert_eq!(
        invalid_field(
            proposals::create(
                &db,
                bid,
                NewProposal {
                    title: " ".into(),
                    ..new(vec![LineItem::new("x", 1, 1)])
                }
            )
            .await
        ),
        "title"
    );
    assert_eq!(
        invalid_field(
            proposals::create(
                &db,
                bid,
                NewProposal {
                    customer_id: other.customer.id.clone(),
                    ..new(vec![LineItem::new("x", 1, 1)])
                }
            )
            .await
        ),
        "customer_id"
    );

    // Items change (and the total with them) while a draft.
    let p = proposals::update(
        &db,
        bid,
        &p.id,
        ProposalPatch {
            items: Some(vec![LineItem::new("הכול כלול", 1, 150_000)]),
            valid_until: Some(None),
            ..ProposalPatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((p.total_agorot, p.valid_until), (150_000, None));
    assert_conflict(proposals::update(&db, bid, &p.id, status(ProposalStatus::Accepted)).await);
    let p = proposals::update(&db, bid, &p.id, status(ProposalStatus::Sent))
        .await
        .unwrap();
    assert_conflict(
        proposals::update(
            &db,
            bid,
            &p.id,
            ProposalPatch {
                items: Some(vec![LineItem::new("x", 1, 1)]),
                ..ProposalPatch::default()
            },
        )
        .await,
    );
    // Validity may still be extended once sent.
    let p = proposals::update(
        &db,
        bid,
        &p.id,
        ProposalPatch {
            valid_until: Some(Some(at(60 * 24 * 30))),
            ..ProposalPatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(p.valid_until, Some(at(60 * 24 * 30)));
    let p = proposals::update(&db, bid, &p.id, status(ProposalStatus::Accepted))
        .await
        .unwrap();
    assert_eq!(p.status, ProposalStatus::Accepted);
    assert_conflict(proposals::update(&db, bid, &p.id, status(ProposalStatus::Rejected)).await);
    assert_conflict(proposals::delete(&db, bid, &p.id).await);

    let draft = proposals::create(&db, bid, new(vec![LineItem::new("x", 1, 1)]))
        .await
        .unwrap();
    let accepted = proposals::list(
        &db,
        bid,
        1,
        25,
        ProposalFilter {
            status: Some(ProposalStatus::Accepted),
            ..ProposalFilter::default()
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(accepted.total, 1);
    let by_validity = proposals::list(
        &db,
        bid,
        1,
        25,
        ProposalFilter::default(),
        Some(proposals::parse_sort("valid_until").unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(
        by_validity
            .items
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>(),
        vec![draft.id.clone(), p.id.clone()]
    );
    proposals::delete(&db, bid, &draft.id).await.unwrap();
    assert_not_found(proposals::get(&db, bid, &draft.id).await);
}
backend_test!(totals_life_cycle_and_validation => proposals_sqlite, proposals_postgres);

async fn proposals_of_another_business_are_not_found(db: Db) {
    let a = tenant(&db, "א", 1).await;
    let b = tenant(&db, "ב", 2).await;
    let theirs = proposals::create(
        &db,
        &b.business.id,
        NewProposal {
            customer_id: b.customer.id.clone(),
            title: "של ב".into(),
            items: vec![LineItem::new("x", 1, 100)],
            valid_until: None,
        },
    )
    .await
    .unwrap();
    let aid = &a.business.id;
    assert_not_found(proposals::get(&db, aid, &theirs.id).await);
    assert_not_found(proposals::update(&db, aid, &theirs.id, status(ProposalStatus::Sent)).await);
    assert_not_found(proposals::delete(&db, aid, &theirs.id).await);
    let page = proposals::list(&db, aid, 1, 100, ProposalFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(page.total, 0);
    assert_eq!(
        proposals::get(&db, &b.business.id, &theirs.id)
            .await
            .unwrap(),
        theirs
    );
}
backend_test!(proposals_of_another_business_are_not_found => proposals_isolation_sqlite, proposals_isolation_postgres);
