//! The WhatsApp bridge's storage: auth state by key (all-or-nothing writes, deletes, clear on
//! logout), scoped per business, and `@lid` → phone links.

use crate::fixtures::tenant;
use crm_svc::{
    Db, backend_test, error::Error, ids::BusinessId, whatsapp::session as whatsapp_session,
};
use std::collections::HashMap;

fn keys(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

async fn auth_state_round_trips_per_business(db: Db) {
    let a = tenant(&db, "עסק א", 1).await.business.id;
    let b = tenant(&db, "עסק ב", 2).await.business.id;
    let creds = r#"{"noiseKey":{"private":{"type":"Buffer","data":"AQID"}},"me":{"name":"שלום"}}"#;
    whatsapp_session::set(
        &db,
        &a,
        HashMap::from([
            ("creds".to_string(), Some(creds.to_string())),
            ("pre-key-1".to_string(), Some("{\"k\":1}".to_string())),
            ("pre-key-2".to_string(), Some("{\"k\":2}".to_string())),
        ]),
    )
    .await
    .unwrap();
    let got = whatsapp_session::get(&db, &a, keys(&["creds", "pre-key-1", "pre-key-9"]))
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got["creds"], creds, "stored exactly as given");
    assert!(
        whatsapp_session::get(&db, &b, keys(&["creds"]))
            .await
            .unwrap()
            .is_empty(),
        "another business sees nothing"
    );

    // Overwrite one, delete one.
    whatsapp_session::set(
        &db,
        &a,
        HashMap::from([
            ("pre-key-1".to_string(), None),
            ("creds".to_string(), Some("{}".to_string())),
        ]),
    )
    .await
    .unwrap();
    let got = whatsapp_session::get(&db, &a, keys(&["creds", "pre-key-1", "pre-key-2"]))
        .await
        .unwrap();
    assert_eq!(
        got,
        HashMap::from([
            ("creds".to_string(), "{}".to_string()),
            ("pre-key-2".to_string(), "{\"k\":2}".to_string())
        ])
    );

    assert_eq!(
        whatsapp_session::paired_businesses(&db).await.unwrap(),
        vec![a.clone()],
        "only the business with creds is paired"
    );
    assert_eq!(whatsapp_session::clear(&db, &a).await.unwrap(), 2);
    assert!(
        whatsapp_session::paired_businesses(&db)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        whatsapp_session::get(&db, &a, keys(&["creds", "pre-key-2"]))
            .await
            .unwrap()
            .is_empty()
    );
}
backend_test!(auth_state_round_trips_per_business
    => auth_state_round_trips_per_business_sqlite, auth_state_round_trips_per_business_postgres);

async fn bad_writes_change_nothing(db: Db) {
    let a = tenant(&db, "עסק", 1).await.business.id;
    whatsapp_session::set(
        &db,
        &a,
        HashMap::from([("creds".to_string(), Some("{}".to_string()))]),
    )
    .await
    .unwrap();
    let huge = "x".repeat(whatsapp_session::MAX_VALUE_BYTES + 1);
    let err = whatsapp_session::set(
        &db,
        &a,
        HashMap::from([("creds".to_string(), None), ("big".to_string(), Some(huge))]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "values",
                ..
            }
        ),
        "{err:?}"
    );
    let err = whatsapp_session::set(
        &db,
        &BusinessId::from("no-such-business"),
        HashMap::from([("creds".to_string(), Some("{}".to_string()))]),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::NotFound("business")), "{err:?}");
    assert_eq!(
        whatsapp_session::get(&db, &a, keys(&["creds"]))
            .await
            .unwrap()
            .len(),
        1,
        "the failed write deleted nothing"
    );
}
backend_test!(bad_writes_change_nothing
    => bad_writes_change_nothing_sqlite, bad_writes_change_nothing_postgres);

async fn lid_links(db: Db) {
    let a = tenant(&db, "עסק", 1).await.business.id;
    let lid = "123456789012345".to_string();
    assert_eq!(
        whatsapp_session::phone_of_lid(&db, &a, lid.clone())
            .await
            .unwrap(),
        None
    );
    whatsapp_session::link_lid(&db, &a, lid.clone(), "+972501234567".into())
        .await
        .unwrap();
    whatsapp_session::link_lid(&db, &a, lid.clone(), "+972521112222".into())
        .await
        .unwrap();
    assert_eq!(
        whatsapp_session::phone_of_lid(&db, &a, lid.clone())
            .await
            .unwrap()
            .as_deref(),
        Some("+972521112222"),
        "the newest link wins"
    );
    assert!(
        whatsapp_session::link_lid(&db, &a, lid, "050-1234567".into())
            .await
            .is_err()
    );
}
backend_test!(lid_links => lid_links_sqlite, lid_links_postgres);

async fn cloud_numbers_belong_to_one_business(db: Db) {
    let a = tenant(&db, "עסק א", 1).await.business.id;
    let b = tenant(&db, "עסק ב", 2).await.business.id;
    whatsapp_session::set_cloud_number(&db, &a, "106540352242922".into())
        .await
        .unwrap();
    assert_eq!(
        whatsapp_session::business_of_cloud_number(&db, "106540352242922".into())
            .await
            .unwrap(),
        Some(a.clone())
    );
    let err = whatsapp_session::set_cloud_number(&db, &b, "106540352242922".into())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    // A new number replaces the old one.
    whatsapp_session::set_cloud_number(&db, &a, "222".into())
        .await
        .unwrap();
    assert_eq!(
        whatsapp_session::cloud_number_of(&db, &a)
            .await
            .unwrap()
            .as_deref(),
        Some("222")
    );
    assert_eq!(
        whatsapp_session::business_of_cloud_number(&db, "106540352242922".into())
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        whatsapp_session::set_cloud_number(&db, &b, "abc".into()).await,
        Err(Error::Validation {
            field: "phone_number_id",
            ..
        })
    ));
}
backend_test!(cloud_numbers_belong_to_one_business
    => cloud_numbers_belong_to_one_business_sqlite, cloud_numbers_belong_to_one_business_postgres);
