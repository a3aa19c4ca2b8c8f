//! The bridge's work, without gRPC types: sidecar events → bus events, the sidecar's auth-state
//! store → crm-svc, and staff actions (send, pair, logout) → the sidecar.

use crate::{
    baileys_events::{self, Envelope},
    cloud_api,
    cloud_client::CloudClient,
    error::{Error, Result},
    inbound::{ConnectionUpdate, DeliveryStatus, Inbound, InboundMessage},
    jid::{self, Party},
    replicas::Replicas,
    sidecar::{SessionState, SidecarClient},
};
use agentlocator_common::{
    bus::SharedBus,
    config::{Secret, WaProvider},
    grpc::TracedChannel,
};
use agentlocator_proto::{
    Event,
    v1::{
        self as pb, WhatsAppEvent, WhatsAppEventKind, crm_service_client::CrmServiceClient,
        event::Payload, find_whats_app_cloud_number_request::By, get_business_request,
    },
};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

pub type CrmClient = CrmServiceClient<TracedChannel>;

/// How long a sidecar's session lease lasts when it does not say (it renews every third of it).
pub const LEASE_TTL_MS: u32 = 30_000;

/// Idempotency keys remembered per replica (a retried send within this window is answered from
/// memory instead of sending twice).
const IDEMPOTENCY_CAPACITY: usize = 10_000;

/// The WhatsApp Cloud API provider: the sending client and the webhook secrets.
#[derive(Clone)]
pub struct Cloud {
    pub client: CloudClient,
    pub app_secret: Secret,
    pub verify_token: Secret,
}

#[derive(Clone)]
pub struct Bridge {
    crm: CrmClient,
    bus: SharedBus,
    sidecar: SidecarClient,
    secret: Secret,
    /// Set with `WA_PROVIDER=cloud`: sending and sessions go through the Cloud API.
    cloud: Option<Cloud>,
    /// Last connection state the sidecar reported per business.
    states: Arc<Mutex<HashMap<String, ConnectionUpdate>>>,
    sent: Arc<Mutex<IdempotencyCache>>,
    /// Businesses crm-svc recently confirmed, so a burst of events does not ask for each one.
    known: Arc<Mutex<KnownBusinesses>>,
    /// This replica and the others (where a business's session is held).
    replicas: Replicas,
}

impl Bridge {
    pub fn new(crm: CrmClient, bus: SharedBus, sidecar: SidecarClient, secret: Secret) -> Self {
        Self {
            crm,
            bus,
            sidecar,
            secret,
            cloud: None,
            states: Arc::default(),
            sent: Arc::new(Mutex::new(IdempotencyCache::default())),
            known: Arc::default(),
            replicas: Replicas::new(None),
        }
    }

    /// Runs as one of several replicas (see [`crate::replicas`]).
    pub fn with_replicas(mut self, replicas: Replicas) -> Self {
        self.replicas = replicas;
        self
    }

    pub fn replicas(&self) -> &Replicas {
        &self.replicas
    }

    /// The advertised address of the replica whose sidecar holds the business's session, when that
    /// is another replica; None when it is this one, nobody holds it, the provider is the Cloud API
    /// (no sidecar), or this replica advertises no address (one replica).
    pub async fn holder_elsewhere(&self, business_id: &str) -> Result<Option<String>> {
        if self.cloud.is_some() || self.replicas.advertise_url().is_none() {
            return Ok(None);
        }
        if business_id.trim().is_empty() {
            return Err(Error::Invalid {
                field: "business_id",
                message: "required".into(),
            });
        }
        let lease = self
            .crm
            .clone()
            .get_whats_app_lease(pb::GetWhatsAppLeaseRequest {
                business_id: business_id.to_owned(),
            })
            .await?
            .into_inner()
            .lease;
        Ok(lease
            .map(|l| l.holder_addr)
            .filter(|addr| !self.replicas.is_local(addr)))
    }

    /// Uses the Cloud API for sending and sessions (`WA_PROVIDER=cloud`).
    pub fn with_cloud(mut self, cloud: Cloud) -> Self {
        self.cloud = Some(cloud);
        self
    }

    pub fn provider(&self) -> WaProvider {
        if self.cloud.is_some() {
            WaProvider::Cloud
        } else {
            WaProvider::Baileys
        }
    }

    /// The Cloud API's GET handshake: the challenge to echo, or a refusal.
    pub fn verify_cloud(&self, mode: &str, token: &str, challenge: &str) -> Result<String> {
        let cloud = self.cloud.as_ref().ok_or(Error::VerificationRefused)?;
        cloud_api::verify_subscription(
            Some(mode),
            Some(token),
            Some(challenge),
            cloud.verify_token.expose(),
        )
    }

    /// One signed Cloud API webhook POST; the number of bus events it produced. Items for a number
    /// no business has are logged and skipped (answering an error would only make Meta retry).
    pub async fn ingest_cloud(&self, signature: &str, body: &[u8]) -> Result<u32> {
        let cloud = self.cloud.as_ref().ok_or(Error::BadSignature)?;
        cloud_api::verify_signature(cloud.app_secret.expose(), body, Some(signature))?;
        let mut published = 0;
        let mut businesses: HashMap<String, Option<String>> = HashMap::new();
        for routed in cloud_api::parse(body)? {
            let business_id = match businesses.get(&routed.phone_number_id) {
                Some(b) => b.clone(),
                None => {
                    let b = self
                        .find_cloud_number(By::PhoneNumberId(routed.phone_number_id.clone()))
                        .await?
                        .map(|n| n.business_id);
                    businesses.insert(routed.phone_number_id.clone(), b.clone());
                    b
                }
            };
            let Some(business_id) = business_id else {
                tracing::warn!(phone_number_id = %routed.phone_number_id, "Cloud API webhook for a number no business has");
                continue;
            };
            let (w, key) = match routed.inbound {
                Inbound::Message(m) => {
                    let key = format!("cloud/{}/message", m.provider_message_id);
                    (self.message_event(&business_id, m).await?, key)
                }
                Inbound::Status(s) => (
                    WhatsAppEvent {
                        kind: WhatsAppEventKind::Status as i32,
                        status: s.status.as_str().to_owned(),
                        provider_message_id: s.provider_message_id.clone(),
                        ..Default::default()
                    },
                    format!("cloud/{}/{}", s.provider_message_id, s.status.as_str()),
                ),
                Inbound::LidPhone { .. } | Inbound::Connection(_) => continue,
            };
            let mut event = agentlocator_proto::new_event(&business_id, Payload::Whatsapp(w));
            // Meta redelivers a webhook it is unsure of: the same item gets the same id.
            event.id = derived_id(&key, 0);
            self.publish(&event).await?;
            published += 1;
        }
        Ok(published)
    }

    /// Sets the business's Cloud API number.
    pub async fn set_cloud_number(
        &self,
        business_id: &str,
        phone_number_id: &str,
    ) -> Result<String> {
        let r = self
            .crm
            .clone()
            .set_whats_app_cloud_number(pb::SetWhatsAppCloudNumberRequest {
                business_id: business_id.to_owned(),
                phone_number_id: phone_number_id.to_owned(),
            })
            .await
            .map_err(|s| match s.code() {
                tonic::Code::AlreadyExists => Error::Conflict(s.message().to_owned()),
                _ => s.into(),
            })?;
        Ok(r.into_inner().phone_number_id)
    }

    /// The business's Cloud API number, or NotConnected when none is set.
    async fn cloud_number(&self, business_id: &str) -> Result<Option<String>> {
        Ok(self
            .find_cloud_number(By::BusinessId(business_id.to_owned()))
            .await?
            .map(|n| n.phone_number_id))
    }

    /// A Cloud API number with its business, looked up either way; None when there is none.
    async fn find_cloud_number(&self, by: By) -> Result<Option<pb::WhatsAppCloudNumber>> {
        let found = self
            .crm
            .clone()
            .find_whats_app_cloud_number(pb::FindWhatsAppCloudNumberRequest { by: Some(by) })
            .await;
        match found {
            Ok(r) => Ok(Some(r.into_inner())),
            Err(s) if s.code() == tonic::Code::NotFound => Ok(None),
            Err(s) => Err(s.into()),
        }
    }

    /// One event the sidecar forwarded; the number of bus events it produced.
    pub async fn ingest_sidecar(&self, secret: &str, body: &[u8]) -> Result<u32> {
        self.check_secret(secret)?;
        let envelope: Envelope =
            serde_json::from_slice(body).map_err(|e| Error::BadPayload(e.to_string()))?;
        self.require_business(&envelope.business_id).await?;
        let items = baileys_events::parse(&envelope)?;
        let mut published = 0;
        for (index, item) in items.into_iter().enumerate() {
            let event = match item {
                Inbound::Message(m) => Some(self.message_event(&envelope.business_id, m).await?),
                Inbound::Status(s) => Some(WhatsAppEvent {
                    kind: WhatsAppEventKind::Status as i32,
                    provider_message_id: s.provider_message_id,
                    status: s.status.as_str().to_owned(),
                    ..Default::default()
                }),
                Inbound::LidPhone { lid, phone } => {
                    self.crm
                        .clone()
                        .link_whats_app_lid(pb::LinkWhatsAppLidRequest {
                            business_id: envelope.business_id.clone(),
                            lid,
                            phone,
                        })
                        .await?;
                    None
                }
                Inbound::Connection(c) => {
                    tracing::info!(business_id = %envelope.business_id, state = %c.state, reason = ?c.reason, "WhatsApp connection");
                    let mut states = self.states.lock().expect("states lock");
                    states.insert(envelope.business_id.clone(), c);
                    record_sessions(&states);
                    None
                }
            };
            if let Some(w) = event {
                let mut event =
                    agentlocator_proto::new_event(&envelope.business_id, Payload::Whatsapp(w));
                // A redelivered sidecar event gets the same ids, so the bus and the CRM see a
                // duplicate, not a new message.
                event.id = derived_id(&envelope.id, index);
                self.publish(&event).await?;
                published += 1;
            }
        }
        Ok(published)
    }

    /// The sidecar's auth-state store: `{"business_id", "op": "get"|"set"|"clear", ...}`,
    /// `{"op": "paired"}` → the businesses whose sessions a (re)started sidecar resumes, and the
    /// session lease that keeps one socket per business across replicas:
    /// `{"business_id", "op": "lease", "holder", "holder_addr", "ttl_ms"?}` → `{"granted",
    /// "holder", "holder_addr", "expires_at"}` (acquire or renew) and `{"business_id", "op":
    /// "release", "holder"}` → `{"released"}`. The holder is the sidecar (it holds the socket) and
    /// `holder_addr` the advertised address of the bridge in its pod: the sidecar's calls reach
    /// whichever replica the gateway picks, so the answering replica cannot be the holder.
    pub async fn sidecar_auth_state(&self, secret: &str, body: &[u8]) -> Result<Vec<u8>> {
        self.check_secret(secret)?;
        #[derive(serde::Deserialize)]
        struct Request {
            #[serde(default)]
            business_id: String,
            op: String,
            #[serde(default)]
            keys: Vec<String>,
            #[serde(default)]
            values: HashMap<String, Option<String>>,
            /// `lease`/`release`: the sidecar's holder id and its pod's advertised bridge address.
            #[serde(default)]
            holder: String,
            #[serde(default)]
            holder_addr: String,
            #[serde(default)]
            ttl_ms: Option<u32>,
        }
        let r: Request =
            serde_json::from_slice(body).map_err(|e| Error::BadPayload(e.to_string()))?;
        let mut crm = self.crm.clone();
        let answer = match r.op.as_str() {
            "get" => {
                let got = crm
                    .get_whats_app_auth(pb::GetWhatsAppAuthRequest {
                        business_id: r.business_id,
                        keys: r.keys.clone(),
                    })
                    .await?
                    .into_inner()
                    .values;
                let values: serde_json::Map<String, serde_json::Value> = r
                    .keys
                    .into_iter()
                    .map(|k| {
                        let v = got
                            .get(&k)
                            .cloned()
                            .map_or(serde_json::Value::Null, Into::into);
                        (k, v)
                    })
                    .collect();
                serde_json::json!({ "values": values })
            }
            "set" => {
                let (values, deleted_keys) = r.values.into_iter().fold(
                    (HashMap::new(), Vec::new()),
                    |(mut set, mut del), (k, v)| {
                        match v {
                            Some(v) => {
                                set.insert(k, v);
                            }
                            None => del.push(k),
                        }
                        (set, del)
                    },
                );
                crm.set_whats_app_auth(pb::SetWhatsAppAuthRequest {
                    business_id: r.business_id,
                    values,
                    deleted_keys,
                })
                .await?;
                serde_json::json!({})
            }
            "paired" => {
                let ids = crm
                    .list_whats_app_paired(pb::ListWhatsAppPairedRequest {})
                    .await?
                    .into_inner()
                    .business_ids;
                serde_json::json!({ "business_ids": ids })
            }
            "clear" => {
                let removed = crm
                    .clear_whats_app_auth(pb::ClearWhatsAppAuthRequest {
                        business_id: r.business_id,
                    })
                    .await?
                    .into_inner()
                    .removed;
                serde_json::json!({ "removed": removed })
            }
            "lease" => {
                let r = crm
                    .acquire_whats_app_lease(pb::AcquireWhatsAppLeaseRequest {
                        business_id: r.business_id,
                        holder: r.holder,
                        holder_addr: r.holder_addr,
                        ttl_ms: r.ttl_ms.unwrap_or(LEASE_TTL_MS),
                    })
                    .await?
                    .into_inner();
                let lease = r.lease.unwrap_or_default();
                serde_json::json!({
                    "granted": r.granted,
                    "holder": lease.holder,
                    "holder_addr": lease.holder_addr,
                    "expires_at": lease
                        .expires_at
                        .and_then(|t| agentlocator_proto::from_timestamp(&t))
                        .map(|t| t.to_rfc3339()),
                })
            }
            "release" => {
                let released = crm
                    .release_whats_app_lease(pb::ReleaseWhatsAppLeaseRequest {
                        business_id: r.business_id,
                        holder: r.holder,
                    })
                    .await?
                    .into_inner()
                    .released;
                serde_json::json!({ "released": released })
            }
            other => {
                return Err(Error::Invalid {
                    field: "op",
                    message: format!(
                        "unknown op {other:?} (get, set, clear, paired, lease or release)"
                    ),
                });
            }
        };
        Ok(answer.to_string().into_bytes())
    }

    /// Sends `text` to `to` (E.164 or a JID) from the business's WhatsApp.
    pub async fn send_text(
        &self,
        business_id: &str,
        to: &str,
        text: &str,
        idempotency_key: Option<&str>,
    ) -> Result<String> {
        self.send_text_for(business_id, to, text, idempotency_key, None)
            .await
    }

    /// [`Self::send_text`] of the agent's action `agent_action_id` (named in the `whatsapp.sent`
    /// event, so crm-svc tells the agent's messages from staff's).
    pub async fn send_text_for(
        &self,
        business_id: &str,
        to: &str,
        text: &str,
        idempotency_key: Option<&str>,
        agent_action_id: Option<&str>,
    ) -> Result<String> {
        let cache_key = idempotency_key
            .filter(|k| !k.trim().is_empty())
            .map(|k| format!("{business_id}\u{1f}{k}"));
        if let Some(id) = cache_key
            .as_ref()
            .and_then(|k| self.sent.lock().expect("idempotency lock").get(k))
        {
            return Ok(id);
        }
        if text.trim().is_empty() || text.chars().count() > 4096 {
            return Err(Error::Invalid {
                field: "text",
                message: "1 to 4096 characters".into(),
            });
        }
        let (jid, phone) = recipient(to)?;
        self.require_business(business_id).await?;
        let id = match &self.cloud {
            None => self.sidecar.send_text(business_id, &jid, text).await?,
            Some(cloud) => {
                if !phone.starts_with('+') {
                    return Err(Error::Invalid {
                        field: "to",
                        message: "the Cloud API sends to phone numbers only".into(),
                    });
                }
                let number = self.cloud_number(business_id).await?.ok_or_else(|| {
                    Error::NotConnected(
                        "no WhatsApp Cloud API number is set for this business".into(),
                    )
                })?;
                cloud.client.send_text(&number, &phone, text).await?
            }
        };
        let event = agentlocator_proto::new_event(
            business_id,
            Payload::Whatsapp(WhatsAppEvent {
                kind: WhatsAppEventKind::Sent as i32,
                provider_message_id: id.clone(),
                direction: "outbound".into(),
                to_number: phone,
                body: text.to_owned(),
                status: DeliveryStatus::Sent.as_str().into(),
                agent_action_id: agent_action_id.unwrap_or_default().to_owned(),
                ..Default::default()
            }),
        );
        self.publish(&event).await?;
        if let Some(k) = cache_key {
            self.sent
                .lock()
                .expect("idempotency lock")
                .insert(k, id.clone());
        }
        Ok(id)
    }

    pub async fn session(&self, business_id: &str) -> Result<SessionState> {
        self.require_business(business_id).await?;
        if self.cloud.is_some() {
            // The Cloud API has no linked-device session: ready once the business has a number.
            return Ok(match self.cloud_number(business_id).await? {
                Some(_) => SessionState {
                    state: "open".into(),
                    ..Default::default()
                },
                None => SessionState {
                    state: "closed".into(),
                    reason: Some("cloud_number_not_set".into()),
                    ..Default::default()
                },
            });
        }
        match self.sidecar.status(business_id).await {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Ok(SessionState {
                state: "closed".into(),
                reason: Some("not_started".into()),
                ..Default::default()
            }),
            // The sidecar is down: what it last reported, marked as such.
            Err(Error::SidecarUnavailable(reason)) => {
                let last = self
                    .states
                    .lock()
                    .expect("states lock")
                    .get(business_id)
                    .cloned();
                tracing::warn!(business_id, %reason, "WhatsApp sidecar unreachable");
                Ok(SessionState {
                    state: "closed".into(),
                    reason: Some(format!(
                        "sidecar_unavailable{}",
                        last.map(|l| format!(" (last: {})", l.state))
                            .unwrap_or_default()
                    )),
                    ..Default::default()
                })
            }
            Err(e) => Err(e),
        }
    }

    pub async fn start_session(&self, business_id: &str) -> Result<SessionState> {
        self.require_business(business_id).await?;
        self.no_pairing_with_cloud()?;
        self.sidecar.start(business_id).await
    }

    pub async fn logout_session(&self, business_id: &str) -> Result<SessionState> {
        self.require_business(business_id).await?;
        self.no_pairing_with_cloud()?;
        self.sidecar.logout(business_id).await
    }

    fn no_pairing_with_cloud(&self) -> Result<()> {
        match self.cloud {
            Some(_) => Err(Error::NotConnected(
                "with the WhatsApp Cloud API the number is connected in Meta's WhatsApp Manager, not by pairing".into(),
            )),
            None => Ok(()),
        }
    }

    /// The event of a provider's message. NUL characters are dropped from its texts: PostgreSQL
    /// cannot store them, and a customer's message must not be lost over one.
    async fn message_event(&self, business_id: &str, m: InboundMessage) -> Result<WhatsAppEvent> {
        let counterpart = match m.chat {
            Party::Phone(p) => p,
            Party::Lid(lid) => {
                let phone = self
                    .crm
                    .clone()
                    .resolve_whats_app_lid(pb::ResolveWhatsAppLidRequest {
                        business_id: business_id.to_owned(),
                        lid: lid.clone(),
                    })
                    .await?
                    .into_inner()
                    .phone;
                if phone.is_empty() {
                    // Kept as an alias until WhatsApp shares the number behind it.
                    format!("{lid}@lid")
                } else {
                    phone
                }
            }
            Party::NotAPerson => {
                return Err(Error::BadPayload(
                    "a message whose chat is not a person".into(),
                ));
            }
        };
        let (kind, direction, from_number, to_number, status) = if m.from_me {
            // Our own echo (sent through the API) or a reply typed on the business's phone:
            // the CRM keeps one row per provider id, so an echo changes nothing.
            (
                WhatsAppEventKind::Sent,
                "outbound",
                String::new(),
                counterpart,
                DeliveryStatus::Sent.as_str(),
            )
        } else {
            (
                WhatsAppEventKind::Received,
                "inbound",
                counterpart,
                String::new(),
                "received",
            )
        };
        Ok(WhatsAppEvent {
            kind: kind as i32,
            provider_message_id: without_nul(m.provider_message_id),
            direction: direction.into(),
            from_number,
            to_number,
            body: without_nul(m.text),
            status: status.into(),
            customer_id: String::new(),
            agent_action_id: String::new(),
        })
    }

    async fn publish(&self, event: &Event) -> Result<()> {
        self.bus
            .publish(event)
            .await
            .map_err(|e| Error::Unavailable(format!("publishing to the bus failed: {e}")))
    }

    async fn require_business(&self, business_id: &str) -> Result<()> {
        if business_id.trim().is_empty() {
            return Err(Error::Invalid {
                field: "business_id",
                message: "required".into(),
            });
        }
        let now = std::time::Instant::now();
        if self
            .known
            .lock()
            .expect("known businesses lock")
            .contains(business_id, now)
        {
            return Ok(());
        }
        self.crm
            .clone()
            .get_business(pb::GetBusinessRequest {
                by: Some(get_business_request::By::Id(business_id.to_owned())),
            })
            .await?;
        self.known
            .lock()
            .expect("known businesses lock")
            .insert(business_id, now);
        Ok(())
    }

    fn check_secret(&self, given: &str) -> Result<()> {
        use subtle::ConstantTimeEq;
        // Compare digests so the comparison takes the same time whatever the lengths.
        let given = Sha256::digest(given.as_bytes());
        let expected = Sha256::digest(self.secret.expose().as_bytes());
        if bool::from(given.ct_eq(&expected)) {
            Ok(())
        } else {
            Err(Error::BadSignature)
        }
    }
}

/// `to` (E.164 in any Israeli format, or a JID) → (JID to send to, phone for the CRM row).
fn recipient(to: &str) -> Result<(String, String)> {
    let to = to.trim();
    let invalid = || Error::Invalid {
        field: "to",
        message: "a phone number (e.g. 050-1234567 or +972501234567) or a WhatsApp JID".into(),
    };
    if to.contains('@') {
        return match jid::parse(to) {
            Party::Phone(p) => Ok((jid::for_phone(&p).ok_or_else(invalid)?, p)),
            Party::Lid(lid) => Ok((format!("{lid}@lid"), format!("{lid}@lid"))),
            Party::NotAPerson => Err(invalid()),
        };
    }
    let phone = agentlocator_common::phone::normalize_il(to).map_err(|_| invalid())?;
    Ok((jid::for_phone(&phone).ok_or_else(invalid)?, phone))
}

/// `text` without NUL characters (everything else, Hebrew and emoji included, unchanged).
fn without_nul(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "")
    } else {
        text
    }
}

/// A UUID derived from the sidecar event id and the item's position in it.
fn derived_id(envelope_id: &str, index: usize) -> String {
    let digest = Sha256::digest(format!("{envelope_id}/{index}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// Bounded memory of idempotency key → provider message id (oldest forgotten first).
#[derive(Default)]
struct IdempotencyCache {
    map: HashMap<String, String>,
    order: std::collections::VecDeque<String>,
}

impl IdempotencyCache {
    fn get(&self, key: &str) -> Option<String> {
        self.map.get(key).cloned()
    }

    fn insert(&mut self, key: String, id: String) {
        if self.map.insert(key.clone(), id).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > IDEMPOTENCY_CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
    }
}

/// How long a business crm-svc confirmed is taken as existing without asking again (a business
/// deleted meanwhile has its events refused by crm-svc's consumer instead).
const KNOWN_BUSINESS_TTL: std::time::Duration = std::time::Duration::from_secs(60);
/// Most businesses remembered; past it the memory starts over.
const KNOWN_BUSINESS_CAPACITY: usize = 10_000;

/// Businesses confirmed to exist, and when.
#[derive(Default)]
struct KnownBusinesses(HashMap<String, std::time::Instant>);

impl KnownBusinesses {
    fn contains(&self, business_id: &str, now: std::time::Instant) -> bool {
        self.0
            .get(business_id)
            .is_some_and(|at| now.duration_since(*at) < KNOWN_BUSINESS_TTL)
    }

    fn insert(&mut self, business_id: &str, now: std::time::Instant) {
        if self.0.len() >= KNOWN_BUSINESS_CAPACITY {
            self.0.clear();
        }
        self.0.insert(business_id.to_owned(), now);
    }
}

/// The connection states the sidecar reports; any other is counted as `other`.
const SESSION_STATES: [&str; 6] = ["connecting", "qr", "open", "closed", "logged_out", "other"];

/// `whatsapp_sessions{state}`: the businesses of this replica by their last reported connection
/// state (every state set, zeros included, so a session that moves on leaves its old state).
fn record_sessions(states: &HashMap<String, ConnectionUpdate>) {
    let mut counts = [0u32; SESSION_STATES.len()];
    for c in states.values() {
        let i = SESSION_STATES
            .iter()
            .position(|s| *s == c.state)
            .unwrap_or(SESSION_STATES.len() - 1);
        counts[i] += 1;
    }
    for (state, n) in SESSION_STATES.iter().zip(counts) {
        metrics::gauge!("whatsapp_sessions", "state" => *state).set(f64::from(n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmed_business_is_remembered_for_a_while() {
        let t0 = std::time::Instant::now();
        let mut known = KnownBusinesses::default();
        assert!(!known.contains("b1", t0));
        known.insert("b1", t0);
        assert!(known.contains("b1", t0 + KNOWN_BUSINESS_TTL / 2));
        assert!(!known.contains("b1", t0 + KNOWN_BUSINESS_TTL));
        assert!(!known.contains("b2", t0));
        for n in 0..KNOWN_BUSINESS_CAPACITY {
            known.insert(&format!("x{n}"), t0);
        }
        assert!(known.0.len() <= KNOWN_BUSINESS_CAPACITY);
    }

    #[test]
    fn sessions_are_a_gauge_per_state() {
        agentlocator_common::metrics::install();
        let update = |state: &str| ConnectionUpdate {
            state: state.into(),
            reason: None,
            qr: None,
        };
        let mut states = HashMap::new();
        states.insert("b1".to_string(), update("qr"));
        states.insert("b2".to_string(), update("open"));
        states.insert("b3".to_string(), update("open"));
        states.insert("b4".to_string(), update("something-new"));
        record_sessions(&states);
        states.insert("b1".to_string(), update("open"));
        record_sessions(&states);

        let samples =
            agentlocator_common::metrics::text::parse(&agentlocator_common::metrics::render())
                .unwrap();
        let gauge = |state: &str| {
            agentlocator_common::metrics::text::sum(
                &samples,
                "whatsapp_sessions",
                &[("state", state)],
            )
        };
        assert_eq!(gauge("open"), 3.0);
        assert_eq!(gauge("qr"), 0.0, "b1 moved on from qr");
        assert_eq!(gauge("other"), 1.0);
        assert_eq!(gauge("closed"), 0.0);
        assert!(samples.iter().all(|s| {
            s.name != "whatsapp_sessions"
                || s.label("state")
                    .is_some_and(|v| SESSION_STATES.contains(&v))
        }));
    }

    #[test]
    fn recipients_in_every_form() {
        assert_eq!(
            recipient("050-123-4567").unwrap(),
            ("972501234567@s.whatsapp.net".into(), "+972501234567".into())
        );
        assert_eq!(
            recipient("972501234567@s.whatsapp.net").unwrap().1,
            "+972501234567"
        );
        assert_eq!(
            recipient("123456789012345@lid").unwrap().0,
            "123456789012345@lid"
        );
        assert!(recipient("group@g.us").is_err());
        assert!(recipient("hello").is_err());
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        assert_eq!(derived_id("e1", 0), derived_id("e1", 0));
        assert_ne!(derived_id("e1", 0), derived_id("e1", 1));
        assert_ne!(derived_id("e1", 0), derived_id("e2", 0));
        assert!(uuid::Uuid::parse_str(&derived_id("e1", 0)).is_ok());
    }

    #[test]
    fn idempotency_cache_is_bounded() {
        let mut c = IdempotencyCache::default();
        for i in 0..IDEMPOTENCY_CAPACITY + 5 {
            c.insert(format!("k{i}"), format!("id{i}"));
        }
        assert_eq!(c.get("k0"), None);
        assert_eq!(
            c.get(&format!("k{}", IDEMPOTENCY_CAPACITY + 4)).as_deref(),
            Some(&*format!("id{}", IDEMPOTENCY_CAPACITY + 4))
        );
        assert_eq!(c.map.len(), IDEMPOTENCY_CAPACITY);
    }
}
