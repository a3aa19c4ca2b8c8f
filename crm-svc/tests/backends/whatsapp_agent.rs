//! The WhatsApp agent's turns: a burst of inbound messages gets ONE reply after its quiet window,
//! also with two schedulers racing and after a claimer died mid-turn; a newer message defers the
//! reply to the newer burst; staff replies, a pause and waiting for a person silence it; failures
//! are retried and then answered politely; the keyless promise waits for a person.

use crate::{
    eventually,
    fixtures::{Tenant, tenant},
};
use agentlocator_proto::{
    Event, new_event,
    v1::{WhatsAppEvent, WhatsAppEventKind, event::Payload},
};
use crm_svc::{
    Db,
    agent::{
        self, DefinitionInput,
        queries::TurnRow,
        whatsapp::{
            self, Finished, MAX_ATTEMPTS, TurnAnswer, TurnReplier, TurnRequest, TurnSettings,
        },
    },
    backend_test, event_consumer,
    outbox::queries as outbox,
    strings,
    tasks::queries as task,
    time,
};
use futures::future::BoxFuture;
use prost::Message as _;
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio_util::sync::CancellationToken;

const REPLY: &str = "בשמחה! קבעתי לך תור ליום שלישי בשעה 10:00.";

/// A replier that answers [`REPLY`] (or fails, or answers keyless), after `delay`, and keeps
/// what it was asked.
struct Scripted {
    asked: Mutex<Vec<TurnRequest>>,
    delay: Duration,
    fail: bool,
    keyless_follow_up: bool,
}

impl Scripted {
    fn new(delay: Duration) -> Arc<Self> {
        Arc::new(Scripted {
            asked: Mutex::new(Vec::new()),
            delay,
            fail: false,
            keyless_follow_up: false,
        })
    }

    fn asked(&self) -> Vec<TurnRequest> {
        self.asked.lock().unwrap().clone()
    }
}

impl TurnReplier for Scripted {
    fn reply(&self, request: TurnRequest) -> BoxFuture<'_, Result<TurnAnswer, String>> {
        Box::pin(async move {
            self.asked.lock().unwrap().push(request);
            tokio::time::sleep(self.delay).await;
            if self.fail {
                return Err("the model answered nonsense".into());
            }
            Ok(TurnAnswer {
                text: REPLY.into(),
                keyless: self.keyless_follow_up,
                needs_follow_up: self.keyless_follow_up,
                actions: Vec::new(),
            })
        })
    }
}

fn settings(window_ms: u64, lease_ms: u64) -> TurnSettings {
    TurnSettings {
        burst_window: Duration::from_millis(window_ms),
        lease: Duration::from_millis(lease_ms),
    }
}

/// Turns the business's WhatsApp agent on (staff silence `silence` minutes).
async fn enable(db: &Db, t: &Tenant, silence: i32) {
    agent::put(
        db,
        &t.business.id,
        DefinitionInput {
            persona: "נציגה אדיבה".into(),
            instructions: String::new(),
            allowed_actions: vec!["book_appointment".into(), "create_task".into()],
            whatsapp_agent_enabled: true,
            staff_silence_minutes: silence,
            handoff_phone: String::new(),
            appointment_minutes: 30,
        },
    )
    .await
    .unwrap();
}

/// A message of the tenant's customer: inbound, or outbound (by the agent when `action` is set).
async fn message(db: &Db, t: &Tenant, id: &str, text: &str, inbound: bool, action: Option<&str>) {
    let phone = t.customer.phone.clone();
    let e = new_event(
        t.business.id.as_str(),
        Payload::Whatsapp(WhatsAppEvent {
            kind: if inbound {
                WhatsAppEventKind::Received
            } else {
                WhatsAppEventKind::Sent
            } as i32,
            provider_message_id: id.into(),
            direction: if inbound { "inbound" } else { "outbound" }.into(),
            from_number: if inbound {
                phone.clone()
            } else {
                String::new()
            },
            to_number: if inbound { String::new() } else { phone },
            body: text.into(),
            agent_action_id: action.unwrap_or_default().into(),
            ..Default::default()
        }),
    );
    db.transaction(move |c| event_consumer::apply(c, &e))
        .await
        .unwrap();
}

/// The agent's send requests in the outbox: (action id, text).
async fn sent(db: &Db) -> Vec<(String, String)> {
    db.run(outbox::all)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.subject.ends_with(".agent.whatsapp_requested"))
        .map(
            |r| match Event::decode(r.payload.as_slice()).unwrap().payload {
                Some(Payload::Agent(a)) => (a.action_id, a.text),
                other => panic!("{other:?}"),
            },
        )
        .collect()
}

/// Claims as a scheduler would `ahead` from now (past the burst window).
async fn claim(db: &Db, s: TurnSettings, ahead: Duration) -> Vec<TurnRow> {
    let now = time::now() + chrono::Duration::from_std(ahead).unwrap();
    whatsapp::claim_due(db, s, now).await.unwrap()
}

async fn a_burst_gets_one_reply_with_the_conversation_as_context(db: Db) {
    let t = tenant(&db, "מספרה", 1).await;
    enable(&db, &t, 30).await;
    let s = settings(300, 5_000);
    // Earlier: a question and its answer by the agent.
    message(&db, &t, "M0", "היי, אתם פתוחים מחר?", true, None).await;
    message(&db, &t, "M0-R", "כן, מ-9 עד 17.", false, Some("wa-turn-x")).await;
    for (i, text) in ["שלום", "אפשר לקבוע תור", "ליום שלישי ב-10?"]
        .iter()
        .enumerate()
    {
        message(&db, &t, &format!("M{}", i + 1), text, true, None).await;
    }
    // Not quiet yet: nothing to claim.
    assert!(claim(&db, s, Duration::ZERO).await.is_empty());
    let turns = claim(&db, s, Duration::from_millis(400)).await;
    assert_eq!(turns.len(), 1);
    assert!(
        claim(&db, s, Duration::from_millis(400)).await.is_empty(),
        "a claimed turn is not claimed twice"
    );
    let replier = Scripted::new(Duration::ZERO);
    let done = whatsapp::answer(&db, replier.as_ref(), turns[0].clone(), s)
        .await
        .unwrap();
    assert!(matches!(done, Finished::Answered { .. }), "{done:?}");

    let asked = replier.asked();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].text, "שלום\nאפשר לקבוע תור\nליום שלישי ב-10?");
    let history: Vec<(bool, &str)> = asked[0]
        .history
        .iter()
        .map(|l| (l.inbound, l.text.as_str()))
        .collect();
    assert_eq!(
        history,
        [(true, "היי, אתם פתוחים מחר?"), (false, "כן, מ-9 עד 17.")]
    );
    assert_eq!(asked[0].conversation.customer_phone, t.customer.phone);
    assert_eq!(asked[0].conversation.turn_text, asked[0].text);

    let requests = sent(&db).await;
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].1, REPLY);
    assert_eq!(requests[0].0, asked[0].conversation.turn_ref);
    // Answered: nothing more to claim, however long we wait.
    assert!(claim(&db, s, Duration::from_secs(120)).await.is_empty());
}
backend_test!(a_burst_gets_one_reply_with_the_conversation_as_context
    => a_burst_gets_one_reply_with_the_conversation_as_context_sqlite,
       a_burst_gets_one_reply_with_the_conversation_as_context_postgres);

async fn a_message_during_the_reply_defers_it_to_the_newer_burst(db: Db) {
    let t = tenant(&db, "מספרה", 1).await;
    enable(&db, &t, 30).await;
    let s = settings(200, 5_000);
    message(&db, &t, "M1", "אפשר תור?", true, None).await;
    let turns = claim(&db, s, Duration::from_millis(300)).await;
    assert_eq!(turns.len(), 1);
    // The customer writes again while the agent thinks.
    message(&db, &t, "M2", "עדיף בבוקר", true, None).await;
    let replier = Scripted::new(Duration::ZERO);
    let done = whatsapp::answer(&db, replier.as_ref(), turns[0].clone(), s)
        .await
        .unwrap();
    assert_eq!(done, Finished::Superseded);
    assert!(
        sent(&db).await.is_empty(),
        "the older burst is not answered"
    );
    // The newer burst is, once it is quiet, with both messages.
    let turns = claim(&db, s, Duration::from_millis(300)).await;
    assert_eq!(turns.len(), 1);
    whatsapp::answer(&db, replier.as_ref(), turns[0].clone(), s)
        .await
        .unwrap();
    assert_eq!(replier.asked()[1].text, "אפשר תור?\nעדיף בבוקר");
    assert_eq!(sent(&db).await.len(), 1);
}
backend_test!(a_message_during_the_reply_defers_it_to_the_newer_burst
    => a_message_during_the_reply_defers_it_to_the_newer_burst_sqlite,
       a_message_during_the_reply_defers_it_to_the_newer_burst_postgres);

async fn two_schedulers_racing_reply_once_per_burst(db: Db) {
    let t = tenant(&db, "מספרה", 1).await;
    enable(&db, &t, 30).await;
    let s = settings(150, 5_000);
    let replier = Scripted::new(Duration::from_millis(100));
    let stop = CancellationToken::new();
    let schedulers: Vec<_> = (0..2)
        .map(|_| tokio::spawn(whatsapp::run(db.clone(), replier.clone(), s, stop.clone())))
        .collect();
    for (i, text) in ["שלום", "אפשר תור מחר?", "בבוקר"].iter().enumerate() {
        message(&db, &t, &format!("M{i}"), text, true, None).await;
        db.poke_agent();
    }
    eventually("the reply", || {
        let db = db.clone();
        async move { (!sent(&db).await.is_empty()).then_some(()) }
    })
    .await;
    // A second burst later: its own one reply.
    message(&db, &t, "M9", "ועוד שאלה", true, None).await;
    eventually("the second reply", || {
        let db = db.clone();
        async move { (sent(&db).await.len() >= 2).then_some(()) }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    stop.cancel();
    for s in schedulers {
        s.await.unwrap().unwrap();
    }
    assert_eq!(sent(&db).await.len(), 2, "one reply per burst");
    assert_eq!(replier.asked().len(), 2, "each burst was asked once");
}
backend_test!(two_schedulers_racing_reply_once_per_burst
    => two_schedulers_racing_reply_once_per_burst_sqlite,
       two_schedulers_racing_reply_once_per_burst_postgres);

async fn a_claimer_gone_mid_turn_leaves_it_to_another_after_the_lease(db: Db) {
    let t = tenant(&db, "מספרה", 1).await;
    enable(&db, &t, 30).await;
    let s = settings(100, 1_000);
    message(&db, &t, "M1", "אפשר תור?", true, None).await;
    // Claimed by a replica that then dies (never finishes).
    let lost = claim(&db, s, Duration::from_millis(200)).await;
    assert_eq!(lost.len(), 1);
    assert!(
        claim(&db, s, Duration::from_millis(500)).await.is_empty(),
        "held while the lease lasts"
    );
    // After the lease another one takes it and answers once.
    let retaken = claim(&db, s, Duration::from_millis(1_300)).await;
    assert_eq!(retaken.len(), 1);
    let replier = Scripted::new(Duration::ZERO);
    let done = whatsapp::answer(&db, replier.as_ref(), retaken[0].clone(), s)
        .await
        .unwrap();
    assert!(matches!(done, Finished::Answered { .. }), "{done:?}");
    // The first claimer comes back late: its claim is gone, nothing more is sent.
    let late = whatsapp::answer(&db, replier.as_ref(), lost[0].clone(), s)
        .await
        .unwrap();
    assert_eq!(late, Finished::Lost);
    assert_eq!(sent(&db).await.len(), 1);
    // The scheduler on a restarted service: a claim left behind is answered after its lease.
    message(&db, &t, "M2", "ועוד משהו", true, None).await;
    let left = claim(&db, s, Duration::from_millis(200)).await;
    assert_eq!(left.len(), 1);
    let stop = CancellationToken::new();
    let scheduler = tokio::spawn(whatsapp::run(db.clone(), replier.clone(), s, stop.clone()));
    eventually("the reply after the lease", || {
        let db = db.clone();
        async move { (sent(&db).await.len() == 2).then_some(()) }
    })
    .await;
    stop.cancel();
    scheduler.await.unwrap().unwrap();
    assert_eq!(sent(&db).await.len(), 2);
}
backend_test!(a_claimer_gone_mid_turn_leaves_it_to_another_after_the_lease
    => a_claimer_gone_mid_turn_leaves_it_to_another_after_the_lease_sqlite,
       a_claimer_gone_mid_turn_leaves_it_to_another_after_the_lease_postgres);

/// Answers what is due now (past the window) and returns how it ended.
async fn turn(db: &Db, s: TurnSettings, replier: &Scripted) -> Option<Finished> {
    let turns = claim(db, s, Duration::from_millis(200)).await;
    assert!(turns.len() <= 1);
    match turns.into_iter().next() {
        Some(t) => Some(whatsapp::answer(db, replier, t, s).await.unwrap()),
        None => None,
    }
}

async fn staff_replies_a_pause_and_waiting_for_a_person_silence_the_agent(db: Db) {
    let s = settings(100, 5_000);
    let replier = Scripted::new(Duration::ZERO);

    // Off: no turn at all.
    let off = tenant(&db, "כבוי", 9).await;
    message(&db, &off, "OFF1", "שלום?", true, None).await;
    assert_eq!(turn(&db, s, &replier).await, None);

    let t = tenant(&db, "מספרה", 1).await;
    enable(&db, &t, 30).await;
    // The agent's own message does not silence it…
    message(
        &db,
        &t,
        "A1",
        "שלום! איך אפשר לעזור?",
        false,
        Some("wa-turn-0"),
    )
    .await;
    message(&db, &t, "M1", "אפשר תור?", true, None).await;
    assert!(matches!(
        turn(&db, s, &replier).await,
        Some(Finished::Answered { .. })
    ));
    // …its echo stored first and the send after it neither.
    message(&db, &t, "A2", REPLY, false, None).await;
    message(&db, &t, "A2", REPLY, false, Some("wa-turn-M1")).await;
    message(&db, &t, "M2", "תודה, ועוד שאלה", true, None).await;
    assert!(matches!(
        turn(&db, s, &replier).await,
        Some(Finished::Answered { .. })
    ));

    // Staff wrote: silent for the burst after it.
    message(&db, &t, "S1", "היי, זה דנה מהמספרה", false, None).await;
    message(&db, &t, "M3", "היי דנה!", true, None).await;
    assert_eq!(
        turn(&db, s, &replier).await,
        Some(Finished::Silenced("staff replied recently"))
    );
    assert_eq!(sent(&db).await.len(), 2);

    // A business with no staff silence, paused by staff.
    let p = tenant(&db, "מושהה", 2).await;
    enable(&db, &p, 0).await;
    agent::set_paused(&db, &p.business.id, &p.customer.id, true)
        .await
        .unwrap();
    message(&db, &p, "P1", "שלום?", true, None).await;
    assert_eq!(
        turn(&db, s, &replier).await,
        Some(Finished::Silenced("paused by staff"))
    );
    // Resumed: answered again.
    agent::set_paused(&db, &p.business.id, &p.customer.id, false)
        .await
        .unwrap();
    message(&db, &p, "P2", "יש מישהו?", true, None).await;
    assert!(matches!(
        turn(&db, s, &replier).await,
        Some(Finished::Answered { .. })
    ));
    assert_eq!(sent(&db).await.len(), 3);
}
backend_test!(staff_replies_a_pause_and_waiting_for_a_person_silence_the_agent
    => staff_replies_a_pause_and_waiting_for_a_person_silence_the_agent_sqlite,
       staff_replies_a_pause_and_waiting_for_a_person_silence_the_agent_postgres);

async fn failures_are_retried_then_answered_politely_and_a_person_takes_over(db: Db) {
    let t = tenant(&db, "מספרה", 1).await;
    enable(&db, &t, 30).await;
    let s = settings(100, 5_000);
    let replier = Arc::new(Scripted {
        asked: Mutex::new(Vec::new()),
        delay: Duration::ZERO,
        fail: true,
        keyless_follow_up: false,
    });
    message(&db, &t, "M1", "אפשר תור?", true, None).await;
    let mut outcomes = Vec::new();
    for attempt in 1..=MAX_ATTEMPTS {
        let turns = claim(&db, s, s.retry_delay() + Duration::from_millis(300)).await;
        assert_eq!(turns.len(), 1, "attempt {attempt}");
        outcomes.push(
            whatsapp::answer(&db, replier.as_ref(), turns[0].clone(), s)
                .await
                .unwrap(),
        );
        if attempt == 1 {
            // Not again before the retry delay.
            assert_eq!(turn(&db, s, &replier).await, None);
        }
    }
    let (last, retries) = outcomes.split_last().unwrap();
    assert!(
        retries.iter().all(|o| *o == Finished::Retry),
        "{outcomes:?}"
    );
    assert!(matches!(last, Finished::Answered { .. }), "{outcomes:?}");
    let requests = sent(&db).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].1, strings::AGENT_WHATSAPP_FALLBACK);
    assert_eq!(replier.asked().len(), MAX_ATTEMPTS as usize);
    let state = agent::conversation(&db, &t.business.id, &t.customer.id)
        .await
        .unwrap();
    assert!(state.waiting_for_human, "a person takes over");
    let tasks = db
        .run({
            let (b, c) = (t.business.id.clone(), t.customer.id.clone());
            move |conn| task::list_by_customer(conn, &b, &c)
        })
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert!(tasks[0].title.contains("אפשר תור?"), "{}", tasks[0].title);
    // Waiting for a person: the next burst is not answered.
    message(&db, &t, "M2", "הלו?", true, None).await;
    assert_eq!(
        turn(&db, s, &replier).await,
        Some(Finished::Silenced("waiting for a person"))
    );
    assert_eq!(sent(&db).await.len(), 1);
}
backend_test!(failures_are_retried_then_answered_politely_and_a_person_takes_over
    => failures_are_retried_then_answered_politely_and_a_person_takes_over_sqlite,
       failures_are_retried_then_answered_politely_and_a_person_takes_over_postgres);

async fn the_keyless_promise_is_made_once_and_waits_for_a_person(db: Db) {
    let t = tenant(&db, "מספרה", 1).await;
    enable(&db, &t, 30).await;
    let s = settings(100, 5_000);
    let replier = Arc::new(Scripted {
        asked: Mutex::new(Vec::new()),
        delay: Duration::ZERO,
        fail: false,
        keyless_follow_up: true,
    });
    message(&db, &t, "M1", "אפשר לקבוע תור?", true, None).await;
    assert!(matches!(
        turn(&db, s, &replier).await,
        Some(Finished::Answered { .. })
    ));
    message(&db, &t, "M2", "הלו?", true, None).await;
    message(&db, &t, "M3", "יש מישהו?", true, None).await;
    assert_eq!(
        turn(&db, s, &replier).await,
        Some(Finished::Silenced("waiting for a person"))
    );
    assert_eq!(
        sent(&db).await.len(),
        1,
        "not the same promise again and again"
    );
    let tasks = db
        .run({
            let (b, c) = (t.business.id.clone(), t.customer.id.clone());
            move |conn| task::list_by_customer(conn, &b, &c)
        })
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1, "the promise has its task");
    // Staff resume the agent: it answers again.
    agent::set_paused(&db, &t.business.id, &t.customer.id, false)
        .await
        .unwrap();
    message(&db, &t, "M4", "שוב שלום", true, None).await;
    assert!(matches!(
        turn(&db, s, &replier).await,
        Some(Finished::Answered { .. })
    ));
}
backend_test!(the_keyless_promise_is_made_once_and_waits_for_a_person
    => the_keyless_promise_is_made_once_and_waits_for_a_person_sqlite,
       the_keyless_promise_is_made_once_and_waits_for_a_person_postgres);
