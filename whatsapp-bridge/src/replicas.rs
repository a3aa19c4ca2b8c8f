//! Several whatsapp-bridge replicas. Each pod's sidecar holds the WhatsApp sockets of the
//! businesses whose session lease it took (crm-svc's `whatsapp_session_leases`); the lease names the
//! advertised gRPC address of the bridge in that pod (`WA_BRIDGE_ADVERTISE_URL`). A call for a
//! business (send, session state, start, logout) that reaches another replica is forwarded there,
//! one hop: the forwarded call carries [`FORWARDED_HEADER`] and is always answered where it lands.

use crate::error::{Error, Result};
use agentlocator_common::grpc::{TracedChannel, traced_channel};
use agentlocator_proto::v1::whats_app_service_client::WhatsAppServiceClient;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};
use tonic::metadata::{MetadataMap, MetadataValue};

/// Marks a call one replica forwarded to another (its value: the forwarding replica's id).
pub const FORWARDED_HEADER: &str = "x-al-forwarded-by";

pub type PeerClient = WhatsAppServiceClient<TracedChannel>;

/// This replica's identity and its clients of the other replicas.
#[derive(Clone)]
pub struct Replicas {
    id: String,
    advertise_url: Option<String>,
    peers: Arc<Mutex<HashMap<String, PeerClient>>>,
}

impl Replicas {
    /// `advertise_url`: where the other replicas reach this one; None with a single replica
    /// (nothing is ever forwarded).
    pub fn new(advertise_url: Option<String>) -> Self {
        Self {
            id: replica_id(),
            advertise_url,
            peers: Arc::default(),
        }
    }

    /// The hostname (the pod's name on Kubernetes), for the logs, plus a part random per start.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn advertise_url(&self) -> Option<&str> {
        self.advertise_url.as_deref()
    }

    /// Whether a lease naming `holder_addr` is held in this replica's pod (or cannot be reached
    /// anywhere else: no address, or this replica advertises none).
    pub fn is_local(&self, holder_addr: &str) -> bool {
        match &self.advertise_url {
            None => true,
            Some(own) => holder_addr.is_empty() || holder_addr.trim_end_matches('/') == own,
        }
    }

    /// A client of the replica at `addr` (one channel per address, reused).
    pub fn peer(&self, addr: &str) -> Result<PeerClient> {
        let mut peers = self.peers.lock().expect("peers lock");
        if let Some(client) = peers.get(addr) {
            return Ok(client.clone());
        }
        let channel = traced_channel(addr, Duration::from_secs(25)).map_err(|e| {
            Error::Upstream(format!("the replica address {addr:?} is not usable: {e}"))
        })?;
        let client = PeerClient::new(channel);
        peers.insert(addr.to_owned(), client.clone());
        Ok(client)
    }

    /// `message` as a forwarded call.
    pub fn forwarded<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Ok(value) = MetadataValue::try_from(self.id.as_str()) {
            request.metadata_mut().insert(FORWARDED_HEADER, value);
        }
        request
    }
}

/// Whether another replica already forwarded this call (it is then answered here, whatever the
/// lease says, so a call never travels more than one hop).
pub fn was_forwarded(metadata: &MetadataMap) -> bool {
    metadata.contains_key(FORWARDED_HEADER)
}

fn replica_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && h.is_ascii())
        .unwrap_or_else(|| crate::NAME.to_owned());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}", &random[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locality_by_advertised_address() {
        let single = Replicas::new(None);
        assert!(
            single.is_local("http://10.0.0.9:50055"),
            "one replica: all local"
        );
        let r = Replicas::new(Some("http://10.0.0.7:50055".into()));
        assert!(r.is_local("http://10.0.0.7:50055"));
        assert!(r.is_local("http://10.0.0.7:50055/"));
        assert!(
            r.is_local(""),
            "a holder that advertises nothing cannot be reached"
        );
        assert!(!r.is_local("http://10.0.0.9:50055"));
    }

    #[test]
    fn forwarded_calls_are_marked_with_the_replica() {
        let r = Replicas::new(Some("http://10.0.0.7:50055".into()));
        let request = r.forwarded(());
        assert!(was_forwarded(request.metadata()));
        assert_eq!(
            request
                .metadata()
                .get(FORWARDED_HEADER)
                .unwrap()
                .to_str()
                .unwrap(),
            r.id()
        );
        assert!(!was_forwarded(tonic::Request::new(()).metadata()));
        assert_ne!(Replicas::new(None).id(), r.id(), "random per start");
    }
}
