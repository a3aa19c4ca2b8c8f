//! The on-disk journal of the embedded bus: `DATA_DIR/events.db`, a SQLite file of its own.
//!
//! One writer thread owns the connection. Publishes, acks and consumer registrations queue up
//! on a channel; the writer takes everything queued (up to [`MAX_BATCH`]) and applies it in ONE
//! transaction, so concurrent publishers share one fsync (group commit). A publish is answered
//! only after its commit: `publish` returning `Ok` means the event is on disk.
//!
//! Durability: WAL with `synchronous = FULL` for every batch that holds a publish — the WAL is
//! fsynced at each such commit, so an accepted event survives a power cut as well as a crash
//! (`NORMAL` in WAL mode would only survive a process crash: the last commits could roll back
//! after a power loss). Batches of acks only commit with `synchronous = NORMAL`: they survive a
//! process crash, and the worst a power cut does to an ack is a redelivery, which consumers
//! recognise by the event id.
//!
//! The file is opened with `locking_mode = EXCLUSIVE`: one process owns the journal (a second
//! one fails at start-up instead of silently consuming the same events on its own).

use super::BusError;
use agentlocator_proto::Event;
use diesel::{
    Connection, QueryableByName, RunQueryDsl, SqliteConnection, connection::SimpleConnection,
    sql_query, sql_types,
};
use prost::Message as _;
use std::{
    collections::{HashMap, HashSet},
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
        mpsc,
    },
    time::{Duration, Instant},
};
use tokio::sync::oneshot;

/// Most operations committed in one transaction.
const MAX_BATCH: usize = 1_000;
/// Events stay this long at least, acked or not (a durable consumer created later still sees
/// them, and re-published ids are recognised as duplicates within it).
const KEEP_ACKED: Duration = Duration::from_secs(10 * 60);
/// Events are dropped after this long even if a consumer never acked them (JetStream's max_age
/// on NATS); a consumer not subscribed for this long no longer holds events back.
const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// How often the writer prunes events every consumer is done with.
const PRUNE_EVERY: Duration = Duration::from_secs(30);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    payload BLOB NOT NULL,
    published_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_published_at ON events (published_at);
CREATE TABLE IF NOT EXISTS consumers (
    name TEXT PRIMARY KEY,
    floor INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS acks (
    consumer TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (consumer, seq)
) WITHOUT ROWID;
";

/// An event read back from the journal at start-up.
pub(super) struct Stored {
    pub seq: u64,
    pub subject: String,
    pub event: Event,
}

/// A durable consumer's progress as the journal has it: every event below `floor` is done, and
/// of those at or above it, the `acked` ones are.
#[derive(Default)]
pub(super) struct Progress {
    pub floor: u64,
    pub acked: HashSet<u64>,
}

/// What the journal holds when it is opened.
pub(super) struct Loaded {
    pub events: Vec<Stored>,
    pub consumers: HashMap<String, Progress>,
}

/// An event to store: it reaches the in-memory log through the writer's `on_commit`.
pub(super) struct Pending {
    pub subject: String,
    pub event: Event,
    pub parent: opentelemetry::Context,
}

/// Called by the writer after each commit, in sequence order: the new events (with their
/// sequence numbers) and, after a prune, the oldest sequence number still stored.
pub(super) trait Sink: Send + Sync + 'static {
    fn committed(&self, events: Vec<(u64, Pending)>);
    fn pruned(&self, oldest_kept: u64);
}

type Reply = oneshot::Sender<Result<(), String>>;

enum Op {
    Publish(Box<Pending>, Reply),
    /// `consumer` acked `seq`; everything below `floor` is done.
    Ack {
        consumer: String,
        seq: u64,
        floor: u64,
        reply: Option<Reply>,
    },
    /// `consumer` subscribed; it starts at `floor` when new.
    Subscribe {
        consumer: String,
        floor: u64,
        reply: Reply,
    },
}

/// The handle publishers and consumers use; the writer thread stops when it is dropped.
pub(super) struct Journal {
    ops: mpsc::Sender<Op>,
    healthy: Arc<AtomicBool>,
}

impl Journal {
    /// Opens (creating when missing) the journal at `path` and reads what it holds. The writer
    /// starts with [`Journal::start`] once the in-memory side exists.
    pub fn open(path: &Path) -> Result<(SqliteConnection, Loaded), BusError> {
        let fail = |reason: String| BusError::Connect {
            url: path.display().to_string(),
            reason,
        };
        // The journal holds the events' payloads (message bodies, phone numbers): owner only.
        crate::private_file::make_sqlite_private(path).map_err(|e| fail(e.to_string()))?;
        let url = path
            .to_str()
            .ok_or_else(|| fail("the path is not UTF-8".into()))?;
        let mut conn = SqliteConnection::establish(url).map_err(|e| fail(e.to_string()))?;
        // Locked: another process holds the file (or a bus of this one not yet closed, which
        // busy_timeout waits for).
        let in_use = |e: diesel::result::Error| {
            fail(format!(
                "{e} (is another AgentLocator process using this DATA_DIR?)"
            ))
        };
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000; PRAGMA locking_mode = EXCLUSIVE; \
             PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;",
        )
        .map_err(in_use)?;
        conn.immediate_transaction(|c| c.batch_execute(SCHEMA))
            .map_err(in_use)?;
        let loaded = load(&mut conn).map_err(|e| fail(e.to_string()))?;
        Ok((conn, loaded))
    }

    /// Starts the writer thread on `conn`.
    pub fn start(conn: SqliteConnection, sink: std::sync::Weak<dyn Sink>) -> Self {
        let (ops, rx) = mpsc::channel();
        let healthy = Arc::new(AtomicBool::new(true));
        let writer = Writer {
            conn,
            rx,
            sink,
            healthy: healthy.clone(),
            synchronous_full: true,
            last_prune: Instant::now(),
        };
        std::thread::Builder::new()
            .name("bus-journal".into())
            .spawn(move || writer.run())
            .expect("spawn the bus journal writer");
        Journal { ops, healthy }
    }

    async fn call(&self, op: impl FnOnce(Reply) -> Op) -> Result<(), String> {
        let stopped = || {
            // Only a panic in the writer gets here: nothing can be stored any more.
            self.healthy.store(false, Ordering::Relaxed);
            "the journal writer stopped".to_string()
        };
        let (reply, answer) = oneshot::channel();
        self.ops.send(op(reply)).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Stores `pending`; returns once it is committed (or was stored before, same id).
    pub async fn publish(&self, pending: Pending) -> Result<(), String> {
        self.call(|reply| Op::Publish(Box::new(pending), reply))
            .await
    }

    /// Records an ack; returns once it is committed.
    pub async fn ack(&self, consumer: &str, seq: u64, floor: u64) -> Result<(), String> {
        self.call(|reply| Op::Ack {
            consumer: consumer.to_string(),
            seq,
            floor,
            reply: Some(reply),
        })
        .await
    }

    /// Records an ack without waiting for it (where nobody can wait: an event given up on).
    pub fn ack_later(&self, consumer: &str, seq: u64, floor: u64) {
        let _ = self.ops.send(Op::Ack {
            consumer: consumer.to_string(),
            seq,
            floor,
            reply: None,
        });
    }

    /// Registers a durable consumer (new ones start at `floor`), so pruning waits for it.
    pub async fn subscribe(&self, consumer: &str, floor: u64) -> Result<(), String> {
        self.call(|reply| Op::Subscribe {
            consumer: consumer.to_string(),
            floor,
            reply,
        })
        .await
    }

    /// Whether the last commit succeeded.
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[derive(QueryableByName)]
struct EventRow {
    #[diesel(sql_type = sql_types::BigInt)]
    seq: i64,
    #[diesel(sql_type = sql_types::Text)]
    subject: String,
    #[diesel(sql_type = sql_types::Binary)]
    payload: Vec<u8>,
}

#[derive(QueryableByName)]
struct ConsumerRow {
    #[diesel(sql_type = sql_types::Text)]
    name: String,
    #[diesel(sql_type = sql_types::BigInt)]
    floor: i64,
}

#[derive(QueryableByName)]
struct AckRow {
    #[diesel(sql_type = sql_types::Text)]
    consumer: String,
    #[diesel(sql_type = sql_types::BigInt)]
    seq: i64,
}

#[derive(QueryableByName)]
struct SeqRow {
    #[diesel(sql_type = sql_types::BigInt)]
    seq: i64,
}

fn load(conn: &mut SqliteConnection) -> diesel::QueryResult<Loaded> {
    let rows: Vec<EventRow> =
        sql_query("SELECT seq, subject, payload FROM events ORDER BY seq").load(conn)?;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        match Event::decode(row.payload.as_slice()) {
            Ok(event) => events.push(Stored {
                seq: row.seq as u64,
                subject: row.subject,
                event,
            }),
            // Written by this code, so only a damaged file gets here; skip, do not loop.
            Err(e) => {
                tracing::error!(seq = row.seq, error = %e, "undecodable event in the journal skipped")
            }
        }
    }
    let mut consumers: HashMap<String, Progress> = HashMap::new();
    for c in sql_query("SELECT name, floor FROM consumers").load::<ConsumerRow>(conn)? {
        consumers.entry(c.name).or_default().floor = c.floor as u64;
    }
    for a in sql_query("SELECT consumer, seq FROM acks").load::<AckRow>(conn)? {
        consumers
            .entry(a.consumer)
            .or_default()
            .acked
            .insert(a.seq as u64);
    }
    Ok(Loaded { events, consumers })
}

struct Writer {
    conn: SqliteConnection,
    rx: mpsc::Receiver<Op>,
    sink: std::sync::Weak<dyn Sink>,
    healthy: Arc<AtomicBool>,
    /// The connection's current `synchronous` setting.
    synchronous_full: bool,
    last_prune: Instant,
}

/// What one batch stores, and whom to answer once it is committed.
#[derive(Default)]
struct Batch {
    publishes: Vec<(Pending, Reply)>,
    acks: Vec<(String, u64)>,
    /// Highest floor per consumer in this batch.
    floors: HashMap<String, u64>,
    subscribes: Vec<(String, u64)>,
    replies: Vec<Reply>,
}

impl Batch {
    fn add(&mut self, op: Op) {
        match op {
            Op::Publish(p, reply) => self.publishes.push((*p, reply)),
            Op::Ack {
                consumer,
                seq,
                floor,
                reply,
            } => {
                let f = self.floors.entry(consumer.clone()).or_default();
                *f = (*f).max(floor);
                self.acks.push((consumer, seq));
                self.replies.extend(reply);
            }
            Op::Subscribe {
                consumer,
                floor,
                reply,
            } => {
                self.subscribes.push((consumer, floor));
                self.replies.push(reply);
            }
        }
    }
}

impl Writer {
    fn run(mut self) {
        loop {
            let first = match self.rx.recv_timeout(PRUNE_EVERY) {
                Ok(op) => op,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    self.prune_if_due();
                    continue;
                }
                // Every handle is gone: the bus was dropped.
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            };
            let mut batch = Batch::default();
            batch.add(first);
            let mut n = 1;
            while n < MAX_BATCH {
                match self.rx.try_recv() {
                    Ok(op) => batch.add(op),
                    Err(_) => break,
                }
                n += 1;
            }
            self.commit(batch);
            self.prune_if_due();
        }
    }

    fn set_synchronous(&mut self, full: bool) -> diesel::QueryResult<()> {
        if self.synchronous_full != full {
            let level = if full { "FULL" } else { "NORMAL" };
            self.conn
                .batch_execute(&format!("PRAGMA synchronous = {level}"))?;
            self.synchronous_full = full;
        }
        Ok(())
    }

    fn commit(&mut self, batch: Batch) {
        let Batch {
            publishes,
            acks,
            floors,
            subscribes,
            replies,
        } = batch;
        let (pending, publish_replies): (Vec<Pending>, Vec<Reply>) = publishes.into_iter().unzip();
        let result = self.set_synchronous(!pending.is_empty()).and_then(|()| {
            self.conn.immediate_transaction(|conn| {
                let seqs = insert_events(conn, &pending)?;
                record_progress(conn, &acks, &floors, &subscribes)?;
                Ok::<_, diesel::result::Error>(seqs)
            })
        });
        let outcome = match result {
            Ok(seqs) => {
                self.healthy.store(true, Ordering::Relaxed);
                let committed: Vec<(u64, Pending)> = seqs
                    .into_iter()
                    .zip(pending)
                    .filter_map(|(seq, p)| seq.map(|s| (s, p)))
                    .collect();
                if !committed.is_empty()
                    && let Some(sink) = self.sink.upgrade()
                {
                    sink.committed(committed);
                }
                Ok(())
            }
            Err(e) => {
                self.healthy.store(false, Ordering::Relaxed);
                tracing::error!(error = %e, "writing the event journal failed");
                Err(format!("writing the event journal failed: {e}"))
            }
        };
        for reply in publish_replies.into_iter().chain(replies) {
            let _ = reply.send(outcome.clone());
        }
    }

    fn prune_if_due(&mut self) {
        if self.last_prune.elapsed() < PRUNE_EVERY {
            return;
        }
        self.last_prune = Instant::now();
        match prune(&mut self.conn) {
            Ok(Some(oldest)) => {
                if let Some(sink) = self.sink.upgrade() {
                    sink.pruned(oldest);
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "pruning the event journal failed"),
        }
    }
}

/// Inserts `pending`; the sequence number of each, `None` for an id stored before.
fn insert_events(
    conn: &mut SqliteConnection,
    pending: &[Pending],
) -> diesel::QueryResult<Vec<Option<u64>>> {
    let now = now_ms();
    let mut seen = HashSet::new();
    let mut seqs = Vec::with_capacity(pending.len());
    for p in pending {
        if !seen.insert(p.event.id.as_str()) {
            seqs.push(None); // the same id twice in one batch
            continue;
        }
        let rows: Vec<SeqRow> = sql_query(
            "INSERT INTO events (id, subject, payload, published_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING RETURNING seq",
        )
        .bind::<sql_types::Text, _>(&p.event.id)
        .bind::<sql_types::Text, _>(&p.subject)
        .bind::<sql_types::Binary, _>(p.event.encode_to_vec())
        .bind::<sql_types::BigInt, _>(now)
        .load(conn)?;
        seqs.push(rows.first().map(|r| r.seq as u64));
    }
    Ok(seqs)
}

fn record_progress(
    conn: &mut SqliteConnection,
    acks: &[(String, u64)],
    floors: &HashMap<String, u64>,
    subscribes: &[(String, u64)],
) -> diesel::QueryResult<()> {
    let now = now_ms();
    for (consumer, floor) in subscribes {
        sql_query(
            "INSERT INTO consumers (name, floor, last_seen) VALUES (?, ?, ?) \
             ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen",
        )
        .bind::<sql_types::Text, _>(consumer)
        .bind::<sql_types::BigInt, _>(*floor as i64)
        .bind::<sql_types::BigInt, _>(now)
        .execute(conn)?;
    }
    for (consumer, seq) in acks {
        // Acks below the floor are implied by it.
        if floors.get(consumer).is_some_and(|f| seq < f) {
            continue;
        }
        sql_query("INSERT INTO acks (consumer, seq) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind::<sql_types::Text, _>(consumer)
            .bind::<sql_types::BigInt, _>(*seq as i64)
            .execute(conn)?;
    }
    for (consumer, floor) in floors {
        sql_query("UPDATE consumers SET floor = MAX(floor, ?), last_seen = ? WHERE name = ?")
            .bind::<sql_types::BigInt, _>(*floor as i64)
            .bind::<sql_types::BigInt, _>(now)
            .bind::<sql_types::Text, _>(consumer)
            .execute(conn)?;
        sql_query("DELETE FROM acks WHERE consumer = ? AND seq < ?")
            .bind::<sql_types::Text, _>(consumer)
            .bind::<sql_types::BigInt, _>(*floor as i64)
            .execute(conn)?;
    }
    Ok(())
}

/// Deletes events older than [`MAX_AGE`], and those older than [`KEEP_ACKED`] that every
/// consumer seen within [`MAX_AGE`] is done with. Returns the oldest sequence number kept when
/// something was deleted.
fn prune(conn: &mut SqliteConnection) -> diesel::QueryResult<Option<u64>> {
    let now = now_ms();
    let max_age = MAX_AGE.as_millis() as i64;
    let keep = KEEP_ACKED.as_millis() as i64;
    let deleted = conn.immediate_transaction(|conn| {
        sql_query(
            "DELETE FROM events WHERE published_at < ?1 OR (published_at < ?2 AND seq < \
             (SELECT COALESCE(MIN(floor), 0) FROM consumers WHERE last_seen >= ?1))",
        )
        .bind::<sql_types::BigInt, _>(now - max_age)
        .bind::<sql_types::BigInt, _>(now - keep)
        .execute(conn)
    })?;
    if deleted == 0 {
        return Ok(None);
    }
    let oldest: Vec<SeqRow> = sql_query(
        "SELECT COALESCE(MIN(seq), (SELECT seq + 1 FROM sqlite_sequence WHERE name = 'events')) \
         AS seq FROM events",
    )
    .load(conn)?;
    tracing::debug!(deleted, "event journal pruned");
    Ok(oldest.first().map(|r| r.seq as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(conn: &mut SqliteConnection, id: &str, published_at: i64) {
        sql_query(
            "INSERT INTO events (id, subject, payload, published_at) VALUES (?, 'b1.task.due', x'', ?)",
        )
        .bind::<sql_types::Text, _>(id)
        .bind::<sql_types::BigInt, _>(published_at)
        .execute(conn)
        .unwrap();
    }

    fn ids(conn: &mut SqliteConnection) -> Vec<i64> {
        sql_query("SELECT seq FROM events ORDER BY seq")
            .load::<SeqRow>(conn)
            .unwrap()
            .into_iter()
            .map(|r| r.seq)
            .collect()
    }

    #[cfg(unix)]
    #[test]
    fn the_journal_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("events.db");
        let (_conn, _) = Journal::open(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(path.parent().unwrap()), mode(&path)), (0o700, 0o600));
    }

    #[test]
    fn pruning_keeps_what_a_consumer_still_needs_and_recent_events() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, _) = Journal::open(&dir.path().join("events.db")).unwrap();
        let now = now_ms();
        let hour = 3_600_000;
        insert(&mut conn, "old-done", now - 2 * hour); // seq 1
        insert(&mut conn, "old-not-done", now - 2 * hour); // seq 2
        insert(&mut conn, "recent-done", now - 1_000); // seq 3
        insert(&mut conn, "ancient", now - 8 * 24 * hour); // seq 4, past MAX_AGE
        insert(&mut conn, "new", now); // seq 5
        // No consumer yet: only what is past MAX_AGE goes.
        assert_eq!(prune(&mut conn).unwrap(), Some(1));
        assert_eq!(ids(&mut conn), [1, 2, 3, 5]);
        // A consumer done with seq 1 and 3 (floor 2, as far as it is contiguous) and a
        // consumer not seen for longer than MAX_AGE, which holds nothing back.
        sql_query(
            "INSERT INTO consumers (name, floor, last_seen) VALUES ('crm', 2, ?), ('gone', 0, ?)",
        )
        .bind::<sql_types::BigInt, _>(now)
        .bind::<sql_types::BigInt, _>(now - 8 * 24 * hour)
        .execute(&mut conn)
        .unwrap();
        assert_eq!(prune(&mut conn).unwrap(), Some(2));
        assert_eq!(ids(&mut conn), [2, 3, 5]);
        assert_eq!(prune(&mut conn).unwrap(), None, "nothing more to prune");
    }
}
