//! Who the client is, for the sign-in limit and the signer's address: the TCP peer, unless the
//! peer is one of our proxies (`TRUSTED_PROXIES`). Only then is `X-Forwarded-For` read, from the
//! right: each trusted proxy appended the address it was reached from, so the first address that
//! is not a trusted proxy is the client; entries further left are whatever the client sent, and
//! an attacker could pick them. Likewise `X-Forwarded-Proto: https` counts only from a trusted
//! proxy.

use crate::error::ApiError;
use actix_web::{HttpRequest, http::header::HeaderMap};
use std::net::{IpAddr, SocketAddr};

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    pub fn new(nets: Vec<ipnet::IpNet>) -> Self {
        TrustedProxies(nets)
    }

    pub fn from_config(config: &agentlocator_common::Config) -> Self {
        Self::new(config.trusted_proxies.clone())
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client of a request from `peer` carrying these `X-Forwarded-For` values.
    pub fn client_ip<'a>(
        &self,
        peer: Option<IpAddr>,
        x_forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> Option<IpAddr> {
        let mut client = peer?.to_canonical();
        if !self.trusts(client) {
            return Some(client);
        }
        let values: Vec<&str> = x_forwarded_for.into_iter().collect();
        for entry in values.iter().rev().flat_map(|v| v.rsplit(',')) {
            // Garbage in the chain: stop at the last hop we could read (the proxy that passed it).
            let Some(ip) = parse_ip(entry) else {
                break;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        Some(client)
    }

    /// The client of `req` (see the module documentation).
    pub fn client_of(&self, req: &HttpRequest) -> Option<IpAddr> {
        self.client_ip(
            req.peer_addr().map(|a| a.ip()),
            header_values(req.headers(), "x-forwarded-for"),
        )
    }

    /// The client of `req`; a request without a peer address (none reaches a listening socket
    /// that way) is an internal error.
    pub fn client_of_request(&self, req: &HttpRequest) -> Result<IpAddr, ApiError> {
        self.client_of(req)
            .ok_or_else(|| ApiError::internal("the request has no client address"))
    }

    /// Whether the client reached us over https: a trusted proxy says so in
    /// `X-Forwarded-Proto` (TLS ends at the proxy; the gateway itself speaks plain HTTP).
    pub fn forwarded_https(&self, req: &HttpRequest) -> bool {
        req.peer_addr().is_some_and(|a| self.trusts(a.ip()))
            && header_values(req.headers(), "x-forwarded-proto")
                .flat_map(|v| v.split(','))
                .next()
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
    }
}

fn header_values<'a>(headers: &'a HeaderMap, name: &str) -> impl Iterator<Item = &'a str> {
    headers.get_all(name).filter_map(|v| v.to_str().ok())
}

/// `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]` or `[::1]:5678` as an IP address.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            text.strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| n.parse().unwrap()).collect())
    }

    #[test]
    fn client_addresses_parse_with_or_without_port() {
        for (text, want) in [
            ("203.0.113.9", "203.0.113.9"),
            (" 203.0.113.9:4711 ", "203.0.113.9"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("[2001:db8::1]:443", "2001:db8::1"),
        ] {
            assert_eq!(parse_ip(text), Some(ip(want)), "{text}");
        }
        assert_eq!(parse_ip("unknown"), None);
        assert_eq!(parse_ip("_hidden"), None);
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let loopback = proxies(&["127.0.0.0/8", "::1/128"]);
        // A trusted peer: the last entry it appended is the client.
        assert_eq!(
            loopback.client_ip(Some(ip("127.0.0.1")), ["1.1.1.1, 203.0.113.9"]),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            loopback.client_ip(Some(ip("::ffff:127.0.0.1")), ["2001:db8::5"]),
            Some(ip("2001:db8::5"))
        );
        // Any other peer is the client, private or not: what it claims to forward is ignored.
        for peer in ["10.1.2.3", "192.168.1.5", "198.51.100.4", "fd00::1"] {
            assert_eq!(
                loopback.client_ip(Some(ip(peer)), ["203.0.113.9"]),
                Some(ip(peer)),
                "{peer}"
            );
        }
        // Nothing is trusted: never the header.
        assert_eq!(
            proxies(&[]).client_ip(Some(ip("127.0.0.1")), ["203.0.113.9"]),
            Some(ip("127.0.0.1"))
        );
        assert_eq!(loopback.client_ip(None, ["1.1.1.1"]), None);
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_from_the_right() {
        let cluster = proxies(&["10.0.0.0/8"]);
        // client → CDN-ish hop 10.9.9.9 → ingress 10.1.1.1 → gateway; the left entry is spoofed.
        assert_eq!(
            cluster.client_ip(Some(ip("10.1.1.1")), ["6.6.6.6, 203.0.113.9", "10.9.9.9"]),
            Some(ip("203.0.113.9"))
        );
        // No or garbage header: the last hop that could be read.
        assert_eq!(
            cluster.client_ip(Some(ip("10.1.1.1")), []),
            Some(ip("10.1.1.1"))
        );
        assert_eq!(
            cluster.client_ip(Some(ip("10.1.1.1")), ["203.0.113.9, unknown, 10.2.2.2"]),
            Some(ip("10.2.2.2"))
        );
        // Every entry a proxy: the leftmost.
        assert_eq!(
            cluster.client_ip(Some(ip("10.1.1.1")), ["10.3.3.3, 10.2.2.2"]),
            Some(ip("10.3.3.3"))
        );
    }
}
