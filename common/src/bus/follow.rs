//! Keeping an in-memory copy honest: a fan-out subscription that hands every matching event to a
//! [`Follower`] on each replica, tells it whether it is live (only then may it keep anything), and
//! has it drop everything when the subscription fails (an event may have been missed). Used by
//! voice-svc's directory of businesses and crm-svc's cache of opening hours.

use super::{ConsumerSpec, SharedBus};
use agentlocator_proto::Event;
use futures::StreamExt;
use std::{sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;

/// Pause before subscribing again after the subscription failed or ended.
const RESUBSCRIBE_DELAY: Duration = Duration::from_secs(1);

/// A copy that follows changes.
pub trait Follower: Send + Sync {
    /// Subscribed (`true`) or not: a copy keeps nothing while it is not.
    fn set_live(&self, live: bool);
    /// An event may have been missed: drop everything.
    fn clear(&self);
    /// A change arrived.
    fn apply(&self, event: &Event);
}

/// Follows `filter` on `bus` with a fan-out consumer named `consumer` into `follower` until
/// `shutdown`: live while subscribed, cleared on any error of the subscription, subscribing again
/// when it ends.
pub async fn follow(
    follower: Arc<dyn Follower>,
    bus: SharedBus,
    consumer: &str,
    filter: &str,
    shutdown: CancellationToken,
) {
    while !shutdown.is_cancelled() {
        match bus.subscribe(ConsumerSpec::fan_out(consumer, filter)).await {
            Ok(mut deliveries) => {
                follower.set_live(true);
                tracing::debug!(consumer, "following changes");
                loop {
                    let next = tokio::select! {
                        biased;
                        _ = shutdown.cancelled() => break,
                        next = deliveries.next() => next,
                    };
                    match next {
                        Some(Ok(delivery)) => {
                            follower.apply(&delivery.event);
                            if let Err(e) = delivery.ack().await {
                                tracing::debug!(consumer, error = %e, "ack of a change failed");
                            }
                        }
                        Some(Err(e)) => {
                            tracing::warn!(consumer, error = %e, "receiving changes failed; copy emptied");
                            follower.clear();
                        }
                        None => break,
                    }
                }
                follower.set_live(false);
            }
            Err(e) => {
                tracing::warn!(consumer, error = %e, "cannot follow changes; nothing is kept in memory");
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => {}
            _ = tokio::time::sleep(RESUBSCRIBE_DELAY) => {}
        }
    }
}
