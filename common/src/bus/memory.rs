//! The in-process bus of the embedded default. It keeps JetStream's semantics where consumers can
//! tell: a durable consumer created late still sees retained events, subscribers with one name
//! share one queue, un-acked deliveries come back, and a re-published event id is stored once.
//!
//! [`MemoryBus::open`] backs it with a journal on disk ([`super::journal`]): `publish` returns
//! once the event is committed there, durable consumers' acks are recorded, and after a restart
//! every event a durable consumer had not acked is delivered again. [`MemoryBus::new`] keeps
//! everything in memory only (unit tests).

use super::{
    BusError, ConsumerSpec, Delivery, EventBus, Settle, Subscription,
    journal::{Journal, Loaded, Pending, Progress, Sink},
    relative_subject,
};
use agentlocator_proto::Event;
use async_trait::async_trait;
use std::{
    collections::{HashMap, HashSet, VecDeque},
    path::{Path, PathBuf},
    sync::{Arc, Mutex, Weak},
    time::Duration,
};
use tokio::sync::Notify;
use tracing::Instrument;

/// Events kept in memory only: how many are retained for consumers that have not caught up yet
/// (and for consumers created later). The journal keeps events by age instead.
const RETAIN: usize = 100_000;
/// How many recent event ids are remembered for de-duplication (memory only; the journal
/// de-duplicates on the ids it holds).
const DEDUP_WINDOW: usize = 100_000;

pub struct MemoryBus {
    inner: Arc<Inner>,
}

struct Inner {
    root: String,
    state: Mutex<State>,
    notify: Notify,
    /// The journal and its file, when the bus is durable.
    journal: Option<(Journal, PathBuf)>,
}

#[derive(Default)]
struct State {
    /// Offset of `log[0]` in the stream.
    base: u64,
    log: VecDeque<Entry>,
    consumers: HashMap<String, ConsumerState>,
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
    /// Durable consumers' progress as the journal had it at start-up, taken by their first
    /// subscription.
    stored_progress: HashMap<String, Progress>,
    /// The journal sequence number the next event will get (at least).
    next_seq: u64,
}

/// A retained event with its subject, its journal sequence number (0 in memory only) and the
/// publisher's trace context (empty for events read back from the journal).
struct Entry {
    seq: u64,
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
    /// Journal sequence numbers ahead of the cursor that were acked before a restart.
    acked: HashSet<u64>,
}

impl MemoryBus {
    /// A bus in memory only: events are gone when the process is.
    pub fn new(root: &str) -> Self {
        Self {
            inner: Arc::new(Inner {
                root: root.to_string(),
                state: Mutex::new(State::default()),
                notify: Notify::new(),
                journal: None,
            }),
        }
    }

    /// A bus whose events are journaled in the SQLite file at `path` (created when missing):
    /// what it held when the process stopped is delivered again to consumers that had not acked
    /// it.
    pub fn open(root: &str, path: &Path) -> Result<Self, BusError> {
        let (conn, Loaded { events, consumers }) = Journal::open(path)?;
        let state = State {
            next_seq: events.last().map_or(1, |e| e.seq + 1),
            log: events
                .into_iter()
                .map(|e| Entry {
                    seq: e.seq,
                    subject: e.subject,
                    event: e.event,
                    parent: opentelemetry::Context::new(),
                })
                .collect(),
            stored_progress: consumers,
            ..State::default()
        };
        if !state.log.is_empty() {
            tracing::info!(
                events = state.log.len(),
                "event journal opened with retained events"
            );
        }
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| {
            let sink: Weak<dyn Sink> = weak.clone();
            Inner {
                root: root.to_string(),
                state: Mutex::new(state),
                notify: Notify::new(),
                journal: Some((Journal::start(conn, sink), path.to_path_buf())),
            }
        });
        Ok(Self { inner })
    }

    fn journal(&self) -> Option<&Journal> {
        self.inner.journal.as_ref().map(|(j, _)| j)
    }
}

impl Sink for Inner {
    fn committed(&self, events: Vec<(u64, Pending)>) {
        let mut st = self.lock();
        for (seq, p) in events {
            st.log.push_back(Entry {
                seq,
                subject: p.subject,
                event: p.event,
                parent: p.parent,
            });
            st.next_seq = st.next_seq.max(seq + 1);
        }
        drop(st);
        self.notify.notify_waiters();
    }

    fn pruned(&self, oldest_kept: u64) {
        let mut st = self.lock();
        while st.log.front().is_some_and(|e| e.seq < oldest_kept) {
            st.log.pop_front();
            st.base += 1;
        }
    }
}

impl State {
    /// The journal sequence number below which `consumer` is done: the lowest of its
    /// un-acked deliveries and of the next event it would look at.
    fn floor(&self, c: &ConsumerState) -> u64 {
        let seq_at = |off: u64| {
            off.checked_sub(self.base)
                .and_then(|i| self.log.get(i as usize))
                .map(|e| e.seq)
        };
        let next = seq_at(c.cursor.max(self.base)).unwrap_or(self.next_seq);
        c.pending
            .keys()
            .filter_map(|off| seq_at(*off))
            .fold(next, u64::min)
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
            if c.acked.remove(&e.seq) {
                continue; // acked before a restart
            }
            if super::subject_matches(&c.spec.filter, &e.subject) {
                c.pending.insert(off, 1);
                return Some((off, 1, e.subject.clone(), e.event.clone(), e.parent.clone()));
            }
        }
        None
    }

    /// Settles a delivery. Returns what the journal must record — the event's sequence number
    /// and the consumer's floor — when a durable consumer is done with it (acked, or given up
    /// after too many deliveries).
    fn settle(&self, consumer: &str, offset: u64, redeliver: bool) -> Option<(u64, u64)> {
        let mut st = self.lock();
        let c = st.consumers.get_mut(consumer)?;
        let count = c.pending.remove(&offset)?;
        if redeliver {
            if (count as i64) < c.spec.max_deliver {
                c.pending.insert(offset, count);
                c.redeliver.push_back(offset);
                drop(st);
                self.notify.notify_waiters();
                return None;
            }
            tracing::error!(consumer, offset, "event given up after max deliveries");
        }
        if c.spec.fan_out || self.journal.is_none() {
            return None;
        }
        let seq = offset
            .checked_sub(st.base)
            .and_then(|i| st.log.get(i as usize))
            .map(|e| e.seq)?;
        let c = st.consumers.get(consumer)?;
        Some((seq, st.floor(c)))
    }

    fn journal(&self) -> Option<&Journal> {
        self.journal.as_ref().map(|(j, _)| j)
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

impl MemorySettle {
    /// Redelivers, or — after too many deliveries — records in the journal that the consumer
    /// gave the event up (nothing can wait here: this may run inside `Drop`).
    fn redeliver(&self) {
        if let Some((seq, floor)) = self.inner.settle(&self.consumer, self.offset, true)
            && let Some(j) = self.inner.journal()
        {
            j.ack_later(&self.consumer, seq, floor);
        }
    }
}

#[async_trait]
impl Settle for MemorySettle {
    async fn ack(self: Box<Self>) -> Result<(), BusError> {
        if let Some((seq, floor)) = self.inner.settle(&self.consumer, self.offset, false)
            && let Some(j) = self.inner.journal()
        {
            j.ack(&self.consumer, seq, floor)
                .await
                .map_err(BusError::Ack)?;
        }
        Ok(())
    }

    fn nak(self: Box<Self>, delay: Option<Duration>) {
        match delay {
            Some(d) if !d.is_zero() => {
                if let Ok(handle) = tokio::runtime::Handle::try_current() {
                    handle.spawn(async move {
                        tokio::time::sleep(d).await;
                        self.redeliver();
                    });
                    return;
                }
                self.redeliver();
            }
            _ => self.redeliver(),
        }
    }
}

#[async_trait]
impl EventBus for MemoryBus {
    async fn publish(&self, event: &Event) -> Result<(), BusError> {
        let subject = relative_subject(event)?;
        let span = super::publish_span(&subject, event);
        let parent = {
            use tracing_opentelemetry::OpenTelemetrySpanExt;
            span.context()
        };
        if let Some(journal) = self.journal() {
            let pending = Pending {
                subject: subject.clone(),
                event: event.clone(),
                parent,
            };
            // The span lasts until the event is on disk.
            return journal
                .publish(pending)
                .instrument(span)
                .await
                .map_err(|reason| BusError::Publish { subject, reason });
        }
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
        st.log.push_back(Entry {
            seq: 0,
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
        let registered = {
            let mut st = self.inner.lock();
            if !st.consumers.contains_key(&name) {
                // A fan-out consumer starts after the last retained event; a durable one where
                // the journal says it was, or at the oldest retained event when it is new.
                let progress = if fan_out {
                    None
                } else {
                    st.stored_progress.remove(&name)
                };
                let cursor = match &progress {
                    _ if fan_out => st.base + st.log.len() as u64,
                    Some(p) => st.base + st.log.partition_point(|e| e.seq < p.floor) as u64,
                    None => st.base,
                };
                st.consumers.insert(
                    name.clone(),
                    ConsumerState {
                        spec,
                        cursor,
                        pending: HashMap::new(),
                        redeliver: VecDeque::new(),
                        acked: progress.map(|p| p.acked).unwrap_or_default(),
                    },
                );
            }
            (!fan_out).then(|| st.floor(&st.consumers[&name]))
        };
        // A durable consumer is known to the journal before it receives anything, so events it
        // has not seen are kept for it.
        if let (Some(floor), Some(journal)) = (registered, self.journal()) {
            journal
                .subscribe(&name, floor)
                .await
                .map_err(|reason| BusError::Consumer {
                    consumer: name.clone(),
                    reason,
                })?;
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
        match &self.inner.journal {
            Some((journal, path)) if !journal.is_healthy() => Err(BusError::Connect {
                url: path.display().to_string(),
                reason: "the last write to the event journal failed".into(),
            }),
            _ => Ok(()),
        }
    }

    fn kind(&self) -> &'static str {
        match self.inner.journal {
            Some(_) => "in-process-journal",
            None => "in-process",
        }
    }
}

impl std::fmt::Debug for MemoryBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBus")
            .field("root", &self.inner.root)
            .field("journal", &self.inner.journal.as_ref().map(|(_, p)| p))
            .finish()
    }
}
