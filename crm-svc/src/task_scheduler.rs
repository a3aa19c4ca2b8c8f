//! The task-due scheduler: every [`POLL_INTERVAL`] it finds the open tasks whose `due_at` has
//! passed and that were not announced yet, sets their `notified_at` and writes their `task.due`
//! event to the outbox — both in ONE transaction, so a task is marked exactly when its event is
//! queued.
//!
//! Several schedulers may run at once (one per crm-svc replica) and each due task is still
//! announced once: on PostgreSQL the candidate rows are taken with `FOR UPDATE SKIP LOCKED` (a
//! second scheduler skips rows the first holds and, once the first commits, no longer sees them
//! as un-notified); on SQLite the transaction is `BEGIN IMMEDIATE`, a single writer. The update
//! itself is also conditioned on `notified_at IS NULL`, so only rows actually claimed get an
//! event.

use crate::{
    db::{Db, DbConn, write_transaction},
    error::Result,
    ids::TaskId,
    outbox::queries as outbox,
    schema::tasks,
    tasks::Task,
    tasks::event,
    time,
};
use agentlocator_proto::v1::TaskEventKind;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the scheduler looks for due tasks.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Tasks announced per transaction; a fuller backlog is worked off in back-to-back passes.
pub const BATCH: i64 = 200;

/// Announces the tasks due at `now` (at most [`BATCH`]); returns the tasks announced.
pub async fn announce_due(db: &Db, now: NaiveDateTime) -> Result<Vec<Task>> {
    let announced = db
        .run(move |conn| write_transaction(conn, |conn| announce_due_in(conn, now)))
        .await?;
    if !announced.is_empty() {
        db.poke_outbox();
    }
    Ok(announced)
}

/// The ids of open, un-notified tasks due at `now`, oldest due first (a macro: the query is
/// finished differently per backend).
macro_rules! due {
    ($now:expr) => {
        tasks::table
            .filter(tasks::due_at.le($now))
            .filter(tasks::done.eq(false))
            .filter(tasks::notified_at.is_null())
            .select(tasks::id)
            .order((tasks::due_at.asc(), tasks::id.asc()))
            .limit(BATCH)
    };
}

/// Claims, marks and enqueues the due tasks inside the caller's transaction.
fn announce_due_in(conn: &mut DbConn, now: NaiveDateTime) -> Result<Vec<Task>> {
    let ids: Vec<TaskId> = match conn {
        DbConn::Postgres(pg) => due!(now).for_update().skip_locked().load(pg)?,
        DbConn::Sqlite(sqlite) => due!(now).load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let claimed = tasks::table
        .filter(tasks::id.eq_any(&ids))
        .filter(tasks::notified_at.is_null());
    diesel::update(claimed)
        .set(tasks::notified_at.eq(now))
        .execute(conn)?;
    let announced: Vec<Task> = tasks::table
        .filter(tasks::id.eq_any(&ids))
        .filter(tasks::notified_at.eq(now))
        .order((tasks::due_at.asc(), tasks::id.asc()))
        .select(Task::as_select())
        .load(conn)?;
    for task in &announced {
        outbox::enqueue(conn, &event(task, TaskEventKind::Due, now))?;
    }
    Ok(announced)
}

/// Runs passes until `shutdown` is cancelled: one every [`POLL_INTERVAL`], back to back while
/// batches come back full. A failing pass (database unreachable) is logged and retried.
pub async fn run(db: Db, shutdown: CancellationToken) -> Result<()> {
    run_every(db, POLL_INTERVAL, shutdown).await
}

/// [`run`] with its own interval (tests and benchmarks).
pub async fn run_every(db: Db, interval: Duration, shutdown: CancellationToken) -> Result<()> {
    tracing::info!(
        interval_ms = interval.as_millis() as u64,
        "task scheduler started"
    );
    let mut failing = false;
    loop {
        let mut again = false;
        match announce_due(&db, time::now()).await {
            Ok(announced) => {
                if failing {
                    tracing::info!("task scheduler recovered");
                    failing = false;
                }
                if !announced.is_empty() {
                    tracing::debug!(count = announced.len(), "due tasks announced");
                }
                again = announced.len() as i64 >= BATCH;
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "task scheduler pass failed; retrying");
                    failing = true;
                }
            }
        }
        if shutdown.is_cancelled() {
            break;
        }
        if again {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!("task scheduler stopped");
    Ok(())
}
