//! The import job runner: takes a queued import (or one whose worker's lease lapsed — a crashed
//! or restarted replica), and writes its planned rows batch by batch. Each batch commits with the
//! import's `processed_rows`, conditioned on the lease holder and the position the batch started
//! at, so two workers never both write a batch and a resumed job starts after the last commit.

use super::{BATCH, Options, parse, plan, queries, write_batch};
use crate::{
    db::{Db, write_transaction},
    error::{Error, Result},
    ids::ImportId,
    time,
};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often an idle worker looks for queued imports.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// How long a worker's claim lasts without a batch renewing it.
pub const LEASE: Duration = Duration::from_secs(30);

fn lease_until() -> chrono::NaiveDateTime {
    time::now() + chrono::Duration::from_std(LEASE).unwrap_or_default()
}

/// What one call of [`work_one`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Worked {
    /// Nothing was waiting.
    Idle,
    /// The import was finished (done or failed).
    Finished(ImportId),
    /// Stopped after the allowed batches (or at shutdown), the import still running.
    Paused(ImportId),
}

/// Claims the next waiting import for `holder` and works it: to the end, or for at most
/// `max_batches` batches (a test's simulated crash), or until `shutdown`.
pub async fn work_one(
    db: &Db,
    holder: &str,
    max_batches: Option<usize>,
    shutdown: &CancellationToken,
) -> Result<Worked> {
    let h = holder.to_owned();
    let claimed = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                queries::claim(conn, &h, time::now(), lease_until())
            })
        })
        .await?;
    let Some((id, business_id, mut processed)) = claimed else {
        return Ok(Worked::Idle);
    };
    let i = id.clone();
    let (text, delimiter, options) = db.run(move |conn| queries::content(conn, &i)).await?;
    let prepared = serde_json::from_str::<Options>(&options)
        .map_err(|e| format!("the import's options are unreadable: {e}"))
        .and_then(|o| {
            let d = delimiter.bytes().next().unwrap_or(b',');
            parse::table(&text, d)
                .map(|t| (o, t))
                .map_err(|e| e.to_string())
        });
    drop(text);
    let (options, table) = match prepared {
        Ok(v) => v,
        Err(failure) => {
            tracing::warn!(import = %id, %failure, "customer import failed");
            finish(db, &id, holder, Some(failure)).await?;
            return Ok(Worked::Finished(id));
        }
    };
    let rows = plan(
        &business_id,
        &id,
        &table,
        &options.mapping,
        options.duplicates,
    )
    .rows;
    drop(table);
    let mut batches = 0;
    let rows = std::sync::Arc::new(rows);
    while (processed as usize) < rows.len() {
        if shutdown.is_cancelled() || max_batches.is_some_and(|m| batches >= m) {
            if shutdown.is_cancelled() {
                let (i, h) = (id.clone(), holder.to_owned());
                db.run(move |conn| queries::release(conn, &i, &h, time::now()))
                    .await?;
            }
            return Ok(Worked::Paused(id));
        }
        let (i, h, b, r) = (
            id.clone(),
            holder.to_owned(),
            business_id.clone(),
            rows.clone(),
        );
        let from = processed;
        let duplicates = options.duplicates;
        let counts = db
            .transaction(move |conn| {
                let start = from as usize;
                let batch = &r[start..(start + BATCH).min(r.len())];
                let counts = write_batch(conn, &b, batch, duplicates)?;
                let now = time::now();
                if queries::advance(conn, &i, &h, from, counts, now, lease_until())? != 1 {
                    return Err(Error::Conflict(
                        "another worker took the import over".into(),
                    ));
                }
                Ok(counts)
            })
            .await?;
        processed += counts.processed;
        batches += 1;
    }
    finish(db, &id, holder, None).await?;
    tracing::info!(import = %id, rows = rows.len(), "customer import done");
    Ok(Worked::Finished(id))
}

async fn finish(db: &Db, id: &ImportId, holder: &str, failure: Option<String>) -> Result<()> {
    let (i, h) = (id.clone(), holder.to_owned());
    db.transaction(move |conn| {
        queries::finish(conn, &i, &h, failure.as_deref(), time::now()).map(|_| ())
    })
    .await
}

/// Works imports until `shutdown`: back to back while there are any, else every
/// [`POLL_INTERVAL`]. A failing pass is logged and retried (the import's lease lapses and the
/// job resumes where its last batch committed).
pub async fn run(db: Db, shutdown: CancellationToken) -> Result<()> {
    let holder = format!("imports-{}", uuid::Uuid::now_v7().simple());
    tracing::info!("customer import worker started");
    loop {
        let busy = match work_one(&db, &holder, None, &shutdown).await {
            Ok(Worked::Idle) => false,
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(error = %e, "customer import pass failed; retrying");
                false
            }
        };
        if shutdown.is_cancelled() {
            break;
        }
        if busy {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
    tracing::info!("customer import worker stopped");
    Ok(())
}
