//! Throttling of failed sign-ins (`POST /api/auth/login`), against password guessing.
//!
//! Two counters of failed attempts, each over a fixed window that starts at the first failure:
//! - per account and client address (`email`, IP): [`LoginLimits::per_account`] failures lock that
//!   pair until the window ends; a successful sign-in clears the pair;
//! - per client address: [`LoginLimits::per_ip`] failures (any email) lock the address, so one
//!   address cannot sweep many accounts. A success does not clear it (or an attacker with one
//!   account of their own could reset it between guesses).
//!
//! The state is in memory **per gateway replica**: with N replicas behind a load balancer an
//! address gets up to N times the attempts. Each table holds at most [`LoginLimits::max_entries`]
//! entries: expired ones are dropped first, then the oldest.
//!
//! Time is passed in (`now`), so the logic is tested without waiting.

use std::{
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failures of one email from one address before that pair is locked.
    pub per_account: u32,
    /// Failures from one address (any email) before the address is locked.
    pub per_ip: u32,
    /// How long failures are remembered, counted from the first failure of a window.
    pub window: Duration,
    /// Entries per table before eviction.
    pub max_entries: usize,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_account: 5,
            per_ip: 30,
            window: Duration::from_secs(15 * 60),
            max_entries: 100_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    since: Instant,
}

/// Failed attempts keyed by `K`, bounded.
struct Table<K> {
    entries: Mutex<HashMap<K, Entry>>,
}

impl<K: Eq + Hash + Clone> Table<K> {
    fn new() -> Self {
        Table {
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long `key` stays locked, if it has `max` or more failures in the current window.
    fn locked_for(&self, key: &K, max: u32, window: Duration, now: Instant) -> Option<Duration> {
        let mut entries = self.lock();
        let e = *entries.get(key)?;
        let ends = e.since + window;
        if now >= ends {
            entries.remove(key);
            return None;
        }
        (e.failures >= max).then(|| ends - now)
    }

    fn fail(&self, key: K, window: Duration, max_entries: usize, now: Instant) {
        let mut entries = self.lock();
        if !entries.contains_key(&key) && entries.len() >= max_entries {
            entries.retain(|_, e| now < e.since + window);
            if entries.len() >= max_entries
                && let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.since)
                    .map(|(k, _)| k.clone())
            {
                entries.remove(&oldest);
            }
        }
        let e = entries.entry(key).or_insert(Entry {
            failures: 0,
            since: now,
        });
        if now >= e.since + window {
            *e = Entry {
                failures: 0,
                since: now,
            };
        }
        e.failures = e.failures.saturating_add(1);
    }

    fn clear(&self, key: &K) {
        self.lock().remove(key);
    }

    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// The failed-sign-in counters of this gateway replica.
pub struct LoginLimiter {
    limits: LoginLimits,
    by_account: Table<(String, IpAddr)>,
    by_ip: Table<IpAddr>,
}

fn account_key(email: &str, ip: IpAddr) -> (String, IpAddr) {
    (email.trim().to_lowercase(), ip)
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> Self {
        LoginLimiter {
            limits,
            by_account: Table::new(),
            by_ip: Table::new(),
        }
    }

    pub fn limits(&self) -> LoginLimits {
        self.limits
    }

    /// `Err(wait)` when `email` from `ip` may not try now; `wait` is until the lock ends.
    pub fn check(&self, email: &str, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let l = &self.limits;
        let account =
            self.by_account
                .locked_for(&account_key(email, ip), l.per_account, l.window, now);
        let address = self.by_ip.locked_for(&ip, l.per_ip, l.window, now);
        match account.max(address) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// A wrong email or password.
    pub fn failed(&self, email: &str, ip: IpAddr, now: Instant) {
        let l = &self.limits;
        self.by_account
            .fail(account_key(email, ip), l.window, l.max_entries, now);
        self.by_ip.fail(ip, l.window, l.max_entries, now);
    }

    /// A successful sign-in: the account's failures from this address are forgotten.
    pub fn succeeded(&self, email: &str, ip: IpAddr) {
        self.by_account.clear(&account_key(email, ip));
    }

    /// Entries held (accounts, addresses).
    pub fn entries(&self) -> (usize, usize) {
        (self.by_account.len(), self.by_ip.len())
    }
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new(LoginLimits::default())
    }
}

/// The client address to throttle. A peer on a private, loopback or link-local address is a proxy
/// of ours (the ingress controller, a local reverse proxy): then the client is the **last**
/// `X-Forwarded-For` entry, the one that proxy appended (entries further left are whatever the
/// client sent, so an attacker cannot pick them). A public peer is the client itself, and its
/// headers are ignored.
pub fn client_ip(peer: Option<IpAddr>, x_forwarded_for: Option<&str>) -> Option<IpAddr> {
    let peer = peer?;
    let from_proxy = match peer {
        IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| v4.is_private() || v4.is_loopback())
        }
    };
    if !from_proxy {
        return Some(peer);
    }
    x_forwarded_for
        .and_then(|h| h.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok())
        .or(Some(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    fn limits() -> LoginLimits {
        LoginLimits {
            per_account: 3,
            per_ip: 5,
            window: 10 * MIN,
            max_entries: 4,
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_account_is_locked_after_its_failures_until_the_window_ends() {
        let l = LoginLimiter::new(limits());
        let t0 = Instant::now();
        let a = ip("203.0.113.7");
        for i in 0..3 {
            assert_eq!(l.check("dana@example.com", a, t0 + i * MIN), Ok(()));
            l.failed("dana@example.com", a, t0 + i * MIN);
        }
        // Locked until t0 + 10 min; the email's case and spaces do not matter.
        assert_eq!(l.check(" Dana@Example.com", a, t0 + 3 * MIN), Err(7 * MIN));
        assert_eq!(l.check("dana@example.com", a, t0 + 9 * MIN), Err(MIN));
        // Another address, or another email from this one, is not locked.
        assert_eq!(
            l.check("dana@example.com", ip("198.51.100.1"), t0 + 3 * MIN),
            Ok(())
        );
        assert_eq!(l.check("other@example.com", a, t0 + 3 * MIN), Ok(()));
        // The window ends: free again, with a fresh count.
        assert_eq!(l.check("dana@example.com", a, t0 + 10 * MIN), Ok(()));
        l.failed("dana@example.com", a, t0 + 10 * MIN);
        assert_eq!(l.check("dana@example.com", a, t0 + 10 * MIN), Ok(()));
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() {
        let l = LoginLimiter::new(limits());
        let t0 = Instant::now();
        let a = ip("203.0.113.7");
        l.failed("dana@example.com", a, t0);
        l.failed("dana@example.com", a, t0);
        l.succeeded("dana@example.com", a);
        l.failed("dana@example.com", a, t0);
        l.failed("dana@example.com", a, t0);
        // 2 failures since the success: not locked (limit 3) …
        assert_eq!(l.check("dana@example.com", a, t0), Ok(()));
        // … but the address has 4 failures in all; the 5th locks every email from it.
        l.failed("eve@example.com", a, t0);
        assert_eq!(l.check("someone@example.com", a, t0 + MIN), Err(9 * MIN));
        l.succeeded("dana@example.com", a);
        assert_eq!(l.check("dana@example.com", a, t0 + MIN), Err(9 * MIN));
    }

    #[test]
    fn memory_is_bounded() {
        let l = LoginLimiter::new(limits());
        let t0 = Instant::now();
        for i in 0..50u8 {
            let a = IpAddr::from([203, 0, 113, i]);
            l.failed(
                &format!("u{i}@example.com"),
                a,
                t0 + u32::from(i) * Duration::from_secs(1),
            );
        }
        assert_eq!(l.entries(), (4, 4));
        // The newest entries are the ones kept.
        let newest = IpAddr::from([203, 0, 113, 49]);
        for _ in 0..2 {
            l.failed("u49@example.com", newest, t0 + MIN);
        }
        assert!(l.check("u49@example.com", newest, t0 + MIN).is_err());
        // Expired entries go first when a new one arrives.
        l.failed("new@example.com", ip("192.0.2.1"), t0 + 11 * MIN);
        assert_eq!(l.entries(), (1, 1));
    }

    #[test]
    fn the_client_behind_our_proxy_is_the_last_forwarded_address() {
        let proxy = Some(ip("10.1.2.3"));
        assert_eq!(
            client_ip(proxy, Some("1.1.1.1, 203.0.113.9")),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_ip(Some(ip("::1")), Some("2001:db8::5")),
            Some(ip("2001:db8::5"))
        );
        // No or garbage header: the proxy itself.
        assert_eq!(client_ip(proxy, None), proxy);
        assert_eq!(client_ip(proxy, Some("unknown")), proxy);
        // A public peer is the client; what it claims to forward is ignored.
        let public = Some(ip("198.51.100.4"));
        assert_eq!(client_ip(public, Some("10.0.0.1")), public);
        assert_eq!(client_ip(None, Some("1.1.1.1")), None);
    }
}
