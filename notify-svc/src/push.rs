//! Web Push: each notification goes to every subscribed browser of its business, encrypted
//! (`aes128gcm`, RFC 8291) and signed with the VAPID key (RFC 8292), with a TTL and an urgency.
//! A subscription the push service reports gone (404/410) is deleted.
//!
//! Fed by one durable consumer shared by every replica, so each event is pushed once; an event
//! older than [`PUSH_TTL`] is no longer worth a notification and is skipped (this also keeps a
//! newly created consumer from replaying the stream's history to people's screens).

use crate::{
    consumer::{Handled, PUSH_CONSUMER, consume},
    events::Notification,
};
use agentlocator_common::{
    Config,
    bus::{BusError, ConsumerSpec, SharedBus},
    telemetry::TracePropagation,
    vapid::VapidKeys,
};
use agentlocator_proto::v1::{
    DeletePushSubscriptionRequest, ListPushSubscriptionsRequest, PushSubscription,
    crm_service_client::CrmServiceClient,
};
use std::{sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;
use tonic::{service::interceptor::InterceptedService, transport::Channel};
use web_push::{
    ContentEncoding, HyperWebPushClient, PartialVapidSignatureBuilder, SubscriptionInfo, Urgency,
    VapidSignatureBuilder, WebPushClient, WebPushError, WebPushMessageBuilder,
};

/// How long a push service keeps a message for a browser that is offline; also the age after
/// which an event is not pushed at all.
pub const PUSH_TTL: Duration = Duration::from_secs(3600);
/// Longest one push request may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Pushes in flight at once for one notification.
const CONCURRENCY: usize = 16;

/// crm-svc as notify-svc calls it (push subscriptions, the handshake's user check).
pub type CrmClient = CrmServiceClient<InterceptedService<Channel, TracePropagation>>;

/// A client of crm-svc at `config`'s address (connected lazily).
pub fn crm_client(config: &Config) -> anyhow::Result<CrmClient> {
    let channel =
        agentlocator_common::grpc::channel(&config.services.crm.url, Duration::from_secs(10))?;
    Ok(CrmServiceClient::with_interceptor(
        channel,
        TracePropagation,
    ))
}

/// What happened to one subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Delivered,
    /// 404/410: the subscription was deleted.
    Gone,
    Failed,
}

/// Sends notifications as Web Push.
#[derive(Clone)]
pub struct PushSender {
    client: Arc<HyperWebPushClient>,
    vapid: PartialVapidSignatureBuilder,
    subject: String,
    crm: CrmClient,
}

/// The VAPID `sub` claim: `PUBLIC_BASE_URL` when it is https (push services may contact its
/// operator there), otherwise a `mailto:` address at that host.
pub fn vapid_subject(public_base_url: &str) -> String {
    if public_base_url.starts_with("https://") {
        public_base_url.trim_end_matches('/').to_string()
    } else {
        let host = public_base_url
            .split_once("://")
            .map_or(public_base_url, |(_, r)| r)
            .split(['/', ':'])
            .next()
            .unwrap_or("localhost");
        format!("mailto:webpush@{host}")
    }
}

/// `scheme://host[:port]` of `endpoint`: the VAPID `aud` claim.
pub fn origin_of(endpoint: &str) -> Option<String> {
    let (scheme, rest) = endpoint.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}

impl PushSender {
    /// The sender `config` describes; `None` when Web Push is off (no VAPID keys on an instance
    /// reachable from other machines).
    pub fn new(config: &Config, crm: CrmClient) -> anyhow::Result<Option<Self>> {
        let Some(keys) = VapidKeys::resolve(config)? else {
            return Ok(None);
        };
        let vapid = VapidSignatureBuilder::from_base64_no_sub(keys.private_key.expose())
            .map_err(|e| anyhow::anyhow!("VAPID_PRIVATE_KEY: {e}"))?;
        Ok(Some(PushSender {
            client: Arc::new(HyperWebPushClient::new()),
            vapid,
            subject: vapid_subject(&config.public_base_url),
            crm,
        }))
    }

    /// Pushes `n` to every subscription of its business, when it has a push message (a call's
    /// turns have none). `Retry` only when the subscriptions cannot be read; a failing push
    /// service is logged and not retried (the next event comes).
    pub async fn send(&self, n: &Notification) -> Handled {
        let Some(push) = &n.push else {
            return Handled::Done;
        };
        let subs = match self
            .crm
            .clone()
            .list_push_subscriptions(ListPushSubscriptionsRequest {
                business_id: n.business_id.clone(),
            })
            .await
        {
            Ok(r) => r.into_inner().items,
            Err(e) => {
                tracing::warn!(error = %e, "listing push subscriptions failed; will retry");
                return Handled::Retry;
            }
        };
        if subs.is_empty() {
            return Handled::Done;
        }
        let payload = match serde_json::to_vec(push) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "push payload does not serialise");
                return Handled::Done;
            }
        };
        let urgency = match n.name {
            "call:incoming" | "task:due" => Urgency::High,
            _ => Urgency::Normal,
        };
        use futures::StreamExt;
        futures::stream::iter(subs)
            .for_each_concurrent(CONCURRENCY, |s| {
                let payload = &payload;
                async move {
                    self.send_one(&s, payload, urgency).await;
                }
            })
            .await;
        Handled::Done
    }

    /// Pushes `payload` to one subscription; deletes it when the push service says it is gone.
    /// Counted as `push_sent_total{outcome="ok"|"gone"|"failed"}`.
    pub async fn send_one(&self, s: &PushSubscription, payload: &[u8], urgency: Urgency) -> Sent {
        let sent = self.deliver(s, payload, urgency).await;
        let outcome = match sent {
            Sent::Delivered => "ok",
            Sent::Gone => "gone",
            Sent::Failed => "failed",
        };
        metrics::counter!("push_sent_total", "outcome" => outcome).increment(1);
        sent
    }

    async fn deliver(&self, s: &PushSubscription, payload: &[u8], urgency: Urgency) -> Sent {
        let info = SubscriptionInfo::new(s.endpoint.as_str(), s.p256dh.as_str(), s.auth.as_str());
        let message = (|| {
            let mut sig = self.vapid.clone().add_sub_info(&info);
            sig.add_claim("sub", self.subject.as_str());
            if let Some(aud) = origin_of(&s.endpoint) {
                sig.add_claim("aud", aud);
            }
            let mut m = WebPushMessageBuilder::new(&info);
            m.set_payload(ContentEncoding::Aes128Gcm, payload);
            m.set_ttl(PUSH_TTL.as_secs() as u32);
            m.set_urgency(urgency);
            m.set_vapid_signature(sig.build()?);
            m.build()
        })();
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                // Keys the browser gave us that do not work: the subscription is useless.
                tracing::warn!(subscription = %s.id, error = %e, "push message cannot be built");
                return Sent::Failed;
            }
        };
        let sent = tokio::time::timeout(SEND_TIMEOUT, self.client.send(message)).await;
        match sent {
            Ok(Ok(())) => Sent::Delivered,
            Ok(Err(WebPushError::EndpointNotValid(_) | WebPushError::EndpointNotFound(_))) => {
                tracing::info!(subscription = %s.id, "push subscription gone; deleting it");
                if let Err(e) = self
                    .crm
                    .clone()
                    .delete_push_subscription(DeletePushSubscriptionRequest {
                        business_id: s.business_id.clone(),
                        user_id: String::new(),
                        endpoint: s.endpoint.clone(),
                    })
                    .await
                {
                    tracing::warn!(subscription = %s.id, error = %e, "deleting a gone subscription failed");
                }
                Sent::Gone
            }
            Ok(Err(e)) => {
                tracing::warn!(subscription = %s.id, error = %e, "push failed");
                Sent::Failed
            }
            Err(_) => {
                tracing::warn!(subscription = %s.id, "push timed out");
                Sent::Failed
            }
        }
    }
}

/// Whether an event that occurred at `occurred_at` is still worth pushing.
fn fresh(occurred_at: Option<&prost_types::Timestamp>) -> bool {
    let Some(at) = occurred_at.and_then(agentlocator_proto::from_timestamp) else {
        return true;
    };
    chrono::Utc::now()
        .signed_duration_since(at)
        .to_std()
        .unwrap_or_default()
        < PUSH_TTL
}

/// The Web Push consumer: durable and shared by every replica.
pub async fn run_push(
    bus: SharedBus,
    sender: PushSender,
    shutdown: CancellationToken,
) -> Result<(), BusError> {
    let spec = ConsumerSpec::new(PUSH_CONSUMER, ">");
    consume(bus, spec, shutdown, move |n| {
        let sender = sender.clone();
        Box::pin(async move {
            if !fresh(n.occurred_at.as_ref()) {
                return Handled::Done;
            }
            sender.send(&n).await
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vapid_claims_come_from_the_url() {
        assert_eq!(
            vapid_subject("https://crm.example.com/"),
            "https://crm.example.com"
        );
        assert_eq!(
            vapid_subject("http://localhost:8080"),
            "mailto:webpush@localhost"
        );
        assert_eq!(
            origin_of("https://fcm.googleapis.com/fcm/send/abc").as_deref(),
            Some("https://fcm.googleapis.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:9000/push/1").as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(origin_of("nonsense"), None);
    }

    #[tokio::test]
    async fn live_only_notifications_are_not_pushed() {
        use agentlocator_proto::{
            new_event,
            v1::{CallEvent, CallEventKind, event::Payload},
        };
        let keys = VapidKeys::generate();
        let vars: std::collections::HashMap<String, String> = [
            ("CRM_SVC_URL", "http://127.0.0.1:1".to_string()),
            ("VAPID_PUBLIC_KEY", keys.public_key.clone()),
            ("VAPID_PRIVATE_KEY", keys.private_key.expose().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let config = Config::from_map(&vars).unwrap();
        let sender = PushSender::new(&config, crm_client(&config).unwrap())
            .unwrap()
            .expect("VAPID keys given");
        let call = |kind: CallEventKind| {
            crate::events::notification_for(&new_event(
                "b1",
                Payload::Call(CallEvent {
                    kind: kind as i32,
                    call_sid: "CA1".into(),
                    direction: "inbound".into(),
                    from_number: "+972501234567".into(),
                    transcript: "שלום".into(),
                    ai_reply: "שלום, במה אפשר לעזור?".into(),
                    ..Default::default()
                }),
            ))
            .unwrap()
        };
        // A turn is done without asking crm-svc (unreachable here) for subscriptions...
        assert_eq!(
            sender.send(&call(CallEventKind::Answered)).await,
            Handled::Done
        );
        // ...while an incoming call does ask, and retries when it cannot.
        assert_eq!(
            sender.send(&call(CallEventKind::Started)).await,
            Handled::Retry
        );
    }
}
