//! Bus consumers of notify-svc.
//!
//! - **Live** ([`run_live`]): a fan-out consumer per replica, so every replica sees every event
//!   and emits it to the Socket.IO connections it holds. Nothing is stored: an event published
//!   while a replica is down is not replayed to it (its browsers were disconnected anyway).
//! - **Push** ([`run_push`]): one durable consumer shared by all replicas, so each event is sent
//!   as Web Push once, and one published while notify-svc was down is still sent.

use crate::events::{Notification, notification_for, signed_out_user};
use agentlocator_common::bus::{BusError, ConsumerSpec, Delivery, SharedBus};
use futures::{StreamExt, future::BoxFuture};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Name (prefix) of the per-replica fan-out consumer.
pub const LIVE_CONSUMER: &str = "notify-svc-live";
/// Durable name of the Web Push consumer shared by every replica.
pub const PUSH_CONSUMER: &str = "notify-svc-push";
/// Wait before a transiently failed event is delivered again, and after a receive error.
pub const RETRY_DELAY: Duration = Duration::from_secs(2);

/// What handling a notification did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Done (or nothing to do): ack.
    Done,
    /// Failed for now: deliver again later.
    Retry,
}

/// Consumes `spec` until `shutdown`, calling `handle` for every event that notifies staff and
/// acking the rest at once.
pub async fn consume<H>(
    bus: SharedBus,
    spec: ConsumerSpec,
    shutdown: CancellationToken,
    handle: H,
) -> Result<(), BusError>
where
    H: Fn(Notification) -> BoxFuture<'static, Handled>,
{
    consume_selected(bus, spec, shutdown, notification_for, handle).await
}

/// Like [`consume`], for what `select` picks out of an event.
pub async fn consume_selected<T, H>(
    bus: SharedBus,
    spec: ConsumerSpec,
    shutdown: CancellationToken,
    select: fn(&agentlocator_proto::Event) -> Option<T>,
    handle: H,
) -> Result<(), BusError>
where
    H: Fn(T) -> BoxFuture<'static, Handled>,
{
    let consumer = spec.name.clone();
    let mut deliveries = bus.subscribe(spec).await?;
    tracing::info!(consumer, "notification consumer started");
    loop {
        let next = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            next = deliveries.next() => next,
        };
        match next {
            Some(Ok(delivery)) => {
                let span = delivery.span(&consumer);
                handle_one(&consumer, delivery, select, &handle)
                    .instrument(span)
                    .await;
            }
            Some(Err(e)) => {
                tracing::warn!(consumer, error = %e, "receiving events failed");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(RETRY_DELAY) => {}
                }
            }
            None if shutdown.is_cancelled() => break,
            None => return Err(BusError::Closed),
        }
    }
    tracing::info!(consumer, "notification consumer stopped");
    Ok(())
}

async fn handle_one<T, H>(
    consumer: &str,
    delivery: Delivery,
    select: fn(&agentlocator_proto::Event) -> Option<T>,
    handle: &H,
) where
    H: Fn(T) -> BoxFuture<'static, Handled>,
{
    let outcome = match select(&delivery.event) {
        Some(n) => handle(n).await,
        None => Handled::Done,
    };
    match outcome {
        Handled::Done => {
            // Settled in the background: the next event need not wait for the server's receipt,
            // and a lost ack only means a redelivery, which consumers tolerate.
            let consumer = consumer.to_string();
            tokio::spawn(async move {
                if let Err(e) = delivery.ack().await {
                    tracing::debug!(consumer, error = %e, "ack failed");
                }
            });
        }
        Handled::Retry => delivery.nak(Some(RETRY_DELAY)),
    }
}

/// Name (prefix) of the per-replica fan-out consumer that closes signed-out users' connections.
pub const SESSIONS_CONSUMER: &str = "notify-svc-sessions";

/// Closes the connections this replica holds of every user whose sessions end.
pub async fn run_sessions(
    bus: SharedBus,
    io: socketioxide::SocketIo,
    shutdown: CancellationToken,
) -> Result<(), BusError> {
    let spec = ConsumerSpec::fan_out(SESSIONS_CONSUMER, "*.user.signed_out");
    consume_selected(bus, spec, shutdown, signed_out_user, move |user_id| {
        let io = io.clone();
        Box::pin(async move {
            crate::socket::disconnect_user(&io, &user_id).await;
            Handled::Done
        })
    })
    .await
}

/// The live consumer: every notification is emitted to its business's room on this replica.
pub async fn run_live(
    bus: SharedBus,
    io: socketioxide::SocketIo,
    shutdown: CancellationToken,
) -> Result<(), BusError> {
    let spec = ConsumerSpec::fan_out(LIVE_CONSUMER, ">");
    consume(bus, spec, shutdown, move |n| {
        let io = io.clone();
        Box::pin(async move {
            crate::socket::emit(&io, &n).await;
            Handled::Done
        })
    })
    .await
}
