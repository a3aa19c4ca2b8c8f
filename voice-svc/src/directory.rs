//! What a webhook needs of a business, kept in memory: the business answering on a number (or
//! named by id or slug) and its greeting's audio URL, so that a webhook costs the gateway →
//! voice-svc call and its event's publish instead of a crm-svc and a speech-svc round trip.
//!
//! Filled on first use and emptied of a business when its `business.created|changed` event
//! arrives ([`follow`]: a fan-out consumer, so every replica hears every change within the bus's
//! delivery time), with [`TTL`] as the backstop. Correct across stateless replicas because:
//! - nothing is kept while this replica is not subscribed to the changes ([`Directory::set_live`]),
//!   and everything is dropped when the subscription ends or reports an error (an event may have
//!   been missed);
//! - a lookup that was in flight when a change arrived is not kept ([`Ticket`]): it may have read
//!   the business before the change was committed.
//!
//! The decisions (what is fresh, what a change drops) are in [`State`], free of clocks and locks.

use agentlocator_common::bus::SharedBus;
use agentlocator_proto::v1::{self as pb, event::Payload};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio_util::sync::CancellationToken;

/// Longest anything is kept without an event confirming it: the backstop should an event be lost.
pub const TTL: Duration = Duration::from_secs(30);
/// Entries kept at most; past it the expired ones go, and if that is not enough, all of them.
pub const MAX_ENTRIES: usize = 50_000;
/// Name (prefix) of each replica's fan-out consumer of business changes.
pub const CONSUMER: &str = "voice-svc-directory";

/// How a business is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A number it answers on, E.164.
    Number(String),
    Id(String),
    Slug(String),
}

#[derive(Debug, Clone)]
struct Entry<T> {
    value: T,
    expires: Instant,
}

/// The generation a lookup started in: its result is kept only if no change arrived meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

/// The directory's contents and rules, without a clock or a lock (`now` is passed in).
#[derive(Debug, Default)]
pub struct State {
    live: bool,
    generation: u64,
    /// `None`: no business answers on this key (a number of nobody).
    businesses: HashMap<Key, Entry<Option<Arc<pb::Business>>>>,
    /// By business id: the greeting text and its audio URL.
    greetings: HashMap<String, Entry<(String, String)>>,
}

impl State {
    /// Whether changes are being followed (only then is anything kept).
    pub fn is_live(&self) -> bool {
        self.live
    }

    pub fn set_live(&mut self, live: bool) {
        self.live = live;
        self.clear();
    }

    /// Drops everything; lookups in flight are not kept.
    pub fn clear(&mut self) {
        self.generation += 1;
        self.businesses.clear();
        self.greetings.clear();
    }

    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation)
    }

    /// `Some(found)` when the answer for `key` is known and fresh (`found` may be `None`: no
    /// business); `None` when crm-svc must be asked.
    pub fn business(&self, key: &Key, now: Instant) -> Option<Option<Arc<pb::Business>>> {
        self.businesses
            .get(key)
            .filter(|e| e.expires > now)
            .map(|e| e.value.clone())
    }

    /// Keeps what a lookup of `key` started with `ticket` found, unless a change arrived since.
    pub fn keep_business(
        &mut self,
        ticket: Ticket,
        key: Key,
        found: Option<Arc<pb::Business>>,
        now: Instant,
        ttl: Duration,
    ) {
        if !self.keeps(ticket, now, ttl) {
            return;
        }
        self.businesses.insert(
            key,
            Entry {
                value: found,
                expires: now + ttl,
            },
        );
    }

    /// The audio URL of `business_id`'s greeting `text`, when known and fresh.
    pub fn greeting(&self, business_id: &str, text: &str, now: Instant) -> Option<String> {
        self.greetings
            .get(business_id)
            .filter(|e| e.expires > now && e.value.0 == text)
            .map(|e| e.value.1.clone())
    }

    pub fn keep_greeting(
        &mut self,
        ticket: Ticket,
        business_id: &str,
        text: &str,
        audio_url: &str,
        now: Instant,
        ttl: Duration,
    ) {
        if !self.keeps(ticket, now, ttl) {
            return;
        }
        self.greetings.insert(
            business_id.to_string(),
            Entry {
                value: (text.to_string(), audio_url.to_string()),
                expires: now + ttl,
            },
        );
    }

    /// Whether a result of `ticket` may be kept now, making room when the directory is full.
    fn keeps(&mut self, ticket: Ticket, now: Instant, ttl: Duration) -> bool {
        if !self.live || ticket.0 != self.generation || ttl.is_zero() {
            return false;
        }
        if self.businesses.len() + self.greetings.len() >= MAX_ENTRIES {
            self.businesses.retain(|_, e| e.expires > now);
            self.greetings.retain(|_, e| e.expires > now);
            if self.businesses.len() + self.greetings.len() >= MAX_ENTRIES {
                self.businesses.clear();
                self.greetings.clear();
            }
        }
        true
    }

    /// `business_id` changed (its numbers were `numbers` and are now theirs, or it is new):
    /// everything that names it goes, every "no business here" goes (a number or slug may now be
    /// its), and lookups in flight are not kept.
    pub fn changed(&mut self, business_id: &str, numbers: &[String]) {
        self.generation += 1;
        self.businesses.retain(|key, e| match &e.value {
            Some(b) => b.id != business_id && !matches!(key, Key::Number(n) if numbers.contains(n)),
            None => false,
        });
        self.greetings.remove(business_id);
    }
}

/// [`State`] behind a lock, with the clock.
#[derive(Debug)]
pub struct Directory {
    state: Mutex<State>,
    ttl: Duration,
}

impl Default for Directory {
    fn default() -> Self {
        Self::new(TTL)
    }
}

impl Directory {
    pub fn new(ttl: Duration) -> Self {
        Directory {
            state: Mutex::new(State::default()),
            ttl,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent at every step: a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_live(&self) -> bool {
        self.state().is_live()
    }

    pub fn set_live(&self, live: bool) {
        self.state().set_live(live);
    }

    pub fn clear(&self) {
        self.state().clear();
    }

    pub fn ticket(&self) -> Ticket {
        self.state().ticket()
    }

    pub fn business(&self, key: &Key) -> Option<Option<Arc<pb::Business>>> {
        self.state().business(key, Instant::now())
    }

    pub fn keep_business(&self, ticket: Ticket, key: Key, found: Option<Arc<pb::Business>>) {
        self.state()
            .keep_business(ticket, key, found, Instant::now(), self.ttl);
    }

    pub fn greeting(&self, business_id: &str, text: &str) -> Option<String> {
        self.state().greeting(business_id, text, Instant::now())
    }

    pub fn keep_greeting(&self, ticket: Ticket, business_id: &str, text: &str, audio_url: &str) {
        self.state().keep_greeting(
            ticket,
            business_id,
            text,
            audio_url,
            Instant::now(),
            self.ttl,
        );
    }

    /// Applies `event` when it is a business's change.
    pub fn apply(&self, event: &agentlocator_proto::Event) {
        if let Some(Payload::Business(b)) = &event.payload {
            let numbers: Vec<String> = b
                .twilio_numbers
                .iter()
                .chain(&b.previous_twilio_numbers)
                .cloned()
                .collect();
            self.state().changed(&event.business_id, &numbers);
        }
    }
}

impl agentlocator_common::bus::Follower for Directory {
    fn set_live(&self, live: bool) {
        Directory::set_live(self, live);
    }
    fn clear(&self) {
        Directory::clear(self);
    }
    fn apply(&self, event: &agentlocator_proto::Event) {
        Directory::apply(self, event);
    }
}

/// Follows business changes on `bus` into `directory` until `shutdown`: the directory is live
/// while subscribed, emptied on any error of the subscription, and resubscribes when it ends.
pub async fn follow(directory: Arc<Directory>, bus: SharedBus, shutdown: CancellationToken) {
    agentlocator_common::bus::follow(directory, bus, CONSUMER, "*.business.>", shutdown).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn business(id: &str, numbers: &[&str]) -> Arc<pb::Business> {
        Arc::new(pb::Business {
            id: id.into(),
            twilio_numbers: numbers.iter().map(|n| n.to_string()).collect(),
            ..Default::default()
        })
    }

    fn number(n: &str) -> Key {
        Key::Number(n.into())
    }

    fn live() -> State {
        let mut s = State::default();
        s.set_live(true);
        s
    }

    const TTL: Duration = Duration::from_secs(30);

    #[test]
    fn nothing_is_kept_unless_changes_are_followed() {
        let now = Instant::now();
        let mut s = State::default();
        let t = s.ticket();
        s.keep_business(
            t,
            number("+97231"),
            Some(business("a", &["+97231"])),
            now,
            TTL,
        );
        s.keep_greeting(t, "a", "שלום", "http://x/a.wav", now, TTL);
        assert_eq!(s.business(&number("+97231"), now), None);
        assert_eq!(s.greeting("a", "שלום", now), None);

        let mut s = live();
        let t = s.ticket();
        s.keep_business(
            t,
            number("+97231"),
            Some(business("a", &["+97231"])),
            now,
            TTL,
        );
        assert!(s.business(&number("+97231"), now).unwrap().is_some());
        // The subscription ends: everything goes, and nothing more is kept.
        s.set_live(false);
        assert_eq!(s.business(&number("+97231"), now), None);
        let t = s.ticket();
        s.keep_business(t, number("+97231"), None, now, TTL);
        assert_eq!(s.business(&number("+97231"), now), None);
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let now = Instant::now();
        let mut s = live();
        let t = s.ticket();
        s.keep_business(t, number("+97231"), None, now, TTL);
        s.keep_greeting(t, "a", "שלום", "http://x/a.wav", now, TTL);
        assert_eq!(s.business(&number("+97231"), now + TTL / 2), Some(None));
        assert_eq!(
            s.greeting("a", "שלום", now + TTL / 2).as_deref(),
            Some("http://x/a.wav")
        );
        assert_eq!(s.business(&number("+97231"), now + TTL), None);
        assert_eq!(s.greeting("a", "שלום", now + TTL), None);
    }

    #[test]
    fn a_zero_ttl_keeps_nothing() {
        let now = Instant::now();
        let mut s = live();
        let t = s.ticket();
        s.keep_business(t, number("+97231"), None, now, Duration::ZERO);
        s.keep_greeting(t, "a", "שלום", "http://x/a.wav", now, Duration::ZERO);
        assert_eq!(s.business(&number("+97231"), now), None);
        assert_eq!(s.greeting("a", "שלום", now), None);
    }

    #[test]
    fn a_greeting_is_the_audio_of_its_own_text_only() {
        let now = Instant::now();
        let mut s = live();
        let t = s.ticket();
        s.keep_greeting(t, "a", "שלום", "http://x/a.wav", now, TTL);
        assert_eq!(s.greeting("a", "שלום לכם", now), None);
        assert_eq!(s.greeting("b", "שלום", now), None);
    }

    #[test]
    fn a_lookup_in_flight_during_a_change_is_not_kept() {
        let now = Instant::now();
        let mut s = live();
        let before = s.ticket();
        s.changed("b", &[]);
        s.keep_business(before, number("+97231"), Some(business("a", &[])), now, TTL);
        s.keep_greeting(before, "a", "שלום", "http://x/a.wav", now, TTL);
        assert_eq!(s.business(&number("+97231"), now), None);
        assert_eq!(s.greeting("a", "שלום", now), None);
        // Started after the change, it is.
        let after = s.ticket();
        s.keep_business(after, number("+97231"), Some(business("a", &[])), now, TTL);
        assert!(s.business(&number("+97231"), now).is_some());
    }

    #[test]
    fn a_change_drops_its_business_and_every_unknown_number_only() {
        let now = Instant::now();
        let mut s = live();
        let t = s.ticket();
        let a = business("a", &["+97231"]);
        let b = business("b", &["+97232"]);
        s.keep_business(t, number("+97231"), Some(a.clone()), now, TTL);
        s.keep_business(t, Key::Id("a".into()), Some(a), now, TTL);
        s.keep_business(t, number("+97232"), Some(b.clone()), now, TTL);
        s.keep_business(t, Key::Slug("b".into()), Some(b), now, TTL);
        s.keep_business(t, number("+97239"), None, now, TTL);
        s.keep_greeting(t, "a", "שלום", "http://x/a.wav", now, TTL);
        s.keep_greeting(t, "b", "היי", "http://x/b.wav", now, TTL);

        s.changed("a", &["+97231".into()]);
        assert_eq!(s.business(&number("+97231"), now), None);
        assert_eq!(s.business(&Key::Id("a".into()), now), None);
        assert_eq!(s.greeting("a", "שלום", now), None);
        // Nobody's number may be a's now.
        assert_eq!(s.business(&number("+97239"), now), None);
        // b is untouched.
        assert!(s.business(&number("+97232"), now).unwrap().is_some());
        assert!(s.business(&Key::Slug("b".into()), now).unwrap().is_some());
        assert!(s.greeting("b", "היי", now).is_some());
    }

    #[test]
    fn a_number_named_by_a_change_goes_whoever_it_was_cached_for() {
        // c takes +97232 from b in one change (b's own event not seen yet).
        let now = Instant::now();
        let mut s = live();
        let t = s.ticket();
        s.keep_business(
            t,
            number("+97232"),
            Some(business("b", &["+97232"])),
            now,
            TTL,
        );
        s.changed("c", &["+97232".into()]);
        assert_eq!(s.business(&number("+97232"), now), None);
    }

    #[test]
    fn a_full_directory_makes_room() {
        let now = Instant::now();
        let mut s = live();
        let t = s.ticket();
        for n in 0..MAX_ENTRIES {
            s.keep_business(t, number(&n.to_string()), None, now, TTL);
        }
        s.keep_business(t, number("last"), None, now, TTL);
        assert!(s.businesses.len() <= MAX_ENTRIES);
        assert_eq!(s.business(&number("last"), now), Some(None));
    }

    #[test]
    fn the_directory_applies_business_events_only() {
        let d = Directory::default();
        d.set_live(true);
        let t = d.ticket();
        d.keep_business(t, number("+97231"), Some(business("a", &["+97231"])));
        let task = agentlocator_proto::new_event(
            "a",
            Payload::Task(pb::TaskEvent {
                kind: pb::TaskEventKind::Created as i32,
                ..Default::default()
            }),
        );
        d.apply(&task);
        assert!(d.business(&number("+97231")).is_some());
        let changed = agentlocator_proto::new_event(
            "a",
            Payload::Business(pb::BusinessEvent {
                kind: pb::BusinessEventKind::Changed as i32,
                twilio_numbers: vec![],
                previous_twilio_numbers: vec!["+97231".into()],
            }),
        );
        d.apply(&changed);
        assert_eq!(d.business(&number("+97231")), None);
    }

    #[tokio::test]
    async fn following_the_bus_empties_a_changed_business_and_stops_with_the_subscription() {
        use agentlocator_common::bus::{EventBus, MemoryBus};
        let bus = Arc::new(MemoryBus::new("al"));
        let d = Arc::new(Directory::default());
        let stop = CancellationToken::new();
        let task = tokio::spawn(follow(d.clone(), bus.clone(), stop.clone()));
        let deadline = Instant::now() + Duration::from_secs(5);
        while !d.is_live() {
            assert!(Instant::now() < deadline, "never subscribed");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let t = d.ticket();
        d.keep_business(t, number("+97231"), Some(business("a", &["+97231"])));
        bus.publish(&agentlocator_proto::new_event(
            "a",
            Payload::Business(pb::BusinessEvent {
                kind: pb::BusinessEventKind::Changed as i32,
                twilio_numbers: vec!["+97231".into()],
                previous_twilio_numbers: vec!["+97231".into()],
            }),
        ))
        .await
        .unwrap();
        while d.business(&number("+97231")).is_some() {
            assert!(Instant::now() < deadline, "the change never arrived");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        stop.cancel();
        task.await.unwrap();
        assert!(!d.is_live());
    }
}
