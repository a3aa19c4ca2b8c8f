//! Throttling of failed sign-ins (`POST /api/auth/login`), against password guessing.
//!
//! Three counters of failed attempts:
//! - per account and client address (`email`, IP): [`LoginLimits::per_account`] failures lock that
//!   pair until the window ends; a successful sign-in clears the pair;
//! - per client address: [`LoginLimits::per_ip`] failures (any email) lock the address, so one
//!   address cannot sweep many accounts. A success does not clear it (or an attacker with one
//!   account of their own could reset it between guesses);
//! - per account from any address: after [`LoginLimits::per_email`] failures, each further try
//!   of that email waits [`LoginLimits::backoff_base`] after the latest failure, doubling with
//!   every failure up to [`LoginLimits::backoff_max`]; the count is forgotten a
//!   [`LoginLimits::window`] after the latest failure. So guessing one account's password from
//!   ever new addresses (a botnet) gets a few tries an hour instead of unlimited ones.
//!
//! The real owner is not locked out by that last counter: an address where the email signed in
//! successfully is remembered as the account's own for [`LoginLimits::known_for`], and tries
//! from it skip the per-account backoff (they still count against the first two limits). An
//! attacker cannot make an address known without the password. Only from an address it never
//! signed in from does the owner wait like everyone else while the account is under attack.
//! A success does not reset the per-account count (the owner's daily sign-in would otherwise hand
//! the attacker a fresh allowance).
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
    /// Failures of one email from any address before its tries are spaced out.
    pub per_email: u32,
    /// The first wait of a spaced-out email; it doubles with each further failure.
    pub backoff_base: Duration,
    /// The longest wait of a spaced-out email.
    pub backoff_max: Duration,
    /// How long failures are remembered: per pair and per address from the first failure of a
    /// window, per email from the latest failure.
    pub window: Duration,
    /// How long an address where an email signed in stays that account's own.
    pub known_for: Duration,
    /// Entries per table before eviction.
    pub max_entries: usize,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_account: 5,
            per_ip: 30,
            per_email: 10,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(15 * 60),
            window: Duration::from_secs(15 * 60),
            known_for: Duration::from_secs(30 * 24 * 60 * 60),
            max_entries: 100_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    /// The first failure of the window.
    since: Instant,
    /// The latest failure (or, for known addresses, the latest success).
    last: Instant,
}

impl Entry {
    fn new(now: Instant) -> Self {
        Entry {
            failures: 0,
            since: now,
            last: now,
        }
    }
}

/// Entries keyed by `K`, bounded; `expired` says when one is no longer needed.
struct Table<K> {
    entries: Mutex<HashMap<K, Entry>>,
    expired: fn(&Entry, &LoginLimits, Instant) -> bool,
}

impl<K: Eq + Hash + Clone> Table<K> {
    fn new(expired: fn(&Entry, &LoginLimits, Instant) -> bool) -> Self {
        Table {
            entries: Mutex::new(HashMap::new()),
            expired,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The live entry of `key` (an expired one is dropped).
    fn get<Q>(&self, key: &Q, l: &LoginLimits, now: Instant) -> Option<Entry>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let mut entries = self.lock();
        let e = *entries.get(key)?;
        if (self.expired)(&e, l, now) {
            entries.remove(key);
            return None;
        }
        Some(e)
    }

    /// How long `key` stays locked, if it has `max` or more failures in the current window.
    fn locked_for(&self, key: &K, max: u32, l: &LoginLimits, now: Instant) -> Option<Duration> {
        let e = self.get(key, l, now)?;
        (e.failures >= max).then(|| e.since + l.window - now)
    }

    /// Applies `change` to the live entry of `key` (a fresh one when there is none), making room
    /// first when the table is full: expired entries go, then the oldest.
    fn update(&self, key: K, l: &LoginLimits, now: Instant, change: impl FnOnce(&mut Entry)) {
        let mut entries = self.lock();
        if !entries.contains_key(&key) && entries.len() >= l.max_entries {
            entries.retain(|_, e| !(self.expired)(e, l, now));
            if entries.len() >= l.max_entries
                && let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.last)
                    .map(|(k, _)| k.clone())
            {
                entries.remove(&oldest);
            }
        }
        let e = entries.entry(key).or_insert(Entry::new(now));
        if (self.expired)(e, l, now) {
            *e = Entry::new(now);
        }
        change(e);
    }

    fn fail(&self, key: K, l: &LoginLimits, now: Instant) {
        self.update(key, l, now, |e| {
            e.failures = e.failures.saturating_add(1);
            e.last = now;
        });
    }

    fn clear(&self, key: &K) {
        self.lock().remove(key);
    }

    fn len(&self) -> usize {
        self.lock().len()
    }
}

fn window_over(e: &Entry, l: &LoginLimits, now: Instant) -> bool {
    now >= e.since + l.window
}

fn quiet_for_a_window(e: &Entry, l: &LoginLimits, now: Instant) -> bool {
    now >= e.last + l.window
}

fn known_expired(e: &Entry, l: &LoginLimits, now: Instant) -> bool {
    now >= e.last + l.known_for
}

/// The failed-sign-in counters of this gateway replica.
pub struct LoginLimiter {
    limits: LoginLimits,
    by_account: Table<(String, IpAddr)>,
    by_ip: Table<IpAddr>,
    by_email: Table<String>,
    /// (email, address) pairs that signed in successfully: the account's own addresses.
    known: Table<(String, IpAddr)>,
}

fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

fn account_key(email: &str, ip: IpAddr) -> (String, IpAddr) {
    (email_key(email), ip)
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> Self {
        LoginLimiter {
            limits,
            by_account: Table::new(window_over),
            by_ip: Table::new(window_over),
            by_email: Table::new(quiet_for_a_window),
            known: Table::new(known_expired),
        }
    }

    pub fn limits(&self) -> LoginLimits {
        self.limits
    }

    /// `Err(wait)` when `email` from `ip` may not try now; `wait` is until it may.
    pub fn check(&self, email: &str, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let l = &self.limits;
        let pair = account_key(email, ip);
        let account = self.by_account.locked_for(&pair, l.per_account, l, now);
        let address = self.by_ip.locked_for(&ip, l.per_ip, l, now);
        let spaced = if self.known.get(&pair, l, now).is_some() {
            None
        } else {
            self.email_wait(&pair.0, now)
        };
        match account.max(address).max(spaced) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// The per-account backoff of `email`: the wait left after its latest failure.
    fn email_wait(&self, email: &str, now: Instant) -> Option<Duration> {
        let l = &self.limits;
        let e = self.by_email.get(email, l, now)?;
        let over = e.failures.checked_sub(l.per_email)?;
        let delay = l
            .backoff_base
            .checked_mul(1u32.checked_shl(over).unwrap_or(u32::MAX))
            .unwrap_or(l.backoff_max)
            .min(l.backoff_max);
        (e.last + delay)
            .checked_duration_since(now)
            .filter(|w| !w.is_zero())
    }

    /// A wrong email or password.
    pub fn failed(&self, email: &str, ip: IpAddr, now: Instant) {
        let l = &self.limits;
        let pair = account_key(email, ip);
        self.by_email.fail(pair.0.clone(), l, now);
        self.by_account.fail(pair, l, now);
        self.by_ip.fail(ip, l, now);
    }

    /// A successful sign-in: the account's failures from this address are forgotten, and the
    /// address becomes one of the account's own.
    pub fn succeeded(&self, email: &str, ip: IpAddr, now: Instant) {
        let pair = account_key(email, ip);
        self.by_account.clear(&pair);
        self.known.update(pair, &self.limits, now, |e| e.last = now);
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

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    fn limits() -> LoginLimits {
        LoginLimits {
            per_account: 3,
            per_ip: 5,
            per_email: 1000,
            backoff_base: Duration::from_secs(1),
            backoff_max: MIN,
            window: 10 * MIN,
            known_for: 60 * MIN,
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
        l.succeeded("dana@example.com", a, t0);
        l.failed("dana@example.com", a, t0);
        l.failed("dana@example.com", a, t0);
        // 2 failures since the success: not locked (limit 3) …
        assert_eq!(l.check("dana@example.com", a, t0), Ok(()));
        // … but the address has 4 failures in all; the 5th locks every email from it.
        l.failed("eve@example.com", a, t0);
        assert_eq!(l.check("someone@example.com", a, t0 + MIN), Err(9 * MIN));
        l.succeeded("dana@example.com", a, t0);
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
    fn one_account_from_ever_new_addresses_is_spaced_out() {
        let l = LoginLimiter::new(LoginLimits {
            per_email: 4,
            max_entries: 1000,
            ..limits()
        });
        let t0 = Instant::now();
        let sec = Duration::from_secs(1);
        let from = |i: u32| IpAddr::from([203, 0, 113, i as u8]);
        // Four failures from four addresses: no pair or address limit is reached …
        for i in 0..4 {
            assert_eq!(l.check("dana@example.com", from(i), t0), Ok(()));
            l.failed("dana@example.com", from(i), t0);
        }
        // … but the account now waits 1 s after its latest failure, from any new address.
        assert_eq!(l.check("dana@example.com", from(50), t0), Err(sec));
        assert_eq!(l.check(" DANA@example.com", from(51), t0), Err(sec));
        assert_eq!(l.check("dana@example.com", from(50), t0 + sec), Ok(()));
        // Each further failure doubles the wait, up to the ceiling (1 min here).
        let mut t = t0 + sec;
        for (n, wait) in [2u64, 4, 8, 16, 32, 60, 60].into_iter().enumerate() {
            l.failed("dana@example.com", from(60 + n as u32), t);
            let wait = Duration::from_secs(wait);
            assert_eq!(l.check("dana@example.com", from(99), t), Err(wait), "{n}");
            t += wait;
        }
        // Other accounts are untouched.
        assert_eq!(l.check("ron@example.com", from(50), t0), Ok(()));
        // A window without failures forgets the account's count.
        assert_eq!(l.check("dana@example.com", from(99), t + 10 * MIN), Ok(()));
        l.failed("dana@example.com", from(99), t + 10 * MIN);
        assert_eq!(l.check("dana@example.com", from(98), t + 10 * MIN), Ok(()));
    }

    #[test]
    fn the_owner_signs_in_from_a_known_address_while_the_account_is_attacked() {
        let l = LoginLimiter::new(LoginLimits {
            per_email: 2,
            max_entries: 1000,
            ..limits()
        });
        let t0 = Instant::now();
        let home = ip("198.51.100.7");
        l.succeeded("dana@example.com", home, t0);
        for i in 0..10u8 {
            l.failed("dana@example.com", IpAddr::from([203, 0, 113, i]), t0);
        }
        // The attacker's next address waits; the owner's known address does not.
        assert!(
            l.check("dana@example.com", ip("203.0.113.200"), t0)
                .is_err()
        );
        assert_eq!(l.check("dana@example.com", home, t0), Ok(()));
        // A success does not reset the account's count for everyone else …
        l.succeeded("dana@example.com", home, t0);
        assert!(
            l.check("dana@example.com", ip("203.0.113.201"), t0)
                .is_err()
        );
        // … and an address is known only for a while.
        assert!(l.check("dana@example.com", home, t0 + 61 * MIN).is_ok());
        l.failed("dana@example.com", ip("203.0.113.202"), t0 + 61 * MIN);
        l.failed("dana@example.com", ip("203.0.113.203"), t0 + 61 * MIN);
        assert!(l.check("dana@example.com", home, t0 + 61 * MIN).is_err());
    }
}
