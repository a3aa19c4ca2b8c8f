//! Test helpers, public so other crates' tests can use them too: fresh databases on both
//! backends, never shared between tests.
//!
//! PostgreSQL: the server named by `AL_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432`); each test gets its own new database `al_t_<uuid>`.
//! When the server cannot be reached the test FAILS — PostgreSQL tests are never skipped.

use crate::{
    businesses::Business,
    businesses::queries as business,
    db::{Db, DbOptions},
};
use diesel::{Connection, PgConnection, RunQueryDsl};
use std::future::Future;
use tempfile::TempDir;

pub const POSTGRES_URL_ENV: &str = "AL_TEST_POSTGRES_URL";
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432";

/// The test server's URL split into `scheme://authority` and an optional `?query`.
fn postgres_server() -> (String, String) {
    let url = std::env::var(POSTGRES_URL_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned());
    let (base, query) = match url.trim().split_once('?') {
        Some((b, q)) => (b.to_owned(), format!("?{q}")),
        None => (url.trim().to_owned(), String::new()),
    };
    // Drop any database path: `postgres://u@h:5432/x` → `postgres://u@h:5432`.
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => base[..authority_start + slash].to_owned(),
        None => base,
    };
    (base, query)
}

fn postgres_url_for(database: &str) -> String {
    let (base, query) = postgres_server();
    format!("{base}/{database}{query}")
}

fn admin_connection() -> PgConnection {
    let url = postgres_url_for("postgres");
    PgConnection::establish(&url).unwrap_or_else(|e| {
        panic!(
            "PostgreSQL tests need a server: cannot connect to {} ({e}); start one or set {POSTGRES_URL_ENV}",
            postgres_server().0
        )
    })
}

/// Creates a new, empty database `al_t_<uuid>` on the test server and returns its URL. The
/// database is left behind; [`FreshPostgres`] drops it when done. Blocking.
pub fn fresh_postgres_url() -> String {
    let name = format!("al_t_{}", uuid::Uuid::now_v7().simple());
    let mut conn = admin_connection();
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name} failed: {e}"));
    postgres_url_for(&name)
}

/// The URL of a SQLite file inside `dir` (created on connect).
pub fn fresh_sqlite_url(dir: &TempDir) -> String {
    format!("sqlite://{}", dir.path().join("al-test.db").display())
}

/// A fresh PostgreSQL database that is dropped (connections and all) with this value.
#[derive(Debug)]
pub struct FreshPostgres {
    name: String,
    url: String,
}

impl FreshPostgres {
    /// Blocking; see [`fresh_postgres_url`].
    pub fn create() -> Self {
        let url = fresh_postgres_url();
        let name = url
            .rsplit('/')
            .next()
            .and_then(|tail| tail.split('?').next())
            .unwrap_or_default()
            .to_owned();
        FreshPostgres { name, url }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for FreshPostgres {
    fn drop(&mut self) {
        // Best effort: a leftover test database is harmless, a panic in drop is not.
        let dropped = PgConnection::establish(&postgres_url_for("postgres"))
            .map_err(|e| e.to_string())
            .and_then(|mut conn| {
                diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .execute(&mut conn)
                .map_err(|e| e.to_string())
            });
        if let Err(e) = dropped {
            eprintln!("warning: test database {} was not dropped: {e}", self.name);
        }
    }
}

/// Small pools: many tests run at once against one server.
fn test_options() -> DbOptions {
    DbOptions {
        max_connections: 4,
        ..DbOptions::default()
    }
}

/// Connects (and migrates) on the blocking pool; panics on failure.
pub async fn connect(url: String) -> Db {
    tokio::task::spawn_blocking(move || Db::connect_with(&url, test_options()))
        .await
        .expect("connect task")
        .unwrap_or_else(|e| panic!("cannot open the test database: {e}"))
}

/// Runs `body` against a fresh SQLite file.
pub async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = connect(fresh_sqlite_url(&dir)).await;
    body(db).await;
    drop(dir);
}

/// Runs `body` against a fresh PostgreSQL database, dropped afterwards.
pub async fn on_postgres<F, Fut>(body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    let pg = tokio::task::spawn_blocking(FreshPostgres::create)
        .await
        .expect("create database task");
    let db = connect(pg.url().to_owned()).await;
    body(db).await;
    tokio::task::spawn_blocking(move || drop(pg))
        .await
        .expect("drop database task");
}

/// A new business with a unique slug (all features on).
pub async fn create_business(db: &Db, name: &str) -> Business {
    let b = Business::new(name, format!("t-{}", uuid::Uuid::now_v7().simple()));
    let row = b.clone();
    db.run(move |conn| business::insert(conn, &row))
        .await
        .expect("insert business");
    b
}

/// How [`encode_png`] writes an image: colour type, bit depth and compression.
pub type PngFormat = (png::ColorType, png::BitDepth, png::Compression);

/// `data` (rows of samples in `format`) as a PNG of `width` × `height`, with a `tEXt` comment
/// when `text` is given: signature images for tests, valid or hostile.
pub fn encode_png(
    (width, height): (u32, u32),
    (color, depth, compression): PngFormat,
    data: &[u8],
    text: Option<&str>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(depth);
    encoder.set_compression(compression);
    if let Some(text) = text {
        encoder
            .add_text_chunk("Comment".into(), text.into())
            .expect("a Latin-1 comment");
    }
    let mut writer = encoder.write_header().expect("a valid PNG header");
    writer
        .write_image_data(data)
        .expect("rows that fit the size");
    writer.finish().expect("a complete PNG");
    out
}

/// Declares a test body (`async fn(Db)`) as two tokio tests, one per backend:
/// `backend_test!(my_body => my_body_sqlite, my_body_postgres);`
#[macro_export]
macro_rules! backend_test {
    ($body:path => $sqlite:ident, $postgres:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            $crate::test_support::on_sqlite($body).await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            $crate::test_support::on_postgres($body).await
        }
    };
}
