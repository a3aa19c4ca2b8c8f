use crm_svc::{
    Db, backend_test,
    businesses::queries as business,
    customers::Customer,
    customers::queries as customer,
    db::DbConn,
    enums::{CustomerSource, CustomerStatus},
    ids::{BusinessId, CustomerId},
    outbox::queries as outbox,
    test_support::{self, create_business},
    time,
};
use diesel::{QueryableByName, RunQueryDsl, sql_types::Text};

async fn migrations_apply_and_tables_are_usable(db: Db) {
    db.check().await.unwrap();
    let b = create_business(&db, "עסק").await;
    let found = db
        .run({
            let id = b.id.clone();
            move |conn| business::find(conn, &id)
        })
        .await
        .unwrap()
        .expect("business stored");
    assert_eq!(
        found, b,
        "a row reads back exactly as written (timestamps included)"
    );
    assert!(found.crm_enabled && found.reports_enabled);
    assert_eq!(found.vat_rate_bp, 1800);
    assert!(db.run(outbox::all).await.unwrap().is_empty());
}
backend_test!(migrations_apply_and_tables_are_usable => migrations_apply_sqlite, migrations_apply_postgres);

/// A second pool on the same database finds every migration applied (and changes nothing).
async fn connect_twice(url: String) {
    let first = test_support::connect(url.clone()).await;
    let b = create_business(&first, "ראשון").await;
    let second = test_support::connect(url).await;
    second.check().await.unwrap();
    let id = b.id.clone();
    let found = second
        .run(move |conn| business::find(conn, &id))
        .await
        .unwrap();
    assert_eq!(found, Some(b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_again_finds_nothing_to_migrate_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    connect_twice(test_support::fresh_sqlite_url(&dir)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_again_finds_nothing_to_migrate_postgres() {
    let pg = tokio::task::spawn_blocking(test_support::FreshPostgres::create)
        .await
        .unwrap();
    connect_twice(pg.url().to_owned()).await;
    tokio::task::spawn_blocking(move || drop(pg)).await.unwrap();
}

async fn foreign_keys_are_enforced(db: Db) {
    let now = time::now();
    let orphan = Customer {
        id: CustomerId::generate(),
        business_id: BusinessId::from("no-such-business"),
        name: "x".into(),
        phone: "+972501111111".into(),
        email: None,
        status: CustomerStatus::Lead,
        source: CustomerSource::Manual,
        notes: String::new(),
        created_at: now,
        updated_at: now,
    };
    let err = db
        .run(move |conn| customer::insert(conn, &orphan))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            crm_svc::Error::Database(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _
            ))
        ),
        "{err:?}"
    );
}
backend_test!(foreign_keys_are_enforced => foreign_keys_sqlite, foreign_keys_postgres);

async fn sqlite_connections_use_wal(db: Db) {
    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    let mode = db
        .run(|conn| {
            Ok(match conn {
                DbConn::Sqlite(c) => Some(
                    diesel::sql_query("PRAGMA journal_mode")
                        .get_result::<Mode>(c)?
                        .journal_mode,
                ),
                DbConn::Postgres(_) => None,
            })
        })
        .await
        .unwrap();
    match db.backend() {
        "sqlite" => assert_eq!(mode.as_deref(), Some("wal")),
        other => assert_eq!(other, "postgres"),
    }
}
backend_test!(sqlite_connections_use_wal => pragmas_sqlite, pragmas_postgres);

#[tokio::test]
async fn sqlite_url_forms_create_the_parent_directory() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b/al.db");
    let url = format!("sqlite:{}", nested.display());
    let db = crm_svc::test_support::connect(url).await;
    assert_eq!(db.backend(), "sqlite");
    assert!(nested.exists());
    assert!(
        Db::connect("mysql://root:hunter2@h/db")
            .unwrap_err()
            .to_string()
            .contains("mysql")
    );
}
