//! The customer import and export on PostgreSQL at scale (issue 18): a CSV of 100,000 customers
//! (Hebrew names, phones in mixed Israeli formats, emails, notes, every 50th row invalid) through
//! `crm_svc::imports` — what `POST /api/crm/imports` and `…/start` call — then the background
//! job (`imports::worker::work_one`) to the end; then the whole customer export streamed page by
//! page (`crm_svc::exports::stream`, what `GET /api/exports/customers` relays). Prints the time
//! of each step and judges the import (upload + start + job) against < 30 s.
//!
//! `cargo bench -p agentlocator-bench --bench csv_import` — a plain `main` (harness = false). A new
//! database `al_t_<uuid>` on `AL_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432`),
//! dropped at the end. Knob: `AL_BENCH_ROWS` (default 100000).

use crm_svc::{
    Db,
    businesses::Business,
    businesses::queries as business,
    exports::{self, Source},
    imports::{self, Options, worker},
    test_support::FreshPostgres,
};
use futures::StreamExt;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const TARGET: Duration = Duration::from_secs(30);

fn rows() -> usize {
    std::env::var("AL_BENCH_ROWS")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            v.trim()
                .replace('_', "")
                .parse()
                .expect("AL_BENCH_ROWS is a number")
        })
        .unwrap_or(100_000)
}

fn csv(n: usize) -> String {
    let mut out = String::from("שם מלא,טלפון נייד,אימייל,הערות\n");
    for i in 0..n {
        let phone = if i % 50 == 49 {
            "12345".to_string()
        } else {
            match i % 3 {
                0 => format!("050-{:07}", i),
                1 => format!("+97252{:07}", i),
                _ => format!("972-54-{:03}-{:04}", i / 10_000, i % 10_000),
            }
        };
        out.push_str(&format!(
            "לקוח מספר {i},{phone},c{i}@example.co.il,\"הערה, {i}\"\n"
        ));
    }
    out
}

fn main() {
    let n = rows();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let fresh = FreshPostgres::create();
    eprintln!("database {} ({n} rows)", fresh.url());
    let db = Db::connect(fresh.url()).expect("connect and migrate");
    let b = Business::new("עסק", format!("bench-{}", uuid::Uuid::now_v7().simple()));
    let row = b.clone();
    rt.block_on(db.run(move |conn| business::insert(conn, &row)))
        .expect("business");
    let file = csv(n).into_bytes();
    let bytes = file.len();

    rt.block_on(async {
        let t0 = Instant::now();
        let preview = imports::upload(&db, &b.id, "bench.csv", file).await.expect("upload");
        let uploaded = t0.elapsed();
        let options = Options {
            mapping: preview.mapping.clone(),
            import_valid_rows: true,
            ..Options::default()
        };
        imports::start(&db, &b.id, &preview.import.id, options)
            .await
            .expect("start");
        let started = t0.elapsed();
        let stop = CancellationToken::new();
        let worked = worker::work_one(&db, "bench", None, &stop).await.expect("job");
        assert_eq!(worked, worker::Worked::Finished(preview.import.id.clone()));
        let total = t0.elapsed();
        let done = imports::get(&db, &b.id, &preview.import.id).await.expect("import");
        assert_eq!(done.status, "done");
        assert_eq!(done.created_count + done.error_count, n as i64);

        let t1 = Instant::now();
        let (mut chunks, mut out_bytes, mut largest) = (0usize, 0usize, 0usize);
        let mut stream = Box::pin(exports::stream(db.clone(), b.id.clone(), Source::Customers));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.expect("export page");
            chunks += 1;
            out_bytes += chunk.len();
            largest = largest.max(chunk.len());
        }
        let exported = t1.elapsed();

        println!("file: {n} rows, {:.1} MB", bytes as f64 / 1e6);
        println!(
            "upload + parse + preview: {:.2} s; start (validate, store {} row errors): {:.2} s; job: {:.2} s",
            uploaded.as_secs_f64(),
            done.error_count,
            (started - uploaded).as_secs_f64(),
            (total - started).as_secs_f64(),
        );
        println!(
            "import total: {:.2} s for {} customers ({:.0} rows/s) — target < {} s: {}",
            total.as_secs_f64(),
            done.created_count,
            n as f64 / total.as_secs_f64(),
            TARGET.as_secs(),
            if total < TARGET { "met" } else { "MISSED" }
        );
        println!(
            "export: {:.2} s, {chunks} chunks, {:.1} MB, largest chunk {:.0} KB",
            exported.as_secs_f64(),
            out_bytes as f64 / 1e6,
            largest as f64 / 1e3
        );
    });
    drop(db);
    drop(fresh);
}
