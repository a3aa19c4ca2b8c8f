//! The hours each business saved, validated, kept in memory for the WhatsApp closure reply: an
//! inbound message then neither reads nor validates the hours JSON inside its transaction.
//!
//! Correct across replicas the way voice-svc's directory is: something is kept only while this
//! replica follows business changes (`agentlocator_common::bus::follow`, a fan-out consumer of
//! `*.business.>`; saving the hours writes `business.changed`), a business is dropped when its
//! change arrives (and on the replica that saved the hours, right after the commit), everything is
//! dropped when the subscription fails, a lookup that was in flight when a change arrived is not
//! kept, and [`TTL`] bounds what a lost event could leave stale.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use agentlocator_common::bus::{Follower, SharedBus};
use agentlocator_hours::Schedule;
use agentlocator_proto::{Event, v1::event::Payload};
use tokio_util::sync::CancellationToken;

use crate::{error::Result, ids::BusinessId};

/// Longest the hours are kept without an event confirming them.
pub const TTL: Duration = Duration::from_secs(30);
/// Businesses kept at most; past it the expired ones go, and if that is not enough, all of them.
pub const MAX_ENTRIES: usize = 50_000;
/// Name (prefix) of each replica's fan-out consumer of business changes.
pub const CONSUMER: &str = "crm-svc-hours";

/// `None`: the business has not saved its hours.
type Hours = Option<Arc<Schedule>>;

#[derive(Debug, Default)]
struct State {
    live: bool,
    /// Bumped by every change: a lookup that started in an older generation is not kept.
    generation: u64,
    entries: HashMap<String, (Hours, Instant)>,
}

#[derive(Debug)]
pub struct HoursCache {
    state: Mutex<State>,
    ttl: Duration,
}

impl Default for HoursCache {
    fn default() -> Self {
        Self::new(TTL)
    }
}

impl HoursCache {
    pub fn new(ttl: Duration) -> Self {
        HoursCache {
            state: Mutex::new(State::default()),
            ttl,
        }
    }

    /// A cache that keeps nothing: every lookup loads.
    pub fn uncached() -> Self {
        Self::new(Duration::ZERO)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Every step leaves the state consistent: a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_live(&self) -> bool {
        self.state().live
    }

    /// The hours of `business_id`: kept ones while fresh, else `load`ed (and kept, unless a change
    /// arrived meanwhile).
    pub fn get_or_load(
        &self,
        business_id: &BusinessId,
        load: impl FnOnce() -> Result<Option<Schedule>>,
    ) -> Result<Hours> {
        self.get_or_load_at(business_id, Instant::now(), load)
    }

    fn get_or_load_at(
        &self,
        business_id: &BusinessId,
        now: Instant,
        load: impl FnOnce() -> Result<Option<Schedule>>,
    ) -> Result<Hours> {
        let ticket = {
            let s = self.state();
            if let Some((hours, expires)) = s.entries.get(business_id.as_str())
                && *expires > now
            {
                return Ok(hours.clone());
            }
            s.generation
        };
        let hours = load()?.map(Arc::new);
        let mut s = self.state();
        if s.live && s.generation == ticket && !self.ttl.is_zero() {
            if s.entries.len() >= MAX_ENTRIES {
                s.entries.retain(|_, (_, expires)| *expires > now);
                if s.entries.len() >= MAX_ENTRIES {
                    s.entries.clear();
                }
            }
            s.entries.insert(
                business_id.as_str().to_owned(),
                (hours.clone(), now + self.ttl),
            );
        }
        Ok(hours)
    }

    /// `business_id` changed: its hours go, and lookups in flight are not kept.
    pub fn forget(&self, business_id: &str) {
        let mut s = self.state();
        s.generation += 1;
        s.entries.remove(business_id);
    }
}

impl Follower for HoursCache {
    fn set_live(&self, live: bool) {
        let mut s = self.state();
        s.live = live;
        s.generation += 1;
        s.entries.clear();
    }

    fn clear(&self) {
        let mut s = self.state();
        s.generation += 1;
        s.entries.clear();
    }

    fn apply(&self, event: &Event) {
        if let Some(Payload::Business(_)) = &event.payload {
            self.forget(&event.business_id);
        }
    }
}

/// Follows business changes on `bus` into `cache` until `shutdown`.
pub async fn follow(cache: Arc<HoursCache>, bus: SharedBus, shutdown: CancellationToken) {
    agentlocator_common::bus::follow(cache, bus, CONSUMER, "*.business.>", shutdown).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentlocator_hours::HoursSettings;
    use std::cell::Cell;

    fn schedule() -> Schedule {
        HoursSettings::default_for("haifa").validate().unwrap()
    }

    fn live() -> HoursCache {
        let c = HoursCache::default();
        c.set_live(true);
        c
    }

    /// Looks `id` up at `now`, counting the loads.
    fn lookup(c: &HoursCache, id: &str, now: Instant, loads: &Cell<u32>) -> Hours {
        c.get_or_load_at(&BusinessId::from(id), now, || {
            loads.set(loads.get() + 1);
            Ok(Some(schedule()))
        })
        .unwrap()
    }

    #[test]
    fn kept_while_live_and_fresh_only() {
        let (now, loads) = (Instant::now(), Cell::new(0));
        let c = HoursCache::default();
        lookup(&c, "a", now, &loads);
        lookup(&c, "a", now, &loads);
        assert_eq!(
            loads.get(),
            2,
            "nothing kept while changes are not followed"
        );

        let c = live();
        let loads = Cell::new(0);
        assert!(lookup(&c, "a", now, &loads).is_some());
        lookup(&c, "a", now + TTL / 2, &loads);
        assert_eq!(loads.get(), 1);
        lookup(&c, "a", now + TTL, &loads);
        assert_eq!(loads.get(), 2, "expired after the TTL");
        c.set_live(false);
        lookup(&c, "a", now, &loads);
        lookup(&c, "a", now, &loads);
        assert_eq!(
            loads.get(),
            4,
            "dropped and not kept once the subscription ends"
        );
    }

    #[test]
    fn a_change_drops_its_business_and_a_lookup_in_flight_is_not_kept() {
        let (now, loads) = (Instant::now(), Cell::new(0));
        let c = live();
        lookup(&c, "a", now, &loads);
        lookup(&c, "b", now, &loads);
        c.apply(&agentlocator_proto::new_event(
            "a",
            Payload::Business(agentlocator_proto::v1::BusinessEvent {
                kind: agentlocator_proto::v1::BusinessEventKind::Changed as i32,
                ..Default::default()
            }),
        ));
        lookup(&c, "a", now, &loads);
        lookup(&c, "b", now, &loads);
        assert_eq!(loads.get(), 3, "only a is read again");

        // A change while a is being read: what was read is not kept.
        let id = BusinessId::from("c");
        c.get_or_load_at(&id, now, || {
            c.forget("c");
            Ok(None)
        })
        .unwrap();
        let loaded = Cell::new(false);
        c.get_or_load_at(&id, now, || {
            loaded.set(true);
            Ok(None)
        })
        .unwrap();
        assert!(loaded.get());
    }

    #[test]
    fn an_uncached_lookup_always_loads_and_errors_pass_through() {
        let (now, loads) = (Instant::now(), Cell::new(0));
        let c = HoursCache::uncached();
        c.set_live(true);
        lookup(&c, "a", now, &loads);
        lookup(&c, "a", now, &loads);
        assert_eq!(loads.get(), 2);
        let e = c.get_or_load(&BusinessId::from("a"), || {
            Err(crate::error::Error::Internal("db down".into()))
        });
        assert!(e.is_err());
    }
}
