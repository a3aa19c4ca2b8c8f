//! NATS JetStream: one stream (`AL_EVENTS` on `al.>`), durable pull consumers with explicit ack.
//! Publishing sets `Nats-Msg-Id` to the event id so the server drops re-publications within the
//! de-duplication window; consumers are idempotent on the id for anything older.

use super::{BusError, ConsumerSpec, Delivery, EventBus, Settle, Subscription, relative_subject};
use agentlocator_proto::Event;
use async_nats::jetstream::{
    self, AckKind,
    consumer::{AckPolicy, DeliverPolicy, pull},
    message::Acker,
    stream,
};
use async_trait::async_trait;
use futures::StreamExt;
use prost::Message as _;
use std::time::Duration;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// How long events stay in the stream: long enough for a service to be down over a weekend.
const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);
/// How long a fan-out consumer outlives its last pull before the server removes it.
const FAN_OUT_INACTIVE: Duration = Duration::from_secs(60);
/// How often a subscription samples its consumer's backlog (`bus_consumer_pending`).
const PENDING_SAMPLE_INTERVAL: Duration = Duration::from_secs(15);

pub struct NatsBus {
    client: async_nats::Client,
    js: jetstream::Context,
    root: String,
    stream_name: String,
}

impl NatsBus {
    /// Connects and makes sure the stream exists (never deleting or recreating an existing one).
    pub async fn connect(url: &str, root: &str) -> Result<Self, BusError> {
        let connect_err = |reason: String| BusError::Connect {
            url: url.to_string(),
            reason,
        };
        let client = async_nats::ConnectOptions::new()
            .name("agentlocator")
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| connect_err(e.to_string()))?;
        let js = jetstream::new(client.clone());
        let stream_name = format!("{}_EVENTS", root.to_uppercase().replace('-', "_"));
        js.get_or_create_stream(stream::Config {
            name: stream_name.clone(),
            subjects: vec![format!("{root}.>")],
            storage: stream::StorageType::File,
            retention: stream::RetentionPolicy::Limits,
            max_age: MAX_AGE,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        })
        .await
        .map_err(|e| connect_err(format!("stream {stream_name}: {e}")))?;
        Ok(Self {
            client,
            js,
            root: root.to_string(),
            stream_name,
        })
    }

    pub fn stream_name(&self) -> &str {
        &self.stream_name
    }
}

struct NatsSettle(Acker);

#[async_trait]
impl Settle for NatsSettle {
    async fn ack(self: Box<Self>) -> Result<(), BusError> {
        // Double ack: returns only once the server has recorded it, so an acknowledged event
        // is never redelivered after a crash.
        self.0
            .double_ack_with(AckKind::Ack)
            .await
            .map_err(|e| BusError::Ack(e.to_string()))
    }

    fn nak(self: Box<Self>, delay: Option<Duration>) {
        // Runs from Drop too, so it must not block. Without a runtime the server redelivers
        // after ack_wait anyway.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                if let Err(e) = self.0.ack_with(AckKind::Nak(delay)).await {
                    tracing::debug!(error = %e, "nak failed; ack_wait will redeliver");
                }
            });
        }
    }
}

#[async_trait]
impl EventBus for NatsBus {
    async fn publish(&self, event: &Event) -> Result<(), BusError> {
        let relative = relative_subject(event)?;
        let span = super::publish_span(&relative, event);
        let subject = format!("{}.{}", self.root, relative);
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(async_nats::header::NATS_MESSAGE_ID, event.id.as_str());
        crate::telemetry::inject_nats_context(&span.context(), &mut headers);
        let fail = |reason: String| BusError::Publish {
            subject: subject.clone(),
            reason,
        };
        async {
            let ack = self
                .js
                .publish_with_headers(subject.clone(), headers, event.encode_to_vec().into())
                .await
                .map_err(|e| fail(e.to_string()))?;
            ack.await.map_err(|e| fail(e.to_string()))?;
            Ok(())
        }
        .instrument(span)
        .await
    }

    async fn subscribe(&self, spec: ConsumerSpec) -> Result<Subscription, BusError> {
        let fail = |reason: String| BusError::Consumer {
            consumer: spec.name.clone(),
            reason,
        };
        let stream = self
            .js
            .get_stream(&self.stream_name)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let filter_subject = format!("{}.{}", self.root, spec.filter);
        let consumer: jetstream::consumer::Consumer<pull::Config> = if spec.fan_out {
            // Ephemeral: only this subscriber's, from new events on, deleted by the server once
            // nobody has pulled from it for FAN_OUT_INACTIVE (e.g. the replica is gone).
            stream
                .create_consumer(pull::Config {
                    name: Some(spec.name.clone()),
                    description: Some("fan-out".into()),
                    filter_subject,
                    ack_policy: AckPolicy::Explicit,
                    deliver_policy: DeliverPolicy::New,
                    ack_wait: spec.ack_wait,
                    max_deliver: spec.max_deliver,
                    inactive_threshold: FAN_OUT_INACTIVE,
                    ..Default::default()
                })
                .await
                .map_err(|e| fail(e.to_string()))?
        } else {
            stream
                .get_or_create_consumer(
                    &spec.name,
                    pull::Config {
                        durable_name: Some(spec.name.clone()),
                        filter_subject,
                        ack_policy: AckPolicy::Explicit,
                        deliver_policy: DeliverPolicy::All,
                        ack_wait: spec.ack_wait,
                        max_deliver: spec.max_deliver,
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| fail(e.to_string()))?
        };
        // The backlog before this subscription pulls anything, then sampled while it lives (its
        // stream owns the sampler's guard).
        let label: std::sync::Arc<str> = spec.metric_label().into();
        let pending = metrics::gauge!("bus_consumer_pending", "consumer" => label.to_string());
        if let Ok(info) = consumer.get_info().await {
            pending.set(info.num_pending as f64);
        }
        let messages = consumer.messages().await.map_err(|e| fail(e.to_string()))?;
        let prefix_len = self.root.len() + 1;
        let name = spec.name.clone();
        let sampler = tokio_util::sync::CancellationToken::new();
        tokio::spawn(sample_pending(consumer, pending, sampler.clone()));
        let sampler = sampler.drop_guard();
        let deliveries = messages.filter_map(move |m| {
            let _sampler = &sampler;
            let name = name.clone();
            let label = label.clone();
            async move {
                let m = match m {
                    Ok(m) => m,
                    Err(e) => {
                        return Some(Err(BusError::Consumer {
                            consumer: name,
                            reason: e.to_string(),
                        }));
                    }
                };
                let delivered = m.info().map(|i| i.delivered.max(1) as u64).unwrap_or(1);
                let (msg, acker) = m.split();
                let subject = msg.subject.as_str().get(prefix_len..).unwrap_or("").to_string();
                let parent = msg
                    .headers
                    .as_ref()
                    .map(crate::telemetry::extract_nats)
                    .unwrap_or_default();
                match Event::decode(msg.payload) {
                    Ok(event) => Some(Ok(Delivery::new(
                        event,
                        subject,
                        delivered,
                        parent,
                        Box::new(NatsSettle(acker)),
                        label,
                    ))),
                    Err(e) => {
                        // A poison message must not loop forever: log it and ack it away.
                        tracing::error!(consumer = %name, %subject, error = %e, "undecodable event dropped");
                        super::count_handled(&label, "undecodable");
                        if let Err(e) = acker.ack().await {
                            tracing::warn!(error = %e, "ack of undecodable event failed");
                        }
                        None
                    }
                }
            }
        });
        Ok(Box::pin(deliveries))
    }

    async fn check(&self) -> Result<(), BusError> {
        match self.client.connection_state() {
            async_nats::connection::State::Connected => Ok(()),
            other => Err(BusError::Connect {
                url: String::new(),
                reason: format!("connection {other:?}"),
            }),
        }
    }

    fn kind(&self) -> &'static str {
        "nats-jetstream"
    }
}

/// Sets `gauge` (`bus_consumer_pending{consumer}`) to the consumer's undelivered backlog
/// (JetStream's `num_pending`) every [`PENDING_SAMPLE_INTERVAL`] until `stop`.
async fn sample_pending(
    consumer: jetstream::consumer::Consumer<pull::Config>,
    gauge: metrics::Gauge,
    stop: tokio_util::sync::CancellationToken,
) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(PENDING_SAMPLE_INTERVAL) => {}
        }
        match consumer.get_info().await {
            Ok(info) => gauge.set(info.num_pending as f64),
            Err(e) => tracing::debug!(error = %e, "consumer info unavailable"),
        }
    }
}

impl std::fmt::Debug for NatsBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsBus")
            .field("stream", &self.stream_name)
            .finish()
    }
}
