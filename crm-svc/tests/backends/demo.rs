use crm_svc::{
    Db, backend_test,
    businesses::queries as business,
    demo::{DEMO_OWNER_EMAIL, seed_demo},
    users::queries as user,
};

async fn demo_seed_is_idempotent(db: Db) {
    let first = seed_demo(&db).await.unwrap();
    assert!(first.business_created);
    assert_eq!((first.customers_created, first.customers_total), (50, 50));
    let password = first
        .owner_password
        .clone()
        .expect("password of the new owner");

    let second = seed_demo(&db).await.unwrap();
    assert_eq!(second.business_id, first.business_id);
    assert!(!second.business_created);
    assert_eq!(
        second.owner_password, None,
        "the password is shown only once"
    );
    assert_eq!((second.customers_created, second.customers_total), (0, 50));

    let (b, owner) = db
        .run(|conn| {
            Ok((
                business::find_by_slug(conn, "demo")?.expect("demo business"),
                user::find_by_email(conn, DEMO_OWNER_EMAIL)?.expect("owner"),
            ))
        })
        .await
        .unwrap();
    assert_eq!(b.name, "העסק לדוגמה");
    assert_eq!(owner.business_id, b.id);
    assert!(user::verify_password(&owner.password_hash, &password).unwrap());
    assert!(!owner.password_hash.contains(&password));
}
backend_test!(demo_seed_is_idempotent => demo_seed_sqlite, demo_seed_postgres);
