//! Housekeeping of the bookkeeping tables, which would otherwise grow by a row per event for ever:
//! published `outbox` rows are kept [`OUTBOX_KEEP`] (to see what was announced when), and the
//! consumers' `processed_events` ids [`PROCESSED_KEEP`] — longer than the event stream keeps an
//! event, so nothing still deliverable can be applied twice. Unpublished outbox rows are never
//! removed. Deletes go in batches so no statement holds locks for long; any replica may prune.

use crate::{
    db::{Db, DbConn},
    error::Result,
    schema::{outbox, processed_events},
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long a published outbox row stays.
pub const OUTBOX_KEEP: chrono::Duration = chrono::Duration::days(7);
/// How long a processed event id stays: the stream keeps events 7 days, plus a day of margin.
pub const PROCESSED_KEEP: chrono::Duration = chrono::Duration::days(8);
/// Rows per delete statement.
pub const BATCH: i64 = 5_000;
/// How often [`run`] prunes.
const EVERY: Duration = Duration::from_secs(3600);
/// The first pass, a little after start-up (not competing with migrations and the first relay).
const FIRST_AFTER: Duration = Duration::from_secs(60);

/// What a pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub outbox: usize,
    pub processed_events: usize,
}

/// Removes what is older than the limits at `now`, in batches of `batch` rows.
pub async fn prune(db: &Db, now: NaiveDateTime, batch: i64) -> Result<Pruned> {
    let mut total = Pruned::default();
    loop {
        let pass = db.run(move |conn| prune_batch(conn, now, batch)).await?;
        total.outbox += pass.outbox;
        total.processed_events += pass.processed_events;
        if (pass.outbox as i64) < batch && (pass.processed_events as i64) < batch {
            return Ok(total);
        }
    }
}

/// One batch of each table. (Ids first, then a delete by id: diesel's MultiConnection cannot put
/// a limited subselect into `IN (…)`.)
fn prune_batch(conn: &mut DbConn, now: NaiveDateTime, batch: i64) -> Result<Pruned> {
    let published_before = now - OUTBOX_KEEP;
    let ids: Vec<String> = outbox::table
        .filter(outbox::published_at.lt(published_before))
        .select(outbox::id)
        .limit(batch)
        .load(conn)?;
    let outbox = if ids.is_empty() {
        0
    } else {
        diesel::delete(outbox::table.filter(outbox::id.eq_any(&ids))).execute(conn)?
    };
    let processed_before = now - PROCESSED_KEEP;
    let keys: Vec<(String, String)> = processed_events::table
        .filter(processed_events::processed_at.lt(processed_before))
        .select((processed_events::consumer, processed_events::event_id))
        .limit(batch)
        .load(conn)?;
    let mut processed = 0;
    // Grouped by consumer: one statement per consumer of the batch.
    let mut by_consumer: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (consumer, event_id) in keys {
        by_consumer.entry(consumer).or_default().push(event_id);
    }
    for (consumer, event_ids) in by_consumer {
        processed += diesel::delete(
            processed_events::table
                .filter(processed_events::consumer.eq(&consumer))
                .filter(processed_events::event_id.eq_any(&event_ids)),
        )
        .execute(conn)?;
    }
    Ok(Pruned {
        outbox,
        processed_events: processed,
    })
}

/// Prunes every [`EVERY`] until `shutdown`. A failed pass is logged and retried at the next.
pub async fn run(db: Db, shutdown: CancellationToken) -> Result<()> {
    let mut wait = FIRST_AFTER;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            _ = tokio::time::sleep(wait) => {}
        }
        wait = EVERY;
        match prune(&db, time::now(), BATCH).await {
            Ok(p) if p == Pruned::default() => {}
            Ok(p) => tracing::info!(
                outbox = p.outbox,
                processed_events = p.processed_events,
                "old bookkeeping rows removed"
            ),
            Err(e) => tracing::warn!(error = %e, "pruning bookkeeping rows failed"),
        }
    }
}
