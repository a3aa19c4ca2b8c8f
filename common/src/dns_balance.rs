//! Spreading gRPC requests over every replica of a service. A gRPC client keeps one HTTP/2
//! connection, so behind one address (a Kubernetes ClusterIP Service) all its requests go to the
//! one pod that connection reached, and a replica added by the autoscaler gets none. When a
//! service URL names a host, the channel instead resolves the name (a headless Service answers
//! with every ready pod's address), keeps a connection to each address, balances requests over
//! them (power of two choices), and resolves again every [`REFRESH`]: new pods join, gone ones
//! leave. When the name does not resolve (yet), the channel dials the name itself, so a request
//! fails as fast as without balancing instead of waiting for an address.

use std::{
    collections::HashSet,
    future::Future,
    net::{IpAddr, SocketAddr},
    time::Duration,
};
use tonic::transport::{Channel, Endpoint, channel::Change};

/// How often a service name is resolved again.
pub const REFRESH: Duration = Duration::from_secs(10);

/// What an endpoint set is keyed by: an address, or the name itself while it does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Addr(SocketAddr),
    Name,
}

/// Whether `url`'s host is a name to resolve (not an IP address, not `localhost`).
pub fn is_named(url: &http::Uri) -> bool {
    match url.host() {
        None => false,
        Some(h) => {
            let h = h.trim_start_matches('[').trim_end_matches(']');
            h.parse::<IpAddr>().is_err() && !h.eq_ignore_ascii_case("localhost")
        }
    }
}

/// A channel to `uri` balancing over the addresses `resolve` gives, refreshed every `refresh`;
/// `configure` sets the timeouts of every endpoint. Needs a Tokio runtime.
pub fn balanced<C, R, F>(uri: http::Uri, configure: C, resolve: R, refresh: Duration) -> Channel
where
    C: Fn(Endpoint) -> Endpoint + Send + 'static,
    R: Fn() -> F + Send + 'static,
    F: Future<Output = std::io::Result<Vec<SocketAddr>>> + Send,
{
    let (channel, changes) = Channel::balance_channel::<Key>(64);
    tokio::spawn(async move {
        let mut current: HashSet<Key> = HashSet::new();
        loop {
            let wanted: HashSet<Key> = match resolve().await {
                Ok(addrs) if !addrs.is_empty() => addrs.into_iter().map(Key::Addr).collect(),
                Ok(_) => HashSet::from([Key::Name]),
                Err(e) => {
                    tracing::debug!(%uri, error = %e, "service name does not resolve");
                    HashSet::from([Key::Name])
                }
            };
            for key in wanted.difference(&current) {
                let target = match key {
                    Key::Name => uri.to_string(),
                    Key::Addr(addr) => {
                        format!("{}://{addr}", uri.scheme_str().unwrap_or("http"))
                    }
                };
                let Ok(endpoint) = Endpoint::from_shared(target) else {
                    continue;
                };
                let endpoint = configure(endpoint);
                if changes
                    .send(Change::Insert(key.clone(), endpoint))
                    .await
                    .is_err()
                {
                    return; // The channel is gone.
                }
            }
            for key in current.difference(&wanted) {
                if changes.send(Change::Remove(key.clone())).await.is_err() {
                    return;
                }
            }
            current = wanted;
            tokio::select! {
                _ = changes.closed() => return,
                _ = tokio::time::sleep(refresh) => {}
            }
        }
    });
    channel
}
