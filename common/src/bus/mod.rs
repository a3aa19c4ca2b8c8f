//! The event bus: one trait, two implementations — NATS JetStream for production and an
//! in-process bus for the embedded default. Both give the same guarantees to consumers:
//! at-least-once delivery to durable, named consumers (replicas sharing a name share the work),
//! explicit ack, redelivery of anything not acked, and de-duplication of re-published event ids.

mod follow;
mod journal;
mod memory;
mod nats;
mod subject;

pub use follow::{Follower, follow};
pub use memory::MemoryBus;
pub use nats::NatsBus;
pub use subject::subject_matches;

use agentlocator_proto::Event;
use async_trait::async_trait;
use futures::stream::BoxStream;
use std::{sync::Arc, time::Duration};

/// Errors of the event bus.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("cannot connect to the event bus at {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("invalid event: {0}")]
    InvalidEvent(#[from] agentlocator_proto::EventError),
    #[error("publishing to {subject} failed: {reason}")]
    Publish { subject: String, reason: String },
    #[error("consumer {consumer} failed: {reason}")]
    Consumer { consumer: String, reason: String },
    #[error("acknowledging a message failed: {0}")]
    Ack(String),
    #[error("the event bus is closed")]
    Closed,
}

/// A durable consumer: who consumes (`name`, shared by replicas) and what (`filter`).
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    /// Durable name, e.g. `crm-svc`. Subscribers with the same name share one queue.
    pub name: String,
    /// Subject filter relative to the bus root, with NATS wildcards: `>` (everything),
    /// `*.whatsapp.>` (WhatsApp events of every business), `<business_id>.task.due`.
    pub filter: String,
    /// How long a delivery may stay un-acked before it is redelivered.
    pub ack_wait: Duration,
    /// Deliveries before a message is given up on (then logged and dropped).
    pub max_deliver: i64,
    /// Fan-out instead of a shared durable queue: this subscriber gets its own consumer (never
    /// shared, even with a subscriber of the same `name`), which sees only events published from
    /// now on and goes away with the subscription. For work every replica must do, such as
    /// pushing events to the browsers connected to it.
    pub fan_out: bool,
}

impl ConsumerSpec {
    pub fn new(name: impl Into<String>, filter: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            filter: filter.into(),
            ack_wait: Duration::from_secs(30),
            max_deliver: 20,
            fan_out: false,
        }
    }

    /// A fan-out consumer (see [`ConsumerSpec::fan_out`]): every subscriber gets every matching
    /// event published after it subscribed. `name` is a prefix for logs; a unique suffix is added.
    pub fn fan_out(name: impl Into<String>, filter: impl Into<String>) -> Self {
        Self {
            name: format!("{}-{}", name.into(), uuid::Uuid::now_v7().simple()),
            fan_out: true,
            ..Self::new(String::new(), filter)
        }
    }

    /// The consumer's name as a metric label: a fan-out consumer's name without its unique
    /// suffix, so every subscription of one kind is one series.
    pub fn metric_label(&self) -> &str {
        match self.name.rsplit_once('-') {
            Some((base, suffix))
                if self.fan_out
                    && suffix.len() == 32
                    && suffix.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                base
            }
            _ => &self.name,
        }
    }
}

/// Counts a settled event: `bus_events_handled_total{consumer,outcome}`.
pub(crate) fn count_handled(consumer: &str, outcome: &'static str) {
    metrics::counter!(
        "bus_events_handled_total",
        "consumer" => consumer.to_string(),
        "outcome" => outcome,
    )
    .increment(1);
}

/// What a subscriber receives: the decoded event plus the means to settle it.
///
/// Call [`Delivery::ack`] once the event's effects are durable. Dropping a delivery
/// without acking it naks it, so an early return or a panic redelivers instead of losing it.
pub struct Delivery {
    pub event: Event,
    /// Subject relative to the bus root: `<business_id>.<entity>.<what>`.
    pub subject: String,
    /// 1 on first delivery, higher on redeliveries.
    pub delivery_count: u64,
    /// Trace context of the publisher (carried in NATS headers).
    parent: opentelemetry::Context,
    settle: Option<Box<dyn Settle>>,
    /// The consumer's metric label ([`ConsumerSpec::metric_label`]).
    consumer: Arc<str>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("event_id", &self.event.id)
            .field("subject", &self.subject)
            .field("delivery_count", &self.delivery_count)
            .finish()
    }
}

#[async_trait]
pub(crate) trait Settle: Send + Sync {
    async fn ack(self: Box<Self>) -> Result<(), BusError>;
    /// Ask for redelivery. Must not block: it may run inside `Drop`.
    fn nak(self: Box<Self>, delay: Option<Duration>);
}

impl Delivery {
    pub(crate) fn new(
        event: Event,
        subject: String,
        delivery_count: u64,
        parent: opentelemetry::Context,
        settle: Box<dyn Settle>,
        consumer: Arc<str>,
    ) -> Self {
        Self {
            event,
            subject,
            delivery_count,
            parent,
            settle: Some(settle),
            consumer,
        }
    }

    /// A span for handling this event (`bus.consume call.started`), a child of the publisher's
    /// span, so one trace follows a call from the webhook through the bus into every consumer.
    /// `queued_ms` is the event's time between happening and reaching this consumer.
    pub fn span(&self, consumer: &str) -> tracing::Span {
        use tracing_opentelemetry::OpenTelemetrySpanExt;
        let queued_ms = self
            .event
            .occurred_at
            .as_ref()
            .and_then(agentlocator_proto::from_timestamp)
            .map(|at| (chrono::Utc::now() - at).num_milliseconds().max(0));
        let span = tracing::info_span!(
            "bus.consume",
            otel.name = format!("bus.consume {}", operation(&self.subject)),
            otel.kind = "consumer",
            consumer,
            subject = %self.subject,
            event_id = %self.event.id,
            delivery = self.delivery_count,
            queued_ms,
        );
        let _ = span.set_parent(self.parent.clone());
        span
    }

    /// The publisher's trace context.
    pub fn trace_context(&self) -> &opentelemetry::Context {
        &self.parent
    }

    /// Confirms the event was handled; returns once the bus has recorded the ack.
    pub async fn ack(mut self) -> Result<(), BusError> {
        match self.settle.take() {
            Some(s) => {
                let acked = s.ack().await;
                let outcome = if acked.is_ok() { "ok" } else { "ack_failed" };
                count_handled(&self.consumer, outcome);
                acked
            }
            None => Ok(()),
        }
    }

    /// Asks for the event to be delivered again, after `delay` if given.
    pub fn nak(mut self, delay: Option<Duration>) {
        if let Some(s) = self.settle.take() {
            count_handled(&self.consumer, "retried");
            s.nak(delay);
        }
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        if let Some(s) = self.settle.take() {
            count_handled(&self.consumer, "abandoned");
            s.nak(None);
        }
    }
}

/// A stream of deliveries for one durable consumer.
pub type Subscription = BoxStream<'static, Result<Delivery, BusError>>;

#[async_trait]
pub trait EventBus: Send + Sync + 'static {
    /// Publishes `event` on its subject and returns once the bus has stored it.
    /// Publishing the same event id twice stores it once (within the de-duplication window).
    async fn publish(&self, event: &Event) -> Result<(), BusError>;

    /// Subscribes as the durable consumer `spec.name`, creating it when new.
    /// A new consumer starts from the oldest retained event.
    async fn subscribe(&self, spec: ConsumerSpec) -> Result<Subscription, BusError>;

    /// Whether the bus is reachable (for readiness probes).
    async fn check(&self) -> Result<(), BusError>;

    /// Short name of the implementation, for logs and `/readyz`.
    fn kind(&self) -> &'static str;
}

pub type SharedBus = Arc<dyn EventBus>;

/// File of the embedded bus's journal in `DATA_DIR`.
pub const JOURNAL_FILE: &str = "events.db";

/// Connects to NATS JetStream when `nats_url` is set, otherwise an in-process bus journaled in
/// `data_dir` ([`JOURNAL_FILE`]).
pub async fn connect(
    nats_url: Option<&str>,
    root: &str,
    data_dir: &std::path::Path,
) -> Result<SharedBus, BusError> {
    Ok(match nats_url {
        Some(url) => Arc::new(NatsBus::connect(url, root).await?),
        None => {
            let (root, path) = (root.to_string(), data_dir.join(JOURNAL_FILE));
            // Opening reads the retained events: blocking file I/O.
            let bus = tokio::task::spawn_blocking(move || MemoryBus::open(&root, &path))
                .await
                .map_err(|e| BusError::Connect {
                    url: JOURNAL_FILE.into(),
                    reason: e.to_string(),
                })??;
            Arc::new(bus)
        }
    })
}

/// The bus `config` selects (NATS JetStream when `NATS_URL` is set, else in-process with its
/// journal in `DATA_DIR`).
pub async fn connect_from(config: &crate::Config) -> Result<SharedBus, BusError> {
    let bus = connect(
        config.nats_url.as_deref(),
        &config.nats_subject_root,
        &config.data_dir,
    )
    .await?;
    tracing::info!(bus = bus.kind(), "event bus connected");
    Ok(bus)
}

/// A relative subject without its business: `call.started`, what trace span names carry.
fn operation(subject: &str) -> &str {
    subject.split_once('.').map_or(subject, |(_, rest)| rest)
}

/// The span of publishing an event on `subject` (relative, `<business_id>.call.started`): named
/// `bus.publish call.started`; its context travels with the event, so consumers are its children.
pub(crate) fn publish_span(subject: &str, event: &Event) -> tracing::Span {
    tracing::info_span!(
        "bus.publish",
        otel.name = format!("bus.publish {}", operation(subject)),
        otel.kind = "producer",
        subject,
        event_id = %event.id,
    )
}

/// The subject of `event` relative to the bus root: `<business_id>.<entity>.<what>`.
pub(crate) fn relative_subject(event: &Event) -> Result<String, BusError> {
    let full = agentlocator_proto::subject_for(event)?;
    // subject_for always starts with "al."
    Ok(full["al.".len()..].to_string())
}
