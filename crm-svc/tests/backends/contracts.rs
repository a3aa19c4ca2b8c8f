use crate::fixtures::{assert_conflict, assert_not_found, invalid_field, tenant};
use crm_svc::{
    Db, backend_test,
    contracts::queries::ContractFilter,
    contracts::{self, ContractPatch, NewContract},
    enums::ContractStatus,
};

async fn crud_validates_and_guards_the_status(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let other = tenant(&db, "אחר", 2).await;
    let bid = &t.business.id;
    let new = |title: &str, body: &str| NewContract {
        customer_id: t.customer.id.clone(),
        title: title.into(),
        body: body.into(),
    };
    let c = contracts::create(&db, bid, new(" הסכם שירות ", "הצדדים מסכימים…"))
        .await
        .unwrap();
    assert_eq!(
        (c.title.as_str(), c.status),
        ("הסכם שירות", ContractStatus::Draft)
    );
    assert_eq!(contracts::get(&db, bid, &c.id).await.unwrap(), c);

    assert_eq!(
        invalid_field(contracts::create(&db, bid, new("", "x")).await),
        "title"
    );
    assert_eq!(
        invalid_field(contracts::create(&db, bid, new("א\nב", "x")).await),
        "title"
    );
    assert_eq!(
        invalid_field(contracts::create(&db, bid, new("x", &"א".repeat(100_001))).await),
        "body"
    );
    let foreign = NewContract {
        customer_id: other.customer.id.clone(),
        ..new("x", "y")
    };
    assert_eq!(
        invalid_field(contracts::create(&db, bid, foreign).await),
        "customer_id"
    );

    let sent = contracts::update(
        &db,
        bid,
        &c.id,
        ContractPatch {
            body: Some("גוף מעודכן".into()),
            status: Some(ContractStatus::Sent),
            ..ContractPatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (sent.body.as_str(), sent.status),
        ("גוף מעודכן", ContractStatus::Sent)
    );
    assert_eq!(sent.title, "הסכם שירות");
    let back = contracts::update(
        &db,
        bid,
        &c.id,
        ContractPatch {
            status: Some(ContractStatus::Draft),
            ..ContractPatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(back.status, ContractStatus::Draft);
    // Only a signature signs.
    assert_conflict(
        contracts::update(
            &db,
            bid,
            &c.id,
            ContractPatch {
                status: Some(ContractStatus::Signed),
                ..ContractPatch::default()
            },
        )
        .await,
    );

    let second = contracts::create(&db, bid, new("שני", "")).await.unwrap();
    let page = contracts::list(&db, bid, 1, 25, ContractFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(
        page.items.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        vec![second.id.clone(), c.id.clone()]
    );
    let oldest_first = contracts::list(
        &db,
        bid,
        1,
        25,
        ContractFilter::default(),
        Some(contracts::parse_sort("created_at").unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(oldest_first.items[0].id, c.id);
    let drafts = contracts::list(
        &db,
        bid,
        1,
        25,
        ContractFilter {
            status: Some(ContractStatus::Draft),
            customer_id: Some(t.customer.id.clone()),
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(drafts.total, 2);

    contracts::delete(&db, bid, &second.id).await.unwrap();
    assert_not_found(contracts::get(&db, bid, &second.id).await);
    assert_not_found(contracts::delete(&db, bid, &second.id).await);
}
backend_test!(crud_validates_and_guards_the_status => contracts_crud_sqlite, contracts_crud_postgres);

async fn contracts_of_another_business_are_not_found(db: Db) {
    let a = tenant(&db, "א", 1).await;
    let b = tenant(&db, "ב", 2).await;
    let theirs = contracts::create(
        &db,
        &b.business.id,
        NewContract {
            customer_id: b.customer.id.clone(),
            title: "של ב".into(),
            body: String::new(),
        },
    )
    .await
    .unwrap();
    let aid = &a.business.id;
    assert_not_found(contracts::get(&db, aid, &theirs.id).await);
    assert_not_found(
        contracts::update(
            &db,
            aid,
            &theirs.id,
            ContractPatch {
                title: Some("נחטף".into()),
                ..ContractPatch::default()
            },
        )
        .await,
    );
    assert_not_found(contracts::delete(&db, aid, &theirs.id).await);
    let page = contracts::list(&db, aid, 1, 100, ContractFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(page.total, 0);
    assert_eq!(
        contracts::get(&db, &b.business.id, &theirs.id)
            .await
            .unwrap(),
        theirs
    );
}
backend_test!(contracts_of_another_business_are_not_found => contracts_isolation_sqlite, contracts_isolation_postgres);
