use agentlocator_proto::v1::event::Payload;
use chrono::Duration;
use crm_svc::{
    Db, Error, backend_test,
    customers::Customer,
    customers::queries as customer,
    customers::{self, NewCustomer},
    enums::{CustomerSource, CustomerStatus},
    ids::{BusinessId, CustomerId},
    outbox::queries as outbox,
    test_support::create_business,
    time,
};

fn new_customer(name: &str, phone: &str) -> NewCustomer {
    NewCustomer {
        name: name.into(),
        phone: phone.into(),
        ..NewCustomer::default()
    }
}

/// Inserts `n` customers directly, with controlled creation times: customer `i` is `i` minutes
/// old... except that pairs share a timestamp, so the `id DESC` tie-break is exercised.
async fn insert_many(db: &Db, business_id: &BusinessId, n: usize) -> Vec<Customer> {
    let base = time::now();
    let rows: Vec<Customer> = (0..n)
        .map(|i| {
            let at = base - Duration::minutes((i / 2) as i64);
            Customer {
                id: CustomerId::generate(),
                business_id: business_id.clone(),
                name: format!("לקוח {i}"),
                phone: format!("+97250{:07}", 1_000_000 + i),
                email: None,
                status: if i % 3 == 0 {
                    CustomerStatus::Active
                } else {
                    CustomerStatus::Lead
                },
                source: CustomerSource::Import,
                notes: String::new(),
                created_at: at,
                updated_at: at,
            }
        })
        .collect();
    let to_insert = rows.clone();
    db.transaction(move |conn| {
        for c in &to_insert {
            customer::insert(conn, c)?;
        }
        Ok(())
    })
    .await
    .unwrap();
    rows
}

async fn list_paginates_orders_and_clamps(db: Db) {
    let b = create_business(&db, "עסק").await;
    let other = create_business(&db, "עסק אחר").await;
    let mut rows = insert_many(&db, &b.id, 30).await;
    insert_many(&db, &other.id, 3).await;
    // Expected order: created_at DESC, id DESC.
    rows.sort_by(|x, y| (y.created_at, &y.id).cmp(&(x.created_at, &x.id)));
    let expected: Vec<_> = rows.iter().map(|c| c.id.clone()).collect();

    let p1 = customers::list(&db, &b.id, 1, 10, None, None)
        .await
        .unwrap();
    assert_eq!(
        (p1.page, p1.limit, p1.total, p1.items.len()),
        (1, 10, 30, 10)
    );
    let ids = |p: &crm_svc::pagination::Page<Customer>| {
        p.items.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&p1), expected[..10]);
    // Deeper pages are read by id (deferred join): same order, no gaps or overlaps.
    let p2 = customers::list(&db, &b.id, 2, 10, None, None)
        .await
        .unwrap();
    assert_eq!((p2.total, ids(&p2)), (30, expected[10..20].to_vec()));
    let p3 = customers::list(&db, &b.id, 3, 10, None, None)
        .await
        .unwrap();
    assert_eq!(ids(&p3), expected[20..]);
    let p4 = customers::list(&db, &b.id, 4, 10, None, None)
        .await
        .unwrap();
    assert_eq!((p4.total, p4.items.len()), (30, 0));

    let clamped = customers::list(&db, &b.id, 1, 1000, None, None)
        .await
        .unwrap();
    assert_eq!((clamped.limit, clamped.items.len()), (100, 30));
    assert_eq!(ids(&clamped), expected);

    // Keyset paging walks the same order from any cursor, keeps the total, and honours the
    // status filter.
    let mut walked = Vec::new();
    let mut cursor: Option<customers::CustomerCursor> = None;
    loop {
        let page = match cursor.take() {
            None => customers::list(&db, &b.id, 1, 7, None, None).await.unwrap(),
            Some(c) => {
                // The cursor survives its text form.
                let c: customers::CustomerCursor = c.to_string().parse().unwrap();
                customers::list_after(&db, &b.id, c, 7, None, None)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(page.total, 30);
        walked.extend(ids(&page));
        match page.items.last() {
            Some(last) if page.items.len() == 7 => {
                cursor = Some(customers::CustomerCursor::after(last))
            }
            _ => break,
        }
    }
    assert_eq!(walked, expected);
    let after_first_active = customers::CustomerCursor::after(
        rows.iter()
            .find(|c| c.status == CustomerStatus::Active)
            .unwrap(),
    );
    let rest_active = customers::list_after(
        &db,
        &b.id,
        after_first_active,
        100,
        None,
        Some(CustomerStatus::Active),
    )
    .await
    .unwrap();
    assert_eq!(rest_active.total, 10);
    assert_eq!(rest_active.items.len(), 9);
    for bad in [
        "",
        "nope",
        "2026-01-01T00:00:00Z|",
        "yesterday|abc",
        "2026-01-01T00:00:00Z|a b",
    ] {
        let e = bad.parse::<customers::CustomerCursor>().unwrap_err();
        assert!(
            matches!(e, crm_svc::Error::Validation { field: "after", .. }),
            "{bad}: {e:?}"
        );
    }

    let active_ids: Vec<_> = rows
        .iter()
        .filter(|c| c.status == CustomerStatus::Active)
        .map(|c| c.id.clone())
        .collect();
    let active_p2 = customers::list(&db, &b.id, 2, 4, None, Some(CustomerStatus::Active))
        .await
        .unwrap();
    assert_eq!(ids(&active_p2), active_ids[4..8]);
    let active = customers::list(&db, &b.id, 1, 100, None, Some(CustomerStatus::Active))
        .await
        .unwrap();
    assert_eq!(active.total, 10);
    assert!(
        active
            .items
            .iter()
            .all(|c| c.status == CustomerStatus::Active)
    );

    for (page, limit, field) in [
        (0, 10, "page"),
        (-1, 10, "page"),
        (1, 0, "limit"),
        (1, -5, "limit"),
    ] {
        match customers::list(&db, &b.id, page, limit, None, None).await {
            Err(Error::Validation { field: f, .. }) => {
                assert_eq!(f, field, "page={page} limit={limit}")
            }
            other => {
                panic!("page={page} limit={limit}: expected a validation error, got {other:?}")
            }
        }
    }
}
backend_test!(list_paginates_orders_and_clamps => list_paginates_orders_and_clamps_sqlite, list_paginates_orders_and_clamps_postgres);

async fn search_finds_by_any_phone_format_name_and_email(db: Db) {
    let b = create_business(&db, "עסק").await;
    let dana = customers::create(
        &db,
        &b.id,
        NewCustomer {
            email: Some("Dana.Levi@Example.com".into()),
            ..new_customer("Dana Levi", "050-1234567")
        },
    )
    .await
    .unwrap();
    let yossi = customers::create(&db, &b.id, new_customer("יוסי כהן", "+972 52 765 4321"))
        .await
        .unwrap();
    customers::create(&db, &b.id, new_customer("100% אמיתי", "03-5551234"))
        .await
        .unwrap();
    assert_eq!(dana.phone, "+972501234567");

    let search = |q: &'static str| {
        let (db, b) = (db.clone(), b.id.clone());
        async move {
            let page = customers::list(&db, &b, 1, 25, Some(q), None)
                .await
                .unwrap();
            page.items.into_iter().map(|c| c.name).collect::<Vec<_>>()
        }
    };
    for q in [
        "050-1234567",
        "0501234567",
        "+972501234567",
        "972-50-123-4567",
        "(050) 123 4567",
    ] {
        assert_eq!(search(q).await, vec!["Dana Levi"], "query {q:?}");
    }
    assert_eq!(search("7654").await, vec!["יוסי כהן"]);
    assert_eq!(search("052-765").await, vec!["יוסי כהן"]);
    assert_eq!(search("dana").await, vec!["Dana Levi"]);
    assert_eq!(search("LEVI").await, vec!["Dana Levi"]);
    assert_eq!(search("EXAMPLE.COM").await, vec!["Dana Levi"]);
    assert_eq!(search("כהן").await, vec!["יוסי כהן"]);
    // LIKE wildcards in the query are literal.
    assert_eq!(search("100%").await, vec!["100% אמיתי"]);
    assert!(search("_").await.is_empty());
    assert!(search("0549999999").await.is_empty());
    assert_eq!(yossi.phone, "+972527654321");
}
backend_test!(search_finds_by_any_phone_format_name_and_email => search_sqlite, search_postgres);

async fn duplicate_phone_is_a_conflict_within_one_business_only(db: Db) {
    let b = create_business(&db, "עסק").await;
    let other = create_business(&db, "עסק אחר").await;
    customers::create(&db, &b.id, new_customer("א", "050-1234567"))
        .await
        .unwrap();
    let err = customers::create(&db, &b.id, new_customer("ב", "+972501234567"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(tonic::Status::from(err).code(), tonic::Code::AlreadyExists);
    // The failed create left no event behind.
    assert_eq!(db.run(outbox::all).await.unwrap().len(), 1);
    customers::create(&db, &other.id, new_customer("ג", "050-1234567"))
        .await
        .expect("another business may have the same phone");

    let err = customers::create(&db, &b.id, new_customer("ד", "not a phone"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation { field: "phone", .. }),
        "{err:?}"
    );
}
backend_test!(duplicate_phone_is_a_conflict_within_one_business_only => duplicate_phone_sqlite, duplicate_phone_postgres);

async fn get_is_scoped_to_the_business(db: Db) {
    let b = create_business(&db, "עסק").await;
    let other = create_business(&db, "עסק אחר").await;
    let c = customers::create(&db, &b.id, new_customer("א", "050-1234567"))
        .await
        .unwrap();
    assert_eq!(customers::get(&db, &b.id, &c.id).await.unwrap(), c);
    assert!(matches!(
        customers::get(&db, &other.id, &c.id).await,
        Err(Error::NotFound("customer"))
    ));
    assert!(matches!(
        customers::get(&db, &b.id, &CustomerId::generate()).await,
        Err(Error::NotFound("customer"))
    ));
    assert!(matches!(
        customers::create(
            &db,
            &BusinessId::generate(),
            new_customer("א", "050-1234567")
        )
        .await,
        Err(Error::NotFound("business"))
    ));
}
backend_test!(get_is_scoped_to_the_business => cross_business_get_sqlite, cross_business_get_postgres);

async fn create_writes_its_event_in_the_same_transaction(db: Db) {
    let b = create_business(&db, "עסק").await;
    let c = customers::create(&db, &b.id, new_customer("דנה", "050-1234567"))
        .await
        .unwrap();
    let rows = db.run(outbox::all).await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.subject, format!("al.{}.customer.created", b.id));
    assert_eq!(row.published_at, None);
    let event = row.decode().unwrap();
    assert_eq!(event.id, row.id);
    assert_eq!(event.business_id, b.id.as_str());
    match event.payload {
        Some(Payload::Customer(ce)) => {
            assert_eq!(ce.customer_id, c.id.as_str());
            assert_eq!(ce.phone, "+972501234567");
        }
        other => panic!("unexpected payload {other:?}"),
    }

    // If anything later in the transaction fails, neither the customer nor its event stays.
    let now = time::now();
    let doomed = Customer {
        id: CustomerId::generate(),
        business_id: b.id.clone(),
        name: "נעלם".into(),
        phone: "+972529999999".into(),
        email: None,
        status: CustomerStatus::Lead,
        source: CustomerSource::Manual,
        notes: String::new(),
        created_at: now,
        updated_at: now,
    };
    let err = db
        .transaction(move |conn| {
            customers::insert_with_event(conn, &doomed)?;
            Err::<(), _>(Error::Internal("fails after the insert".into()))
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Internal(_)));
    assert_eq!(db.run(outbox::all).await.unwrap().len(), 1);
    let page = customers::list(&db, &b.id, 1, 25, None, None)
        .await
        .unwrap();
    assert_eq!(page.total, 1);
}
backend_test!(create_writes_its_event_in_the_same_transaction => create_outbox_sqlite, create_outbox_postgres);

async fn json_form_uses_rfc3339_and_plain_ids(db: Db) {
    let b = create_business(&db, "עסק").await;
    let c = customers::create(&db, &b.id, new_customer("דנה", "050-1234567"))
        .await
        .unwrap();
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["id"], c.id.as_str());
    assert_eq!(json["status"], "lead");
    assert_eq!(json["email"], serde_json::Value::Null);
    let created = json["created_at"].as_str().unwrap();
    assert!(created.ends_with('Z'), "{created}");
    chrono::DateTime::parse_from_rfc3339(created).unwrap();
    let bj = serde_json::to_value(&b).unwrap();
    assert_eq!(bj["knowledge_qa"], serde_json::json!([]));
    assert_eq!(bj["crm_enabled"], true);
}
backend_test!(json_form_uses_rfc3339_and_plain_ids => json_form_sqlite, json_form_postgres);

/// The list's `total` comes from trigger-kept counts when nothing is searched: it must agree with
/// the rows through inserts, status changes, deletes and other businesses' changes.
async fn totals_follow_inserts_updates_and_deletes(db: Db) {
    let a = create_business(&db, "א").await;
    let b = create_business(&db, "ב").await;
    let rows = insert_many(&db, &a.id, 9).await; // 3 active, 6 lead
    insert_many(&db, &b.id, 4).await;
    let total = |status: Option<CustomerStatus>| {
        let db = db.clone();
        let id = a.id.clone();
        async move {
            customers::list(&db, &id, 1, 100, None, status)
                .await
                .unwrap()
        }
    };
    let all = total(None).await;
    assert_eq!((all.total, all.items.len()), (9, 9));
    assert_eq!(total(Some(CustomerStatus::Active)).await.total, 3);
    assert_eq!(total(Some(CustomerStatus::Lead)).await.total, 6);

    let lead = rows
        .iter()
        .find(|c| c.status == CustomerStatus::Lead)
        .unwrap();
    customers::update(
        &db,
        &a.id,
        &lead.id,
        customers::CustomerPatch {
            status: Some(CustomerStatus::Inactive),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // A change that keeps the status keeps the counts.
    customers::update(
        &db,
        &a.id,
        &rows[0].id,
        customers::CustomerPatch {
            notes: Some("x".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    customers::delete(&db, &a.id, &rows[0].id).await.unwrap();
    customers::create(&db, &a.id, new_customer("חדש", "052-7000001"))
        .await
        .unwrap();
    for (status, expected) in [
        (None, 9),
        (Some(CustomerStatus::Active), 2),
        (Some(CustomerStatus::Lead), 6),
        (Some(CustomerStatus::Inactive), 1),
    ] {
        let page = total(status).await;
        assert_eq!(page.total, expected, "{status:?}");
        assert_eq!(page.items.len() as i64, expected, "{status:?}");
    }
    // A search still counts the matching rows themselves.
    let found = customers::list(&db, &a.id, 1, 100, Some("חדש"), None)
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    let other = customers::list(&db, &b.id, 1, 100, None, None)
        .await
        .unwrap();
    assert_eq!(other.total, 4);
}
backend_test!(totals_follow_inserts_updates_and_deletes => totals_sqlite, totals_postgres);
