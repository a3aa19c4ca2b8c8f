use agentlocator_common::bus::{MemoryBus, SharedBus};
use agentlocator_proto::v1::{
    self as pb, crm_service_client::CrmServiceClient, get_business_request::By,
};
use crm_svc::{Db, backend_test, businesses::queries as business, test_support::create_business};
use std::{sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;
use tonic::Code;

async fn grpc_service_end_to_end(db: Db) {
    let mut b = create_business(&db, "עסק").await;
    b.twilio_numbers = r#"["+97231234567"]"#.into();
    let other = create_business(&db, "עסק אחר").await;
    {
        // Give the business a Twilio number (the tenant lookup of incoming calls).
        let b = b.clone();
        db.run(move |conn| {
            use crm_svc::schema::businesses::dsl::*;
            use diesel::prelude::*;
            diesel::update(businesses.find(&b.id))
                .set(twilio_numbers.eq(&b.twilio_numbers))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let bus: SharedBus = Arc::new(MemoryBus::new("al"));
    let shutdown = CancellationToken::new();
    let service = tokio::spawn(crm_svc::run(
        db.clone(),
        bus,
        listener,
        crm_svc::Settings::default(),
        shutdown.clone(),
    ));

    let mut client = CrmServiceClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let info = client
        .info(pb::ServiceInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.name, "crm-svc");
    assert_eq!(
        info.details.get("database").map(String::as_str),
        Some(db.backend())
    );

    let created = client
        .create_customer(pb::CreateCustomerRequest {
            business_id: b.id.to_string(),
            name: "דנה לוי".into(),
            phone: "050-1234567".into(),
            email: "Dana@Example.com".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.phone, "+972501234567");
    assert_eq!(created.email, "dana@example.com");
    assert_eq!(
        (created.status.as_str(), created.source.as_str()),
        ("lead", "manual")
    );
    assert!(created.created_at.is_some());

    let dup = client
        .create_customer(pb::CreateCustomerRequest {
            business_id: b.id.to_string(),
            name: "שוב".into(),
            phone: "+972-50-123-4567".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Code::AlreadyExists);

    let bad = client
        .create_customer(pb::CreateCustomerRequest {
            business_id: b.id.to_string(),
            name: "x".into(),
            phone: "12".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(bad.message().contains("phone"), "{}", bad.message());

    let got = client
        .get_customer(pb::GetCustomerRequest {
            business_id: b.id.to_string(),
            id: created.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, created);
    let foreign = client
        .get_customer(pb::GetCustomerRequest {
            business_id: other.id.to_string(),
            id: created.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(foreign.code(), Code::NotFound);

    let list = client
        .list_customers(pb::ListCustomersRequest {
            business_id: b.id.to_string(),
            query: "0501234567".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((list.page, list.limit, list.total), (1, 25, 1));
    assert_eq!(list.items, vec![created.clone()]);
    let negative = client
        .list_customers(pb::ListCustomersRequest {
            business_id: b.id.to_string(),
            page: Some(-1),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(negative.code(), Code::InvalidArgument);

    // Just the given ids of this business: another business's customer and an unknown id are
    // left out; ids go alone and at most 100.
    let foreigner = client
        .create_customer(pb::CreateCustomerRequest {
            business_id: other.id.to_string(),
            name: "לקוח של עסק אחר".into(),
            phone: "052-765-4321".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let picked = client
        .list_customers(pb::ListCustomersRequest {
            business_id: b.id.to_string(),
            ids: vec![
                created.id.clone(),
                foreigner.id.clone(),
                "no-such-id".into(),
            ],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((picked.total, picked.items), (1, vec![created.clone()]));
    for bad in [
        pb::ListCustomersRequest {
            business_id: b.id.to_string(),
            ids: vec![created.id.clone()],
            query: "דוד".into(),
            ..Default::default()
        },
        pb::ListCustomersRequest {
            business_id: b.id.to_string(),
            ids: (0..101).map(|n| format!("c{n}")).collect(),
            ..Default::default()
        },
    ] {
        let err = client.list_customers(bad).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
    }

    let by_number = client
        .get_business(pb::GetBusinessRequest {
            by: Some(By::PhoneNumber("03-1234567".into())),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_number.id, b.id.as_str());
    assert_eq!(by_number.twilio_numbers, ["+97231234567"]);
    assert!(by_number.features.unwrap().crm_enabled);
    let by_slug = client
        .get_business(pb::GetBusinessRequest {
            by: Some(By::Slug(other.slug.clone())),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_slug.id, other.id.as_str());
    let missing = client
        .get_business(pb::GetBusinessRequest {
            by: Some(By::PhoneNumber("03-7654321".into())),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);

    // The business row is unchanged by all of this.
    let bid = b.id.clone();
    let stored = db
        .run(move |c| business::find(c, &bid))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.twilio_numbers, b.twilio_numbers);

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), service)
        .await
        .expect("crm-svc stops on cancellation")
        .unwrap()
        .unwrap();
}
backend_test!(grpc_service_end_to_end => grpc_service_sqlite, grpc_service_postgres);
