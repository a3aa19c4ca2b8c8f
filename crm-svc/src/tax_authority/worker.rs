//! The allocation worker: every [`POLL_INTERVAL`] it claims the allocation requests that are due
//! and asks the Tax Authority for their numbers.
//!
//! Several workers may run at once (one per crm-svc replica) and each request is still sent by
//! one of them at a time: a claim moves the request's `next_attempt_at` [`LEASE`] ahead inside a
//! write transaction (PostgreSQL `FOR UPDATE SKIP LOCKED`, SQLite `BEGIN IMMEDIATE`, like
//! [`crate::task_scheduler`]), so no other worker sees it as due while it is being asked; the
//! answer is stored only on a document still awaiting one. A replica that dies mid-request
//! leaves its claim to expire, and the request is asked again after the lease.
//!
//! Outcomes: the number → `allocated`, the PDF rendered with it; the Authority's refusal →
//! `refused` with its reason; a 401 → the token is refreshed and the request sent once more;
//! unreachable, 429 or 5xx → retried after [`Backoff`] (doubling up to its ceiling), the document
//! saying why it waits; not connected → it waits, saying so, and is looked at again every
//! [`NOT_CONNECTED_RECHECK`] (at once when the business connects).

use super::{Access, TaxAuthority, client::Failure, queries};
use crate::{
    db::{Db, write_transaction},
    document_pdfs,
    enums::AllocationStatus,
    error::Result,
    invoices::queries as invoice,
    strings, time,
};
use chrono::NaiveDateTime;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the worker looks for due requests.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How long a claimed request is left to the worker that claimed it.
pub const LEASE: Duration = Duration::from_secs(120);
/// Requests claimed per pass.
pub const BATCH: i64 = 20;
/// How often a request of a business that is not connected is looked at again.
pub const NOT_CONNECTED_RECHECK: Duration = Duration::from_secs(60);

/// The wait before the next attempt after a transient failure: `first`, doubling per attempt,
/// at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_secs(30),
            max: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// The wait after the `attempts`-th attempt failed (1 for the first).
    pub fn after(&self, attempts: i32) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
        self.first
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.max)
    }
}

fn at(now: NaiveDateTime, wait: Duration) -> NaiveDateTime {
    now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1))
}

/// How one request ended this time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Allocated(String),
    Refused(String),
    /// Try again after the backoff; the document shows the reason meanwhile.
    Retry(&'static str),
    /// Not connected (or not configured): look again later, attempts not counted.
    Wait(&'static str),
}

/// Runs passes until `shutdown`: every [`POLL_INTERVAL`], with the default [`Backoff`].
pub async fn run(db: Db, ta: Option<TaxAuthority>, shutdown: CancellationToken) -> Result<()> {
    run_every(db, ta, POLL_INTERVAL, Backoff::default(), shutdown).await
}

/// [`run`] with its own interval and backoff (tests).
pub async fn run_every(
    db: Db,
    ta: Option<TaxAuthority>,
    interval: Duration,
    backoff: Backoff,
    shutdown: CancellationToken,
) -> Result<()> {
    tracing::info!(configured = ta.is_some(), "allocation worker started");
    let mut failing = false;
    loop {
        match pass(&db, ta.as_ref(), backoff).await {
            Ok(_) => failing = false,
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "allocation pass failed; retrying");
                    failing = true;
                }
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!("allocation worker stopped");
    Ok(())
}

/// Claims the due requests and works them off; returns how many were claimed.
pub async fn pass(db: &Db, ta: Option<&TaxAuthority>, backoff: Backoff) -> Result<usize> {
    let now = time::now();
    let lease_until = at(now, LEASE);
    let claimed = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                queries::claim_due(conn, now, lease_until, BATCH)
            })
        })
        .await?;
    let n = claimed.len();
    for request in claimed {
        let outcome = match ask(db, ta, &request).await {
            Ok(Some(o)) => o,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(invoice_id = %request.invoice_id, error = %e, "allocation request failed");
                Outcome::Retry(strings::ALLOCATION_UNREACHABLE)
            }
        };
        settle(db, &request, outcome, backoff).await?;
    }
    Ok(n)
}

/// Asks the Authority for the number of `request` (`None`: the request is void and was dropped).
async fn ask(
    db: &Db,
    ta: Option<&TaxAuthority>,
    request: &queries::Request,
) -> Result<Option<Outcome>> {
    let (bid, id) = (request.business_id.clone(), request.invoice_id.clone());
    let inv = db.run(move |conn| invoice::find(conn, &bid, &id)).await?;
    let Some(inv) = inv.filter(|i| i.allocation_status == Some(AllocationStatus::Awaiting)) else {
        let id = request.invoice_id.clone();
        db.transaction(move |conn| queries::dequeue(conn, &id))
            .await?;
        return Ok(None);
    };
    let Some(ta) = ta else {
        return Ok(Some(Outcome::Wait(strings::ALLOCATION_NOT_CONFIGURED)));
    };
    let body = match super::approval_request(&inv, ta.config().software_number) {
        Ok(b) => b,
        Err(reason) => return Ok(Some(Outcome::Refused(reason))),
    };
    let (mut token, version) = match super::access(db, ta, &inv.business_id).await? {
        Access::Token { token, version } => (token, version),
        Access::NotConnected => return Ok(Some(Outcome::Wait(strings::ALLOCATION_NOT_CONNECTED))),
    };
    let mut answer = ta.client().approve(&token, &body).await;
    if answer == Err(Failure::Unauthorized) {
        match super::refresh(db, ta, &inv.business_id, version).await? {
            Access::Token { token: t, .. } => token = t,
            Access::NotConnected => {
                return Ok(Some(Outcome::Wait(strings::ALLOCATION_NOT_CONNECTED)));
            }
        }
        answer = ta.client().approve(&token, &body).await;
    }
    Ok(Some(match answer {
        Ok(number) => Outcome::Allocated(number),
        Err(Failure::Refused(reason)) => Outcome::Refused(reason),
        Err(Failure::Transient(reason)) => {
            tracing::warn!(invoice_id = %inv.id, reason = %reason, "the Tax Authority is unavailable");
            Outcome::Retry(strings::ALLOCATION_UNREACHABLE)
        }
        Err(Failure::Unauthorized) => Outcome::Retry(strings::ALLOCATION_UNREACHABLE),
    }))
}

/// Stores `outcome` of `request`.
async fn settle(
    db: &Db,
    request: &queries::Request,
    outcome: Outcome,
    backoff: Backoff,
) -> Result<()> {
    let now = time::now();
    let (bid, id) = (request.business_id.clone(), request.invoice_id.clone());
    let attempts = request.attempts;
    let done = matches!(outcome, Outcome::Allocated(_) | Outcome::Refused(_));
    let log = outcome.clone();
    db.transaction(move |conn| {
        match &outcome {
            Outcome::Allocated(number) => {
                queries::set_allocation(
                    conn,
                    &bid,
                    &id,
                    AllocationStatus::Allocated,
                    Some(number.as_str()),
                    None,
                    now,
                )?;
                queries::dequeue(conn, &id)?;
            }
            Outcome::Refused(reason) => {
                queries::set_allocation(
                    conn,
                    &bid,
                    &id,
                    AllocationStatus::Refused,
                    None,
                    Some(reason.as_str()),
                    now,
                )?;
                queries::dequeue(conn, &id)?;
            }
            Outcome::Retry(reason) => {
                queries::set_allocation(
                    conn,
                    &bid,
                    &id,
                    AllocationStatus::Awaiting,
                    None,
                    Some(*reason),
                    now,
                )?;
                queries::reschedule(conn, &id, at(now, backoff.after(attempts)), false)?;
            }
            Outcome::Wait(reason) => {
                queries::set_allocation(
                    conn,
                    &bid,
                    &id,
                    AllocationStatus::Awaiting,
                    None,
                    Some(*reason),
                    now,
                )?;
                queries::reschedule(conn, &id, at(now, NOT_CONNECTED_RECHECK), true)?;
            }
        }
        Ok(())
    })
    .await?;
    match &log {
        Outcome::Allocated(_) => {
            tracing::info!(invoice_id = %request.invoice_id, "allocation number received")
        }
        Outcome::Refused(reason) => {
            tracing::info!(invoice_id = %request.invoice_id, reason = %reason, "allocation refused")
        }
        Outcome::Retry(_) | Outcome::Wait(_) => {}
    }
    if done {
        // The document's PDF is stored once it has its final form.
        document_pdfs::after_issue(db, &request.business_id, request.invoice_id.as_str()).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling() {
        let b = Backoff {
            first: Duration::from_secs(30),
            max: Duration::from_secs(600),
        };
        assert_eq!(b.after(1), Duration::from_secs(30));
        assert_eq!(b.after(2), Duration::from_secs(60));
        assert_eq!(b.after(4), Duration::from_secs(240));
        assert_eq!(b.after(6), Duration::from_secs(600));
        assert_eq!(b.after(1000), Duration::from_secs(600));
        assert_eq!(b.after(0), Duration::from_secs(30));
    }
}
