//! Customer imports from CSV and the CSV exports, on both backends.

use crm_svc::{
    Db, Error, backend_test,
    customers::{self, NewCustomer, queries as customer},
    exports::{self, Source},
    ids::ImportId,
    imports::{self, Duplicates, Mapping, Options, queries, worker},
    schema::customer_imports,
    test_support::create_business,
};
use diesel::prelude::*;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

const HEBREW_CSV: &str = "שם;טלפון;אימייל;הערות;סטטוס\n\
    דנה כהן;050-1234567;dana@example.com;\"לקוחה, ותיקה\";פעיל\n\
    יוסי לוי;+972521234567;;;\n\
    משרד;(03) 123-4567;;;\n\
    רונית;972-54-123-4567;;=HYPERLINK(\"x\");ליד\n\
    בלי טלפון;12345;;;\n";

/// Runs the import worker until the job of `id` is finished.
async fn run_to_end(db: &Db, id: &ImportId) {
    let stop = CancellationToken::new();
    match worker::work_one(db, "test-worker", None, &stop)
        .await
        .unwrap()
    {
        worker::Worked::Finished(done) => assert_eq!(&done, id),
        other => panic!("expected the import to finish, got {other:?}"),
    }
}

async fn imports_read_every_encoding_and_phone_format(db: Db) {
    for (name, bytes, encoding) in [
        ("utf8.csv", HEBREW_CSV.as_bytes().to_vec(), "utf-8"),
        (
            "bom.csv",
            [b"\xEF\xBB\xBF".as_slice(), HEBREW_CSV.as_bytes()].concat(),
            "utf-8-bom",
        ),
        (
            "excel.csv",
            encoding_rs::WINDOWS_1255.encode(HEBREW_CSV).0.into_owned(),
            "windows-1255",
        ),
    ] {
        let b = create_business(&db, name).await;
        let p = imports::upload(&db, &b.id, name, bytes).await.unwrap();
        assert_eq!(p.import.encoding, encoding);
        assert_eq!(
            (p.import.delimiter.as_str(), p.import.status.as_str()),
            (";", "draft")
        );
        assert_eq!(p.header[0], "שם");
        assert_eq!(p.rows[0].1[3], "לקוחה, ותיקה");
        assert_eq!(
            p.mapping,
            Mapping {
                name: Some(0),
                phone: Some(1),
                email: Some(2),
                notes: Some(3),
                status: Some(4)
            }
        );
        assert_eq!((p.error_count, p.valid_count), (1, 4));
        assert_eq!(
            (p.errors[0].row_number, p.errors[0].field.as_str()),
            (6, "phone")
        );

        // Errors and no "import the valid rows": refused whole, nothing written.
        let opts = Options {
            mapping: p.mapping.clone(),
            ..Options::default()
        };
        let err = imports::start(&db, &b.id, &p.import.id, opts.clone())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Validation {
                    field: "import_valid_rows",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            imports::get(&db, &b.id, &p.import.id).await.unwrap().status,
            "draft"
        );

        let started = imports::start(
            &db,
            &b.id,
            &p.import.id,
            Options {
                import_valid_rows: true,
                ..opts.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            (
                started.status.as_str(),
                started.planned_rows,
                started.error_count
            ),
            ("queued", 4, 1)
        );
        // Twice is a conflict.
        assert!(matches!(
            imports::start(&db, &b.id, &p.import.id, opts).await,
            Err(Error::Conflict(_))
        ));
        run_to_end(&db, &p.import.id).await;
        let done = imports::get(&db, &b.id, &p.import.id).await.unwrap();
        assert_eq!(
            (
                done.status.as_str(),
                done.processed_rows,
                done.created_count,
                done.error_count
            ),
            ("done", 4, 4, 1)
        );
        let bid = b.id.clone();
        let mut phones: Vec<(String, String)> = db
            .run(move |conn| {
                Ok(crm_svc::schema::customers::table
                    .filter(crm_svc::schema::customers::business_id.eq(&bid))
                    .select((
                        crm_svc::schema::customers::phone,
                        crm_svc::schema::customers::name,
                    ))
                    .load(conn)?)
            })
            .await
            .unwrap();
        phones.sort();
        assert_eq!(
            phones,
            [
                ("+97231234567".to_string(), "משרד".to_string()),
                ("+972501234567".into(), "דנה כהן".into()),
                ("+972521234567".into(), "יוסי לוי".into()),
                ("+972541234567".into(), "רונית".into()),
            ]
        );
        let dana = db
            .run({
                let bid = b.id.clone();
                move |conn| customer::find_by_phone(conn, &bid, "+972501234567")
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(dana.status.as_str(), "active");
        assert_eq!(dana.source.as_str(), "import");
        assert_eq!(dana.email.as_deref(), Some("dana@example.com"));

        // The errors file: BOM, Hebrew header, the row's original cells.
        let errors = collect(&db, &b.id, Source::ImportErrors(p.import.id.clone())).await;
        assert!(
            errors.starts_with("\u{feff}שורה,שדה,שגיאה,תוכן השורה\r\n"),
            "{errors}"
        );
        assert!(
            errors.contains("6,phone,מספר טלפון לא תקין: 12345,\"בלי טלפון,12345,,,\"\r\n"),
            "{errors}"
        );
    }
}
backend_test!(imports_read_every_encoding_and_phone_format => import_encodings_sqlite, import_encodings_postgres);

async fn duplicates_are_skipped_or_merged_by_phone(db: Db) {
    for duplicates in [Duplicates::Skip, Duplicates::Merge] {
        let b = create_business(&db, "dups").await;
        customers::create(
            &db,
            &b.id,
            NewCustomer {
                name: "ישן".into(),
                phone: "0501234567".into(),
                email: Some("old@example.com".into()),
                notes: "הערה ישנה".into(),
                ..NewCustomer::default()
            },
        )
        .await
        .unwrap();
        let csv = "name,phone,email,notes\nחדש,+972-50-123-4567,,\nאחר,052-7654321,,\nאחר שוב,0527654321,x@example.com,\n";
        let p = imports::upload(&db, &b.id, "d.csv", csv.into())
            .await
            .unwrap();
        imports::start(
            &db,
            &b.id,
            &p.import.id,
            Options {
                mapping: p.mapping,
                duplicates,
                import_valid_rows: false,
            },
        )
        .await
        .unwrap();
        run_to_end(&db, &p.import.id).await;
        let done = imports::get(&db, &b.id, &p.import.id).await.unwrap();
        let existing = db
            .run({
                let bid = b.id.clone();
                move |conn| customer::find_by_phone(conn, &bid, "+972501234567")
            })
            .await
            .unwrap()
            .unwrap();
        let other = db
            .run({
                let bid = b.id.clone();
                move |conn| customer::find_by_phone(conn, &bid, "+972527654321")
            })
            .await
            .unwrap()
            .unwrap();
        let count = db
            .run({
                let bid = b.id.clone();
                move |conn| customer::count(conn, &bid)
            })
            .await
            .unwrap();
        assert_eq!(count, 2, "{duplicates:?}: no duplicate rows");
        match duplicates {
            Duplicates::Skip => {
                assert_eq!(
                    (done.created_count, done.skipped_count, done.merged_count),
                    (1, 2, 0)
                );
                assert_eq!(existing.name, "ישן");
                assert_eq!((other.name.as_str(), other.email.as_deref()), ("אחר", None));
            }
            Duplicates::Merge => {
                assert_eq!(
                    (done.created_count, done.skipped_count, done.merged_count),
                    (1, 0, 2)
                );
                // The row's non-empty cells win; empty ones keep what was there.
                assert_eq!(
                    (
                        existing.name.as_str(),
                        existing.email.as_deref(),
                        existing.notes.as_str()
                    ),
                    ("חדש", Some("old@example.com"), "הערה ישנה")
                );
                assert_eq!(
                    (other.name.as_str(), other.email.as_deref()),
                    ("אחר שוב", Some("x@example.com"))
                );
            }
        }
    }
}
backend_test!(duplicates_are_skipped_or_merged_by_phone => import_duplicates_sqlite, import_duplicates_postgres);

async fn a_job_taken_over_after_a_crash_resumes_without_duplicates(db: Db) {
    let b = create_business(&db, "resume").await;
    let mut csv = String::from("שם,נייד\n");
    let rows = imports::BATCH * 2 + 500;
    for i in 0..rows {
        csv.push_str(&format!("לקוח {i},050-{:07}\n", 1_000_000 + i));
    }
    let p = imports::upload(&db, &b.id, "big.csv", csv.into())
        .await
        .unwrap();
    imports::start(
        &db,
        &b.id,
        &p.import.id,
        Options {
            mapping: p.mapping,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let stop = CancellationToken::new();
    // Worker A writes one batch, then "crashes" (stops without finishing or releasing).
    let a = worker::work_one(&db, "worker-a", Some(1), &stop)
        .await
        .unwrap();
    assert_eq!(a, worker::Worked::Paused(p.import.id.clone()));
    let mid = imports::get(&db, &b.id, &p.import.id).await.unwrap();
    assert_eq!(
        (mid.status.as_str(), mid.processed_rows),
        ("running", imports::BATCH as i64)
    );
    // While A's lease holds, nobody else takes the job.
    assert_eq!(
        worker::work_one(&db, "worker-b", None, &stop)
            .await
            .unwrap(),
        worker::Worked::Idle
    );
    // A's lease lapses (as 30 s after a crash); B takes over and resumes after A's batch.
    let id = p.import.id.clone();
    db.run(move |conn| {
        diesel::update(customer_imports::table.filter(customer_imports::id.eq(&id)))
            .set(
                customer_imports::lease_until
                    .eq(crm_svc::time::now() - chrono::Duration::seconds(1)),
            )
            .execute(conn)?;
        Ok(())
    })
    .await
    .unwrap();
    let b_run = worker::work_one(&db, "worker-b", None, &stop)
        .await
        .unwrap();
    assert_eq!(b_run, worker::Worked::Finished(p.import.id.clone()));
    let done = imports::get(&db, &b.id, &p.import.id).await.unwrap();
    assert_eq!(
        (done.processed_rows, done.created_count, done.skipped_count),
        (rows as i64, rows as i64, 0)
    );
    let count = db
        .run({
            let bid = b.id.clone();
            move |conn| customer::count(conn, &bid)
        })
        .await
        .unwrap();
    assert_eq!(count, rows as i64);
    // A, back from the dead, cannot write a batch: its lease is gone.
    let (i, now) = (p.import.id.clone(), crm_svc::time::now());
    let stale = db
        .run(move |conn| {
            queries::advance(
                conn,
                &i,
                "worker-a",
                imports::BATCH as i64,
                Default::default(),
                now,
                now,
            )
        })
        .await
        .unwrap();
    assert_eq!(stale, 0);
}
backend_test!(a_job_taken_over_after_a_crash_resumes_without_duplicates => import_resume_sqlite, import_resume_postgres);

async fn imports_and_exports_are_scoped_to_the_business(db: Db) {
    let mine = create_business(&db, "mine").await;
    let theirs = create_business(&db, "theirs").await;
    let p = imports::upload(&db, &mine.id, "a.csv", HEBREW_CSV.into())
        .await
        .unwrap();
    assert!(matches!(
        imports::get(&db, &theirs.id, &p.import.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        imports::preview(&db, &theirs.id, &p.import.id, None).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        imports::start(
            &db,
            &theirs.id,
            &p.import.id,
            Options {
                mapping: p.mapping.clone(),
                import_valid_rows: true,
                ..Options::default()
            }
        )
        .await,
        Err(Error::NotFound(_))
    ));
    customers::create(
        &db,
        &theirs.id,
        NewCustomer {
            name: "של אחרים".into(),
            phone: "0509999999".into(),
            ..NewCustomer::default()
        },
    )
    .await
    .unwrap();
    let csv = collect(&db, &mine.id, Source::Customers).await;
    assert_eq!(
        csv,
        exports::header(&Source::Customers),
        "another business's customer leaked"
    );
}
backend_test!(imports_and_exports_are_scoped_to_the_business => import_scope_sqlite, import_scope_postgres);

async fn exports_stream_pages_with_hebrew_quoting_and_formula_guards(db: Db) {
    let b = create_business(&db, "export").await;
    customers::create(
        &db,
        &b.id,
        NewCustomer {
            name: "=cmd|' /C calc'!A0".into(),
            phone: "050-1234567".into(),
            notes: "שורה ראשונה, \"שנייה\"".into(),
            ..NewCustomer::default()
        },
    )
    .await
    .unwrap();
    let extra = exports::PAGE_ROWS as usize + 5;
    let mut csv = String::from("שם,טלפון\n");
    for i in 0..extra {
        csv.push_str(&format!("לקוח {i},052-{:07}\n", 1_000_000 + i));
    }
    let p = imports::upload(&db, &b.id, "x.csv", csv.into())
        .await
        .unwrap();
    imports::start(
        &db,
        &b.id,
        &p.import.id,
        Options {
            mapping: p.mapping,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    run_to_end(&db, &p.import.id).await;

    let chunks: Vec<Vec<u8>> = exports::stream(db.clone(), b.id.clone(), Source::Customers)
        .map(|c| c.unwrap())
        .collect()
        .await;
    // Header, a full page, the rest: the file is produced page by page.
    assert_eq!(chunks.len(), 3);
    let lines = |c: &[u8]| {
        String::from_utf8(c.to_vec())
            .unwrap()
            .matches("\r\n")
            .count()
    };
    assert_eq!(lines(&chunks[1]), exports::PAGE_ROWS as usize);
    assert_eq!(lines(&chunks[2]), extra + 1 - exports::PAGE_ROWS as usize);
    let text = String::from_utf8(chunks.concat()).unwrap();
    assert!(text.starts_with("\u{feff}שם,טלפון,אימייל,סטטוס,מקור,הערות,נוצר\r\n"));
    assert!(
        text.contains(
            "\"'=cmd|' /C calc'!A0\",050-1234567,,ליד,manual,\"שורה ראשונה, \"\"שנייה\"\"\","
        ),
        "{}",
        &text[..400]
    );
    assert!(text.contains("לקוח 0,052-1000000,,ליד,import,,"));
    for kind in ["calls", "whatsapp", "tasks", "invoices"] {
        let csv = collect(&db, &b.id, Source::parse(kind).unwrap()).await;
        assert!(
            csv.starts_with('\u{feff}')
                && csv.ends_with("\r\n")
                && csv.matches("\r\n").count() == 1,
            "{kind}"
        );
    }
    assert!(Source::parse("users").is_err());
}
backend_test!(exports_stream_pages_with_hebrew_quoting_and_formula_guards => export_pages_sqlite, export_pages_postgres);

async fn collect(db: &Db, business: &crm_svc::ids::BusinessId, source: Source) -> String {
    let chunks: Vec<Vec<u8>> = exports::stream(db.clone(), business.clone(), source)
        .map(|c| c.unwrap())
        .collect()
        .await;
    String::from_utf8(chunks.concat()).unwrap()
}
