//! Faults in the middle of a burst, on the real binary. `agentlocator up` receives a burst of
//! signed webhooks — 300 WhatsApp messages from the sidecar and 60 Twilio calls (`incoming_call`
//! then `call_status` completed) — and halfway through (150 messages accepted) something fails:
//! the process is SIGKILLed and restarted on the same DATA_DIR (embedded default: SQLite and the
//! in-process bus), or NATS restarts, or PostgreSQL restarts.
//!
//! A request the stack accepted (202 for the sidecar, TwiML 200 for Twilio) must be stored exactly
//! once; a request it cannot take during the fault must be refused with a 503, never accepted and
//! then lost. Afterwards the requests that were refused or never answered are sent again (as the
//! sidecar and Twilio retry), and then every message and call is stored exactly once.

use agentlocator_tests::{
    Bus, Db, StoredCall, TestEnv, business_with_number,
    private_services::{PrivateNats, PrivatePostgres},
    process::Up,
    sidecar_envelope, stored_calls,
    twilio::{self, ACCOUNT_SID},
    whatsapp_provider_ids,
};
use futures::StreamExt;
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Mutex,
    time::Duration,
};

const SECRET: &str = "bridge-secret-for-tests-0123456789";
const BUSINESS_NUMBER: &str = "+97235550123";
const CALLER: &str = "+972501234567";
const MESSAGES: usize = 300;
/// One call per this many messages.
const CALL_EVERY: usize = 5;
/// Accepted messages before the fault strikes.
const FAULT_AFTER: usize = 150;
/// Requests in flight at once.
const CONCURRENCY: usize = 8;
/// Longest wait for accepted events to be stored, and for re-sends to be accepted.
const SETTLE: Duration = Duration::from_secs(60);
/// How long NATS or PostgreSQL stays down: longer than a publish waits for JetStream's ack
/// (5 s), so requests during the outage are refused rather than only delayed.
const OUTAGE: Duration = Duration::from_secs(8);
/// WhatsApp message ids are `CRASH00042`.
const PREFIX: &str = "CRASH";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Message(usize),
    CallStarted(usize),
    CallCompleted(usize),
}

/// The burst: messages with calls in between, each call's completion a few requests after its
/// start (with several requests in flight, some completions overtake their start).
fn burst() -> Vec<Item> {
    let mut items = Vec::new();
    for n in 0..MESSAGES {
        items.push(Item::Message(n));
        match n % CALL_EVERY {
            0 => items.push(Item::CallStarted(n / CALL_EVERY)),
            3 => items.push(Item::CallCompleted(n / CALL_EVERY)),
            _ => {}
        }
    }
    items
}

fn call_sid(n: usize) -> String {
    format!("CA{n:032x}")
}

/// How the stack answered one request.
enum Answer {
    Accepted,
    /// Answered, not accepted: the status.
    Refused(u16),
    /// No answer (connection refused or cut).
    Unanswered,
}

/// The stack under test and who sends to it.
struct Sender {
    client: reqwest::Client,
    http: String,
    business: String,
}

impl Sender {
    async fn send(&self, item: Item) -> Answer {
        let request = match item {
            Item::Message(n) => self
                .client
                .post(format!("{}/webhook/whatsapp_incoming", self.http))
                .header("content-type", "application/json")
                .header("x-bridge-secret", SECRET)
                .body(sidecar_envelope(&self.business, PREFIX, n)),
            Item::CallStarted(n) => {
                let sid = call_sid(n);
                let p = twilio::params(&[
                    ("AccountSid", ACCOUNT_SID),
                    ("CallSid", &sid),
                    ("From", CALLER),
                    ("To", BUSINESS_NUMBER),
                    ("CallStatus", "ringing"),
                    ("Direction", "inbound"),
                ]);
                twilio::signed_request(&self.client, &self.http, "/webhook/incoming_call", &p)
            }
            Item::CallCompleted(n) => {
                let sid = call_sid(n);
                let p = twilio::params(&[
                    ("AccountSid", ACCOUNT_SID),
                    ("CallSid", &sid),
                    ("From", CALLER),
                    ("To", BUSINESS_NUMBER),
                    ("CallStatus", "completed"),
                    ("CallDuration", "42"),
                    ("Direction", "inbound"),
                ]);
                twilio::signed_request(&self.client, &self.http, "/webhook/call_status", &p)
            }
        };
        let res = match request.timeout(Duration::from_secs(30)).send().await {
            Ok(r) => r,
            Err(_) => return Answer::Unanswered,
        };
        let status = res.status().as_u16();
        let xml = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/xml"));
        // The body must arrive too: an answer cut off by the crash is no answer.
        if res.bytes().await.is_err() {
            return Answer::Unanswered;
        }
        let accepted = match item {
            Item::Message(_) => status == 202,
            Item::CallStarted(_) | Item::CallCompleted(_) => status == 200 && xml,
        };
        if accepted {
            Answer::Accepted
        } else {
            Answer::Refused(status)
        }
    }
}

/// What the stack answered during the burst.
#[derive(Default)]
struct Tally {
    accepted: BTreeSet<Item>,
    refused: BTreeMap<Item, u16>,
    unanswered: BTreeSet<Item>,
}

impl Tally {
    fn accepted_messages(&self) -> usize {
        self.accepted
            .iter()
            .filter(|i| matches!(i, Item::Message(_)))
            .count()
    }

    fn record(&mut self, item: Item, answer: Answer) {
        self.refused.remove(&item);
        self.unanswered.remove(&item);
        match answer {
            Answer::Accepted => {
                self.accepted.insert(item);
            }
            Answer::Refused(status) => {
                self.refused.insert(item, status);
            }
            Answer::Unanswered => {
                self.unanswered.insert(item);
            }
        }
    }

    /// Refusals that are not a 503: a 4xx means the test sent something wrong, a 500 that a
    /// dependency being down was not told apart from a bug.
    fn not_503(&self) -> Vec<(Item, u16)> {
        self.refused
            .iter()
            .filter(|(_, s)| **s != 503)
            .map(|(i, s)| (*i, *s))
            .collect()
    }
}

/// Sends `items`, [`CONCURRENCY`] at a time, recording each answer in `tally`.
async fn send_all(sender: &Sender, items: Vec<Item>, tally: &Mutex<Tally>) {
    futures::stream::iter(items)
        .map(|item| async move {
            let answer = sender.send(item).await;
            tally.lock().unwrap().record(item, answer);
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
}

/// Waits until `tally` holds `n` accepted messages.
async fn after_accepted_messages(tally: &Mutex<Tally>, n: usize) {
    let deadline = tokio::time::Instant::now() + SETTLE;
    while tally.lock().unwrap().accepted_messages() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "fewer than {n} messages accepted within {SETTLE:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Runs the burst with `outage` (stop, wait [`OUTAGE`], start again) beginning once
/// [`FAULT_AFTER`] messages are accepted; returns the tally. Fails when the burst was over before
/// the outage began (then nothing was tested).
async fn burst_with_outage(
    sender: &Sender,
    what: &str,
    stop: impl std::future::Future<Output = ()>,
    start: impl std::future::Future<Output = ()>,
) -> Tally {
    let tally = Mutex::new(Tally::default());
    let outage = async {
        after_accepted_messages(&tally, FAULT_AFTER).await;
        stop.await;
        let at_stop = tally.lock().unwrap().accepted.len();
        tokio::time::sleep(OUTAGE).await;
        start.await;
        at_stop
    };
    let ((), at_stop) = tokio::join!(send_all(sender, burst(), &tally), outage);
    let during = tally.into_inner().unwrap();
    eprintln!(
        "{what} down after {at_stop} accepted: {} accepted, {} refused, {} unanswered",
        during.accepted.len(),
        during.refused.len(),
        during.unanswered.len()
    );
    assert!(
        at_stop < burst().len(),
        "the burst was over before {what} went down; lower FAULT_AFTER"
    );
    during
}

/// Sends what was not accepted again until it is (the sidecar's and Twilio's retries).
async fn resend_until_accepted(sender: &Sender, tally: &Mutex<Tally>) {
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        let pending: Vec<Item> = {
            let t = tally.lock().unwrap();
            burst()
                .into_iter()
                .filter(|i| !t.accepted.contains(i))
                .collect()
        };
        if pending.is_empty() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} requests still not accepted {SETTLE:?} after the fault",
            pending.len()
        );
        send_all(sender, pending, tally).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What is wrong with the database: accepted items not stored, items stored twice.
async fn problems(db: &crm_svc::Db, business: &str, accepted: &BTreeSet<Item>) -> Vec<String> {
    let mut messages: BTreeMap<String, usize> = BTreeMap::new();
    for id in whatsapp_provider_ids(db, business).await {
        *messages.entry(id).or_default() += 1;
    }
    let mut calls: BTreeMap<String, Vec<StoredCall>> = BTreeMap::new();
    for c in stored_calls(db, business).await {
        calls.entry(c.sid.clone()).or_default().push(c);
    }
    let mut found = Vec::new();
    for (id, n) in messages.iter().filter(|(_, n)| **n > 1) {
        found.push(format!("message {id} stored {n} times"));
    }
    for (sid, rows) in calls.iter().filter(|(_, rows)| rows.len() > 1) {
        found.push(format!("call {sid} stored {} times", rows.len()));
    }
    for item in accepted {
        let lost = match *item {
            Item::Message(n) => !messages.contains_key(&format!("{PREFIX}{n:05}")),
            Item::CallStarted(n) => !calls.contains_key(&call_sid(n)),
            Item::CallCompleted(n) => !calls
                .get(&call_sid(n))
                .is_some_and(|rows| rows.iter().any(|c| c.ended && c.status == "completed")),
        };
        if lost {
            found.push(format!("{item:?} accepted but not stored"));
        }
    }
    found
}

/// Waits until everything `accepted` is stored (or [`SETTLE`] passes), then a moment more for
/// duplicates to show; returns the problems left.
async fn settle(db: &crm_svc::Db, business: &str, accepted: &BTreeSet<Item>) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        let found = problems(db, business, accepted).await;
        if found.is_empty() || tokio::time::Instant::now() > deadline {
            if !found.is_empty() {
                return found;
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    problems(db, business, accepted).await
}

/// Fails with a summary when `found` is not empty.
fn assert_none(what: &str, found: &[String]) {
    assert!(
        found.is_empty(),
        "{what}: {} problems, e.g.\n{}",
        found.len(),
        found
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A test environment with the sidecar secret, Twilio and a business answering on
/// [`BUSINESS_NUMBER`] (which also receives the WhatsApp messages).
async fn prepare(env: &mut TestEnv) -> (crm_svc::Db, String) {
    env.vars.insert("WA_BRIDGE_SECRET".into(), SECRET.into());
    twilio::twilio_vars(env);
    let db = crm_svc::test_support::connect(env.config().database.url()).await;
    let business = business_with_number(&db, BUSINESS_NUMBER, true).await;
    (db, business)
}

fn start(env: &TestEnv) -> Up {
    Up::start(env!("CARGO_BIN_EXE_agentlocator"), env)
}

async fn sender(up: &mut Up, business: &str) -> Sender {
    up.wait_ready(SETTLE).await;
    Sender {
        client: reqwest::Client::new(),
        http: up.http.clone(),
        business: business.to_string(),
    }
}

/// Checks the end state: everything accepted during the burst stored, then after the re-sends
/// everything stored exactly once, and every refusal a 503.
async fn check(db: &crm_svc::Db, business: &str, during: Tally, sender: &Sender) {
    assert!(
        during.not_503().is_empty(),
        "refused with another status than 503: {:?}",
        during.not_503()
    );
    let started = std::time::Instant::now();
    assert_none(
        "accepted during the burst",
        &settle(db, business, &during.accepted).await,
    );
    eprintln!("accepted events stored after {:?}", started.elapsed());
    let tally = Mutex::new(during);
    resend_until_accepted(sender, &tally).await;
    eprintln!("re-sends accepted after {:?}", started.elapsed());
    let tally = tally.into_inner().unwrap();
    assert!(
        tally.not_503().is_empty(),
        "re-send refused with another status than 503: {:?}",
        tally.not_503()
    );
    assert_none(
        "after re-sending",
        &settle(db, business, &tally.accepted).await,
    );
    let stored = whatsapp_provider_ids(db, business).await;
    let calls = stored_calls(db, business).await;
    assert_eq!(stored.len(), MESSAGES, "every message stored once");
    assert_eq!(calls.len(), MESSAGES / CALL_EVERY, "every call stored once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_burst_loses_no_accepted_event_embedded_default() {
    let mut env = TestEnv::new(Db::Sqlite, Bus::Memory);
    let (db, business) = prepare(&mut env).await;
    let mut up = start(&env);
    let first = sender(&mut up, &business).await;

    let tally = Mutex::new(Tally::default());
    let kill = async {
        after_accepted_messages(&tally, FAULT_AFTER).await;
        up.kill();
    };
    tokio::join!(send_all(&first, burst(), &tally), kill);
    let during = tally.into_inner().unwrap();
    eprintln!(
        "killed after {} accepted ({} messages); {} unanswered, {} refused",
        during.accepted.len(),
        during.accepted_messages(),
        during.unanswered.len(),
        during.refused.len()
    );
    assert!(
        during.accepted_messages() < MESSAGES,
        "the kill came after the whole burst; lower FAULT_AFTER"
    );

    // Restarted on the same DATA_DIR: what was accepted before the kill is still there.
    let mut up = start(&env);
    let second = sender(&mut up, &business).await;
    check(&db, &business, during, &second).await;
    up.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_restart_mid_burst_loses_no_accepted_event_postgres_nats() {
    let nats = PrivateNats::start().await;
    let mut env = TestEnv::new(Db::Postgres, Bus::Nats);
    env.vars.insert("NATS_URL".into(), nats.url());
    let (db, business) = prepare(&mut env).await;
    let mut up = start(&env);
    let sender = sender(&mut up, &business).await;

    let during = burst_with_outage(&sender, "NATS", nats.stop(), nats.start_again()).await;
    check(&db, &business, during, &sender).await;
    up.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_mid_burst_loses_no_accepted_event_postgres_nats() {
    let pg = match PrivatePostgres::start().await {
        Ok(pg) => pg,
        Err(why) => {
            eprintln!("SKIPPED: a private PostgreSQL cannot be started here: {why}");
            return;
        }
    };
    // On the private PostgreSQL (the SQLite URL of the environment is replaced).
    let mut env = TestEnv::new(Db::Sqlite, Bus::Nats);
    env.vars.insert("DATABASE_URL".into(), pg.url());
    let (db, business) = prepare(&mut env).await;
    let mut up = start(&env);
    let sender = sender(&mut up, &business).await;

    let during =
        burst_with_outage(&sender, "PostgreSQL", async { pg.stop() }, pg.start_again()).await;
    check(&db, &business, during, &sender).await;
    up.kill();
}
