//! The agent's `send_whatsapp`: crm-svc records the action and writes an
//! `agent.whatsapp_requested` event in the same transaction; this consumer sends its text through
//! the bridge's normal send path (stored as outbound by crm-svc, on the timeline, delivered by the
//! sidecar or the Cloud API). One durable queue shared by the replicas, so each request is taken
//! by one of them; the action id is the send's idempotency key.
//!
//! Delivery is at least once: a replica that dies after sending and before the ack leaves the
//! event to be redelivered, and the idempotency key only covers the replica that sent it.

use crate::{error::Error, service::Bridge};
use agentlocator_common::bus::{ConsumerSpec, Delivery, SharedBus};
use agentlocator_proto::v1::{AgentEvent, AgentEventKind, event::Payload};
use futures::StreamExt;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

pub const CONSUMER_NAME: &str = "whatsapp-bridge-agent-sends";
/// The agent's send requests of every business.
pub const FILTER: &str = "*.agent.whatsapp_requested";
/// How long a failed send waits before its redelivery (the sidecar reconnecting, crm-svc busy).
const RETRY_DELAY: Duration = Duration::from_secs(5);
/// A request older than this is not sent: the conversation has moved on (a WhatsApp that was
/// down for an hour, or requests retained from before this consumer existed).
pub const MAX_AGE: chrono::Duration = chrono::Duration::minutes(15);

/// Whether a request made at `occurred_at` is still worth sending at `now`.
pub fn is_fresh(
    occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    occurred_at.is_some_and(|t| now - t <= MAX_AGE)
}

/// What became of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Another kind of event, or a request that can never be sent (logged, acked).
    Dropped,
    /// A failure a retry may cure (nak'ed with a delay).
    Retry,
}

/// The idempotency key of the agent's action `action_id`.
pub fn idempotency_key(action_id: &str) -> String {
    format!("agent-action:{action_id}")
}

/// Whether a send that failed with `e` may succeed later.
fn is_transient(e: &Error) -> bool {
    matches!(
        e,
        Error::SidecarUnavailable(_) | Error::Unavailable(_) | Error::NotConnected(_)
    )
}

/// Consumes the agent's send requests until `shutdown`.
pub async fn run(bridge: Bridge, bus: SharedBus, shutdown: CancellationToken) {
    let mut deliveries = loop {
        match bus
            .subscribe(ConsumerSpec::new(CONSUMER_NAME, FILTER))
            .await
        {
            Ok(d) => break d,
            Err(e) => {
                tracing::warn!(consumer = CONSUMER_NAME, error = %e, "subscribing failed; retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(RETRY_DELAY) => {}
                }
            }
        }
    };
    tracing::info!(consumer = CONSUMER_NAME, "agent send consumer started");
    loop {
        let next = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            next = deliveries.next() => next,
        };
        match next {
            Some(Ok(delivery)) => {
                let span = delivery.span(CONSUMER_NAME);
                handle(&bridge, delivery).instrument(span).await;
            }
            Some(Err(e)) => {
                tracing::warn!(consumer = CONSUMER_NAME, error = %e, "receiving events failed");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(RETRY_DELAY) => {}
                }
            }
            None => break,
        }
    }
    tracing::info!(consumer = CONSUMER_NAME, "agent send consumer stopped");
}

/// Sends one request and settles its delivery.
pub async fn handle(bridge: &Bridge, delivery: Delivery) -> Outcome {
    let business_id = delivery.event.business_id.clone();
    let request = match &delivery.event.payload {
        Some(Payload::Agent(a)) if a.kind() == AgentEventKind::WhatsappRequested => a.clone(),
        _ => {
            ack(delivery).await;
            return Outcome::Dropped;
        }
    };
    let AgentEvent {
        action_id,
        to_number,
        text,
        ..
    } = request;
    let occurred_at = delivery
        .event
        .occurred_at
        .as_ref()
        .and_then(agentlocator_proto::from_timestamp);
    if !is_fresh(occurred_at, chrono::Utc::now()) {
        tracing::warn!(
            action_id,
            ?occurred_at,
            "the agent's WhatsApp request is stale; not sent"
        );
        ack(delivery).await;
        return Outcome::Dropped;
    }
    let key = idempotency_key(&action_id);
    match bridge
        .send_text_for(
            &business_id,
            &to_number,
            &text,
            Some(&key),
            Some(&action_id),
        )
        .await
    {
        Ok(message_id) => {
            tracing::info!(
                action_id,
                message_id,
                "the agent's WhatsApp message was sent"
            );
            ack(delivery).await;
            Outcome::Sent
        }
        Err(e) if is_transient(&e) => {
            tracing::warn!(action_id, error = %e, delivery_count = delivery.delivery_count,
                "sending the agent's WhatsApp message failed; will retry");
            delivery.nak(Some(RETRY_DELAY));
            Outcome::Retry
        }
        Err(e) => {
            tracing::error!(action_id, error = %e, "the agent's WhatsApp message cannot be sent; dropped");
            ack(delivery).await;
            Outcome::Dropped
        }
    }
}

async fn ack(delivery: Delivery) {
    if let Err(e) = delivery.ack().await {
        tracing::warn!(consumer = CONSUMER_NAME, error = %e, "ack failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn only_recent_requests_are_sent() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 22, 0, 0).unwrap();
        assert!(is_fresh(Some(now), now));
        assert!(is_fresh(Some(now - MAX_AGE), now));
        assert!(!is_fresh(Some(now - MAX_AGE - Duration::seconds(1)), now));
        assert!(
            !is_fresh(None, now),
            "an event without a time is not trusted"
        );
    }

    #[test]
    fn the_key_is_the_action() {
        assert_eq!(idempotency_key("a1"), "agent-action:a1");
        assert_ne!(idempotency_key("a1"), idempotency_key("a2"));
    }
}
