//! The in-process bus of the embedded default. It keeps JetStream's semantics where consumers can
//! tell: a durable consumer created late still sees retained events, subscribers with one name
//! share one queue, un-acked deliveries come back, and a re-published event id is stored once.

use super::{BusError, ConsumerSpec, Delivery, EventBus, Settle, Subscription, relative_subject};
use agentlocator_proto::Event;
use async_trait::async_trait;
use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::Notify;

/// Events kept for consumers that have not caught up yet (and for consumers created later).
const RETAIN: usize = 100_000;
/// How many recent event ids are remembered for de-duplication.
const DEDUP_WINDOW: usize = 100_000;

pub struct MemoryBus {
    inner: Arc<Inner>,
}

struct Inner {
    root: String,
    state: Mutex<State>,
    notify: Notify,
}

#[derive(Default)]
struct State {
    /// Offset of `log[0]` in the stream.
    base: u64,
    log: VecDeque<Entry>,
    consumers: HashMap<String, ConsumerState>,
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
}

/// A retained event with its subject and the publisher's trace context.
struct Entry {
    subject: String,
    event: Event,
    parent: opentelemetry::Context,
}

type Next = (u64, u64, String, Event, opentelemetry::Context);

struct ConsumerState {
    spec: ConsumerSpec,
    /// Next stream offset to look at.
    cursor: u64,
    /// Offsets handed out and not yet acked, with their delivery counts.
    pending: HashMap<u64, u64>,
    /// Offsets nak'd and due for redelivery.
    redeliver: VecDeque<u64>,
}

impl MemoryBus {
    pub fn new(root: &str) -> Self {
        Self {
            inner: Arc::new(Inner {
                root: root.to_string(),
                state: Mutex::new(State::default()),
                notify: Notify::new(),
            }),
        }
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another thread panicked mid-update of plain data; the
        // data structures stay consistent for our operations, so keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next delivery for `consumer`, if one is ready.
    fn next_for(&self, consumer: &str) -> Option<Next> {
        let mut st = self.lock();
        let State {
            base,
            log,
            consumers,
            ..
        } = &mut *st;
        let c = consumers.get_mut(consumer)?;
        while let Some(off) = c.redeliver.pop_front() {
            if off < *base {
                continue; // trimmed away (retention limit)
            }
            let count = c.pending.entry(off).or_insert(0);
            *count += 1;
            let e = &log[(off - *base) as usize];
            return Some((
                off,
                *count,
                e.subject.clone(),
                e.event.clone(),
                e.parent.clone(),
            ));
        }
        c.cursor = c.cursor.max(*base);
        while c.cursor < *base + log.len() as u64 {
            let off = c.cursor;
            c.cursor += 1;
            let e = &log[(off - *base) as usize];
            if super::subject_matches(&c.spec.filter, &e.subject) {
                c.pending.insert(off, 1);
                return Some((off, 1, e.subject.clone(), e.event.clone(), e.parent.clone()));
            }
        }
        None
    }

    fn settle(&self, consumer: &str, offset: u64, redeliver: bool) {
        let mut st = self.lock();
        if let Some(c) = st.consumers.get_mut(consumer) {
            let Some(count) = c.pending.remove(&offset) else {
                return;
            };
            if redeliver {
                if (count as i64) < c.spec.max_deliver {
                    c.pending.insert(offset, count);
                    c.redeliver.push_back(offset);
                } else {
                    tracing::error!(consumer, offset, "event given up after max deliveries");
                }
            }
        }
        drop(st);
        if redeliver {
            self.notify.notify_waiters();
        }
    }
}

/// Waits until `consumer` has something to deliver.
async fn next_delivery(inner: &Inner, consumer: &str) -> Next {
    loop {
        // Register interest before looking, so a publish in between is not missed.
        let notified = inner.notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if let Some(next) = inner.next_for(consumer) {
            return next;
        }
        notified.await;
    }
}

/// Held by a subscription's stream: a fan-out consumer is removed when its stream is dropped.
struct ConsumerOwner {
    inner: Arc<Inner>,
    name: String,
    /// The consumer's metric label.
    label: Arc<str>,
    remove_on_drop: bool,
}

impl Drop for ConsumerOwner {
    fn drop(&mut self) {
        if self.remove_on_drop {
            self.inner.lock().consumers.remove(&self.name);
        }
    }
}

struct MemorySettle {
    inner: Arc<Inner>,
    consumer: String,
    offset: u64,
}

#[async_trait]
impl Settle for MemorySettle {
    async fn ack(self: Box<Self>) -> Result<(), BusError> {
        self.inner.settle(&self.consumer, self.offset, false);
        Ok(())
    }

    fn nak(self: Box<Self>, delay: Option<Duration>) {
        match delay {
            Some(d) if !d.is_zero() => {
                if let Ok(handle) = tokio::runtime::Handle::try_current() {
                    handle.spawn(async move {
                        tokio::time::sleep(d).await;
                        self.inner.settle(&self.consumer, self.offset, true);
                    });
                    return;
                }
                self.inner.settle(&self.consumer, self.offset, true);
            }
            _ => self.inner.settle(&self.consumer, self.offset, true),
        }
    }
}

#[async_trait]
impl EventBus for MemoryBus {
    async fn publish(&self, event: &Event) -> Result<(), BusError> {
        let subject = relative_subject(event)?;
        let mut st = self.inner.lock();
        if !st.seen.insert(event.id.clone()) {
            return Ok(()); // duplicate id: already stored
        }
        st.seen_order.push_back(event.id.clone());
        if st.seen_order.len() > DEDUP_WINDOW
            && let Some(old) = st.seen_order.pop_front()
        {
            st.seen.remove(&old);
        }
        let parent = {
            use tracing_opentelemetry::OpenTelemetrySpanExt;
            // Stored but not waited on: the span ends at once, its context goes with the event.
            super::publish_span(&subject, event).context()
        };
        st.log.push_back(Entry {
            subject,
            event: event.clone(),
            parent,
        });
        // Retention: drop the oldest events once over the limit, like a JetStream max_msgs limit.
        while st.log.len() > RETAIN {
            st.log.pop_front();
            st.base += 1;
        }
        drop(st);
        self.inner.notify.notify_waiters();
        Ok(())
    }

    async fn subscribe(&self, spec: ConsumerSpec) -> Result<Subscription, BusError> {
        let name = spec.name.clone();
        let label: Arc<str> = spec.metric_label().into();
        let fan_out = spec.fan_out;
        {
            let mut st = self.inner.lock();
            // A fan-out consumer starts after the last retained event; a durable one at the oldest.
            let start = if fan_out {
                st.base + st.log.len() as u64
            } else {
                st.base
            };
            st.consumers
                .entry(name.clone())
                .or_insert_with(|| ConsumerState {
                    spec,
                    cursor: start,
                    pending: HashMap::new(),
                    redeliver: VecDeque::new(),
                });
        }
        let owner = Arc::new(ConsumerOwner {
            inner: self.inner.clone(),
            name,
            label,
            remove_on_drop: fan_out,
        });
        let stream = futures::stream::unfold(owner, |owner| async move {
            let (offset, count, subject, event, parent) =
                next_delivery(&owner.inner, &owner.name).await;
            let settle = Box::new(MemorySettle {
                inner: owner.inner.clone(),
                consumer: owner.name.clone(),
                offset,
            });
            let d = Delivery::new(event, subject, count, parent, settle, owner.label.clone());
            Some((Ok(d), owner))
        });
        Ok(Box::pin(stream))
    }

    async fn check(&self) -> Result<(), BusError> {
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "in-process"
    }
}

impl std::fmt::Debug for MemoryBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBus")
            .field("root", &self.inner.root)
            .finish()
    }
}
