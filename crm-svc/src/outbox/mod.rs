//! The outbox relay: publishes the events that transactions wrote into `outbox`, oldest first,
//! then marks them published.
//!
//! A crash between publishing and marking publishes the event again on the next pass, which the
//! bus de-duplicates by event id; two relays running at once both publish and both mark, which
//! loses nothing for the same reason. Rows are marked only by id, after their own publish.

pub mod queries;

pub use queries::OutboxRow;

use crate::{db::Db, error::Result, outbox::queries as outbox, time};
use agentlocator_common::bus::{EventBus, SharedBus};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Rows read per pass.
pub const BATCH: i64 = 100;
/// How often the relay looks without being poked.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayPass {
    /// Rows published and marked.
    pub published: usize,
    /// Rows whose payload does not decode, marked so they do not block the outbox.
    pub dropped: usize,
    /// Whether the batch was full (more rows may be waiting).
    pub full: bool,
}

/// Publishes one batch of unpublished rows. Stops at the first publish failure (keeping order)
/// and returns the error; rows published before it are marked.
pub async fn relay_once(db: &Db, bus: &dyn EventBus) -> Result<RelayPass> {
    let rows = db.run(|conn| outbox::unpublished(conn, BATCH)).await?;
    let mut pass = RelayPass {
        full: rows.len() as i64 >= BATCH,
        ..RelayPass::default()
    };
    let mut done: Vec<String> = Vec::with_capacity(rows.len());
    let mut failure = None;
    for row in &rows {
        match publish_row(bus, row).await {
            Ok(true) => pass.published += 1,
            Ok(false) => pass.dropped += 1,
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
        done.push(row.id.clone());
    }
    if !done.is_empty() {
        db.run(move |conn| outbox::mark_published(conn, &done, time::now()))
            .await?;
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(pass),
    }
}

/// Publishes one row; `Ok(false)` for a row that can never be published (logged).
async fn publish_row(bus: &dyn EventBus, row: &OutboxRow) -> Result<bool> {
    let event = match row.decode() {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(id = row.id, subject = row.subject, error = %e, "dropping an undecodable outbox row");
            return Ok(false);
        }
    };
    match bus.publish(&event).await {
        Ok(()) => Ok(true),
        Err(agentlocator_common::bus::BusError::InvalidEvent(e)) => {
            tracing::error!(id = row.id, error = %e, "dropping an outbox event without a valid subject");
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// Relays until `shutdown` is cancelled: a pass every [`POLL_INTERVAL`], at once when
/// [`Db::poke_outbox`] is called, and back to back while batches come back full. A pass in
/// progress when shutdown comes is finished; unpublished rows wait in the table for the next
/// start.
pub async fn run(db: Db, bus: SharedBus, shutdown: CancellationToken) -> Result<()> {
    let notify = db.outbox_notify();
    let mut failing = false;
    tracing::info!("outbox relay started");
    loop {
        let mut again = false;
        match relay_once(&db, bus.as_ref()).await {
            Ok(pass) => {
                if failing {
                    tracing::info!("outbox relay recovered");
                    failing = false;
                }
                again = pass.full;
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "outbox relay pass failed; retrying");
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
            _ = notify.notified() => {}
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
    tracing::info!("outbox relay stopped");
    Ok(())
}
