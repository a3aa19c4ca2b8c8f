//! Storage over two backends, vaultwarden style: one diesel schema, a `MultiConnection` enum with a
//! SQLite and a PostgreSQL variant, an r2d2 pool, and per-backend migrations embedded in the binary
//! and applied by [`Db::connect`].
//!
//! `DATABASE_URL` forms: `sqlite://path` (relative `sqlite://./data/x.db` or absolute
//! `sqlite:///var/lib/x.db`; the parent directory is created), `sqlite:path`, `postgres://…`,
//! `postgresql://…`.

use crate::error::{Error, Result};
use diesel::{
    Connection, PgConnection, RunQueryDsl, SqliteConnection,
    connection::{AnsiTransactionManager, SimpleConnection, TransactionManager},
    r2d2::{CustomizeConnection, ManageConnection, Pool, R2D2Connection},
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::{path::PathBuf, sync::Arc, time::Duration};
use tokio::sync::Notify;

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Applied to every SQLite connection: WAL so readers do not block the writer, foreign keys
/// enforced (SQLite's default is off), and waiting up to 5 s for a lock instead of failing.
/// `busy_timeout` comes first so that switching to WAL waits for a lock too. `synchronous` stays
/// at its default (FULL): consumers ack an event once its transaction commits, so a commit must
/// survive a power cut.
const SQLITE_PRAGMAS: &str =
    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;";

/// Arbitrary, fixed key of the PostgreSQL advisory lock that serialises migrations when several
/// replicas start at once.
const MIGRATION_LOCK_KEY: i64 = 0x414c_4352_4d00; // "ALCRM"

/// A connection to either backend. Queries written with the diesel DSL against [`crate::schema`]
/// run on both; the rare backend-specific statement goes through [`with_backend!`].
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the backend's own connection (`&mut PgConnection` or
/// `&mut SqliteConnection`), for the few statements the multi-backend DSL cannot express
/// (e.g. `ON CONFLICT DO NOTHING`). The body is compiled once per backend.
macro_rules! with_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Postgres($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}
pub(crate) use with_backend;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where to connect, parsed from a `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Target {
    fn parse(url: &str) -> Result<Target> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| {
                // Only the scheme: the URL may hold a password.
                let scheme = url.split_once(':').map_or("", |(s, _)| s);
                Error::Connect(format!(
                    "unsupported DATABASE_URL scheme {scheme:?}: use sqlite://path, sqlite:path, \
                     postgres://… or postgresql://…"
                ))
            })?;
        if path.is_empty() {
            return Err(Error::Connect("DATABASE_URL names no SQLite file".into()));
        }
        if path == ":memory:" {
            return Err(Error::Connect(
                "in-memory SQLite is not supported: every pooled connection would see its own \
                 empty database; use a file"
                    .into(),
            ));
        }
        Ok(Target::Sqlite(PathBuf::from(path)))
    }

    fn backend(&self) -> Backend {
        match self {
            Target::Sqlite(_) => Backend::Sqlite,
            Target::Postgres(_) => Backend::Postgres,
        }
    }

    /// Opens one connection of the right backend (SQLite with its pragmas applied).
    fn establish(&self) -> Result<DbConn, diesel::r2d2::Error> {
        use diesel::r2d2::Error as E;
        match self {
            Target::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Postgres)
                .map_err(E::ConnectionError),
            Target::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    E::ConnectionError(diesel::ConnectionError::InvalidConnectionUrl(
                        "the SQLite path is not valid UTF-8".into(),
                    ))
                })?;
                let mut conn = SqliteConnection::establish(path).map_err(E::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS).map_err(E::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// Makes the SQLite database at `path` readable by its owner only (see
/// [`agentlocator_common::private_file::make_sqlite_private`]).
fn make_private(path: &std::path::Path) -> Result<()> {
    agentlocator_common::private_file::make_sqlite_private(path)
        .map_err(|e| Error::Connect(e.to_string()))
}

/// The r2d2 manager: opens connections of one backend directly (the derived
/// `MultiConnection::establish` would try every backend in turn).
#[derive(Debug)]
struct Manager {
    target: Target,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        self.target.establish()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Re-applies the SQLite pragmas whenever the pool hands out a new connection. `establish`
/// already sets them; this keeps the guarantee in one visible place should connections ever be
/// opened another way.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            c.batch_execute(SQLITE_PRAGMAS)
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Pool settings; [`Db::connect`] uses the defaults.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// How long a caller waits for a free connection before [`Error::Pool`].
    pub connection_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            connection_timeout: Duration::from_secs(10),
        }
    }
}

/// The database handle shared by everything in crm-svc: a connection pool plus the signal that
/// wakes the outbox relay. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: Backend,
    outbox_notify: Arc<Notify>,
    /// The businesses' validated opening hours, for the WhatsApp closure reply.
    hours_cache: Arc<crate::hours::cache::HoursCache>,
    agent_notify: Arc<Notify>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .field("pool", &self.pool.state())
            .finish()
    }
}

impl Db {
    /// Connects, applies the backend's pending migrations, and builds the pool. Blocking: call it
    /// at start-up (or from `spawn_blocking`).
    pub fn connect(database_url: &str) -> Result<Db> {
        Self::connect_with(database_url, DbOptions::default())
    }

    pub fn connect_with(database_url: &str, options: DbOptions) -> Result<Db> {
        let target = Target::parse(database_url)?;
        if let Target::Sqlite(path) = &target {
            make_private(path)?;
        }
        let mut conn = target
            .establish()
            .map_err(|e| Error::Connect(e.to_string()))?;
        run_migrations(&mut conn)?;
        drop(conn);

        let backend = target.backend();
        let pool = Pool::builder()
            .max_size(options.max_connections.max(1))
            .min_idle(Some(1))
            .connection_timeout(options.connection_timeout)
            .connection_customizer(Box::new(SqlitePragmas))
            .build(Manager { target })
            .map_err(|e| Error::Connect(e.to_string()))?;
        tracing::info!(backend = backend.as_str(), "database ready");
        Ok(Db {
            pool,
            backend,
            outbox_notify: Arc::new(Notify::new()),
            hours_cache: Arc::default(),
            agent_notify: Arc::new(Notify::new()),
        })
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        self.backend.as_str()
    }

    pub fn backend_kind(&self) -> Backend {
        self.backend
    }

    /// Runs `f` on a pooled connection on tokio's blocking pool. No transaction is opened; use
    /// [`Db::transaction`] for changes that must land together.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut DbConn) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` inside one write transaction on a pooled connection: committed when `f` returns
    /// `Ok`, rolled back otherwise. On SQLite the transaction is `BEGIN IMMEDIATE`, so it takes
    /// the write lock up front (waiting `busy_timeout`) instead of failing with `SQLITE_BUSY` when
    /// a read turns into a write.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut DbConn) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| write_transaction(conn, f)).await
    }

    /// Readiness: a connection can be had and answers a query.
    pub async fn check(&self) -> Result<()> {
        self.run(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await
    }

    /// Wakes the outbox relay; call after committing a transaction that wrote outbox rows.
    pub fn poke_outbox(&self) {
        self.outbox_notify.notify_one();
    }

    /// This process's cache of the businesses' opening hours (kept while business changes are
    /// followed: [`crate::hours::cache::follow`]).
    pub fn hours_cache(&self) -> &Arc<crate::hours::cache::HoursCache> {
        &self.hours_cache
    }

    /// The signal [`Db::poke_outbox`] raises, for the relay to wait on.
    pub fn outbox_notify(&self) -> Arc<Notify> {
        self.outbox_notify.clone()
    }

    /// Wakes the WhatsApp agent's scheduler; call after committing a new inbound message.
    pub fn poke_agent(&self) {
        self.agent_notify.notify_one();
    }

    /// The signal [`Db::poke_agent`] raises, for the scheduler to wait on.
    pub fn agent_notify(&self) -> Arc<Notify> {
        self.agent_notify.clone()
    }
}

/// One write transaction on `conn` (see [`Db::transaction`]).
pub fn write_transaction<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T>,
) -> Result<T> {
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Postgres(_) => <DbConn as TransactionManager<DbConn>>::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as TransactionManager<DbConn>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) =
                <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn)
            {
                // The original error is the interesting one; the pool drops a connection whose
                // transaction state is broken.
                tracing::warn!(error = %rollback, "rollback failed");
            }
            Err(error)
        }
    }
}

fn run_migrations(conn: &mut DbConn) -> Result<()> {
    let migration_error =
        |e: Box<dyn std::error::Error + Send + Sync>| Error::Migration(e.to_string());
    match conn {
        DbConn::Postgres(pg) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .execute(pg)?;
            let applied = pg
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                .execute(pg)?;
            log_applied(applied.map_err(migration_error)?, Backend::Postgres);
        }
        DbConn::Sqlite(sqlite) => {
            let applied = sqlite
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(migration_error)?
                .len();
            log_applied(applied, Backend::Sqlite);
        }
    }
    Ok(())
}

fn log_applied(count: usize, backend: Backend) {
    if count > 0 {
        tracing::info!(
            backend = backend.as_str(),
            count,
            "database migrations applied"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_sqlite_database_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let file = dir.join("al.db");
        let url = format!("sqlite://{}", file.display());
        let db = Db::connect(&url).unwrap();
        assert_eq!((mode(&dir), mode(&file)), (0o700, 0o600));
        drop(db);
        // A database left readable by an older version is made private on start, WAL included.
        for p in [&file, &dir.join("al.db-wal")] {
            if p.exists() {
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
            }
        }
        let _db = Db::connect(&url).unwrap();
        assert_eq!(mode(&file), 0o600);
        let wal = dir.join("al.db-wal");
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600);
        }
    }

    #[test]
    fn urls_select_the_backend() {
        assert_eq!(
            Target::parse("sqlite://./data/al.db").unwrap(),
            Target::Sqlite("./data/al.db".into())
        );
        assert_eq!(
            Target::parse("sqlite:///var/lib/al.db").unwrap(),
            Target::Sqlite("/var/lib/al.db".into())
        );
        assert_eq!(
            Target::parse("sqlite:al.db").unwrap(),
            Target::Sqlite("al.db".into())
        );
        assert_eq!(
            Target::parse("postgres://u:p@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            Target::parse("postgresql://h/db").unwrap().backend(),
            Backend::Postgres
        );
        for bad in [
            "mysql://u:secret@h/db",
            "sqlite://",
            "sqlite://:memory:",
            "./al.db",
        ] {
            let err = Target::parse(bad).unwrap_err().to_string();
            assert!(!err.contains("secret"), "{err}");
        }
    }
}
