//! The summary of a completed call: requested once when the call completes (whatever the
//! redeliveries), made by the model when there is one and by the labelled fallback otherwise or
//! when the model fails, stored once with its `call.summarized` event, shown with the call (its
//! list and the timeline), and the follow-ups the agent promised become one task.

use agentlocator_proto::{
    Event, new_event,
    v1::{CallEvent, CallEventKind, event::Payload},
};
use crm_svc::{
    Db,
    agent::queries::{self as agent_queries, AgentAction},
    backend_test,
    call_summarizer::{self, NoModel, Summarizer},
    calls::{
        self, queries as call,
        summary::{self, Draft, Input, Source},
    },
    enums::AgentChannel,
    event_consumer::{self, Outcome},
    ids::{AgentActionId, BusinessId},
    outbox::queries as outbox,
    tasks::{Task, queries as task},
    test_support::create_business,
    timeline::timeline,
};
use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
};

const SID: &str = "CA-summary-1";
const ASKED: &str = "אפשר לקבוע תור ליום שלישי ב-10?";

fn call_event(business: &BusinessId, kind: CallEventKind, f: impl FnOnce(&mut CallEvent)) -> Event {
    let mut c = CallEvent {
        kind: kind as i32,
        call_sid: SID.into(),
        direction: "inbound".into(),
        from_number: "+972501234567".into(),
        to_number: "+97231234567".into(),
        ..Default::default()
    };
    f(&mut c);
    new_event(business.as_str(), Payload::Call(c))
}

async fn apply(db: &Db, event: &Event) -> Outcome {
    let e = event.clone();
    db.transaction(move |conn| event_consumer::apply(conn, &e))
        .await
        .unwrap()
}

/// A call of two turns that completes, the completion delivered twice (the same event, then a
/// second status callback with its own id).
async fn completed_call(db: &Db, b: &BusinessId, unanswered: bool) -> calls::Call {
    let completed = call_event(b, CallEventKind::Completed, |c| {
        c.status = "completed".into();
        c.duration_seconds = 64;
    });
    for e in [
        call_event(b, CallEventKind::Started, |c| c.status = "ringing".into()),
        call_event(b, CallEventKind::Answered, |c| {
            c.transcript = ASKED.into();
            c.ai_reply = "בשמחה, בודק/ת.".into();
        }),
        call_event(b, CallEventKind::Answered, |c| {
            c.transcript = "וכמה זה עולה?".into();
            c.ai_reply = "נציג יחזור אליך עם המחיר.".into();
            c.needs_follow_up = unanswered;
        }),
    ] {
        assert_eq!(apply(db, &e).await, Outcome::Applied);
    }
    assert_eq!(apply(db, &completed).await, Outcome::Applied);
    assert_eq!(apply(db, &completed).await, Outcome::Duplicate);
    let again = call_event(b, CallEventKind::Completed, |c| {
        c.status = "completed".into()
    });
    assert_eq!(apply(db, &again).await, Outcome::Applied);
    db.run(|conn| call::find_by_sid(conn, SID))
        .await
        .unwrap()
        .unwrap()
}

/// A model that answers `draft` (or fails) and counts what it was asked.
struct Scripted {
    answer: std::result::Result<Option<Draft>, String>,
    asked: AtomicUsize,
    inputs: Mutex<Vec<Input>>,
}

impl Scripted {
    fn new(answer: std::result::Result<Option<Draft>, String>) -> Self {
        Scripted {
            answer,
            asked: AtomicUsize::new(0),
            inputs: Mutex::new(vec![]),
        }
    }
}

#[async_trait::async_trait]
impl Summarizer for Scripted {
    async fn summarize(&self, input: &Input) -> std::result::Result<Option<Draft>, String> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.inputs.lock().unwrap().push(input.clone());
        self.answer.clone()
    }
}

async fn tasks_of(db: &Db, c: &calls::Call) -> Vec<Task> {
    let (b, customer) = (c.business_id.clone(), c.customer_id.clone().unwrap());
    db.run(move |conn| task::list_by_customer(conn, &b, &customer))
        .await
        .unwrap()
}

async fn summarized_events(db: &Db) -> Vec<agentlocator_proto::v1::CallSummaryEvent> {
    db.run(outbox::all)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.subject.ends_with(".call.summarized"))
        .map(|r| match r.decode().unwrap().payload {
            Some(Payload::CallSummary(s)) => s,
            other => panic!("not a summary: {other:?}"),
        })
        .collect()
}

async fn the_model_summarises_a_completed_call_once(db: Db) {
    let b = create_business(&db, "מספרת רונית").await;
    let c = completed_call(&db, &b.id, false).await;
    let customer = c.customer_id.clone().unwrap();

    // Completed twice, one pending summary; the list shows it as being made.
    let page = calls::list_for_customer(&db, &b.id, &customer, 1, 25)
        .await
        .unwrap();
    let pending = page.items[0].summary.clone().expect("a pending summary");
    assert_eq!(pending.status, summary::STATUS_PENDING);
    assert!(pending.text.is_empty());

    let model = Scripted::new(Ok(Draft::new(
        "הלקוח ביקש תור ליום שלישי ושאל על המחיר.",
        &["לחזור ללקוח עם המחיר".to_string()],
    )));
    assert_eq!(
        call_summarizer::summarize_pending(&db, &model)
            .await
            .unwrap(),
        1
    );
    // Done: nothing more to claim, the model is not asked again.
    assert_eq!(
        call_summarizer::summarize_pending(&db, &model)
            .await
            .unwrap(),
        0
    );
    assert_eq!(model.asked.load(Ordering::SeqCst), 1);
    // It was given the call's turns (in order) and the business.
    let input = model.inputs.lock().unwrap()[0].clone();
    assert_eq!(input.business_name, "מספרת רונית");
    let said: Vec<&str> = input.turns.iter().map(|t| t.caller_text.as_str()).collect();
    assert_eq!(said, [ASKED, "וכמה זה עולה?"]);

    let page = calls::list_for_customer(&db, &b.id, &customer, 1, 25)
        .await
        .unwrap();
    let done = page.items[0].summary.clone().expect("the summary");
    assert_eq!(done.status, summary::STATUS_DONE);
    assert_eq!(done.source, "llm");
    assert_eq!(done.text, "הלקוח ביקש תור ליום שלישי ושאל על המחיר.");
    assert_eq!(done.follow_ups, ["לחזור ללקוח עם המחיר"]);

    // The follow-up became one task for staff.
    let tasks = tasks_of(&db, &c).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert!(
        tasks[0].title.contains("לחזור ללקוח עם המחיר"),
        "{}",
        tasks[0].title
    );

    // One `call.summarized` event with the summary, naming the task.
    let events = summarized_events(&db).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].call_sid, SID);
    assert_eq!(events[0].customer_id, customer.to_string());
    assert_eq!(events[0].summary, done.text);
    assert_eq!(events[0].source, "llm");
    assert_eq!(events[0].task_id, tasks[0].id.to_string());
    assert_eq!(events[0].status, "completed");

    // The call on the timeline carries its summary.
    let items = timeline(&db, &b.id, &customer, None, None).await.unwrap();
    let item = items
        .iter()
        .find(|i| i.data["twilio_sid"] == SID)
        .expect("the call on the timeline");
    assert_eq!(item.data["summary"]["text"], done.text.as_str());
    assert_eq!(item.data["summary"]["source"], "llm");

    // A completion delivered later changes nothing: no second summary, event or task.
    let late = call_event(&b.id, CallEventKind::Completed, |c| {
        c.status = "completed".into()
    });
    assert_eq!(apply(&db, &late).await, Outcome::Applied);
    assert_eq!(
        call_summarizer::summarize_pending(&db, &model)
            .await
            .unwrap(),
        0
    );
    let draft = Draft::new("סיכום אחר", &["עוד משימה".to_string()]).unwrap();
    let id = c.id.clone();
    let stored = db
        .transaction(move |conn| summary::store(conn, &id, &draft, Source::Llm))
        .await
        .unwrap();
    assert!(stored.is_none(), "a summary is stored once");
    assert_eq!(summarized_events(&db).await.len(), 1);
    assert_eq!(tasks_of(&db, &c).await.len(), 1);
    assert_eq!(model.asked.load(Ordering::SeqCst), 1);
}
backend_test!(the_model_summarises_a_completed_call_once => model_summary_sqlite, model_summary_postgres);

async fn without_a_model_or_when_it_fails_the_summary_is_the_labelled_fallback(db: Db) {
    let b = create_business(&db, "עסק").await;
    // A turn nothing answered: its follow-up task exists from the completion.
    let c = completed_call(&db, &b.id, true).await;
    assert_eq!(tasks_of(&db, &c).await.len(), 1);
    let row = AgentAction {
        id: AgentActionId::generate(),
        business_id: b.id.clone(),
        customer_id: c.customer_id.clone(),
        channel: AgentChannel::Call,
        conversation_ref: SID.into(),
        turn_ref: "RE1".into(),
        turn_text: ASKED.into(),
        tool_call_id: "RE1:call_0".into(),
        tool: "book_appointment".into(),
        arguments: "{}".into(),
        result: "{}".into(),
        summary: "הסוכן קבע תור: תספורת".into(),
        created_at: crm_svc::time::now(),
    };
    db.run(move |conn| agent_queries::insert_action(conn, &row))
        .await
        .unwrap();

    let failing = Scripted::new(Err("UNAVAILABLE: the model is down".into()));
    assert_eq!(
        call_summarizer::summarize_pending(&db, &failing)
            .await
            .unwrap(),
        1
    );
    assert_eq!(failing.asked.load(Ordering::SeqCst), 1);

    let customer = c.customer_id.clone().unwrap();
    let page = calls::list_for_customer(&db, &b.id, &customer, 1, 25)
        .await
        .unwrap();
    let s = page.items[0].summary.clone().unwrap();
    assert_eq!((s.status.as_str(), s.source.as_str()), ("done", "fallback"));
    assert_eq!(
        s.text,
        format!(
            "סיכום אוטומטי (ללא מודל שפה): הפונה אמר/ה: \u{201c}{ASKED}\u{201d}. הסוכן קבע תור: תספורת."
        )
    );
    assert_eq!(s.follow_ups, ["לחזור ללקוח בנושא: וכמה זה עולה?"]);
    // The task of the unanswered turn stays the only one.
    assert_eq!(tasks_of(&db, &c).await.len(), 1);
    let events = summarized_events(&db).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].source, "fallback");

    // No model at all: the same fallback, made from what was said; nothing invented.
    let other = create_business(&db, "עסק אחר").await;
    let quiet = call_event(&other.id, CallEventKind::Completed, |c| {
        c.call_sid = "CA-quiet".into();
        c.status = "no-answer".into();
    });
    assert_eq!(apply(&db, &quiet).await, Outcome::Applied);
    assert_eq!(
        call_summarizer::summarize_pending(&db, &NoModel)
            .await
            .unwrap(),
        1
    );
    let q = db
        .run(|conn| call::find_by_sid(conn, "CA-quiet"))
        .await
        .unwrap()
        .unwrap();
    let (ob, qid) = (other.id.clone(), q.id.clone());
    let s = db
        .run(move |conn| summary::of_call(conn, &ob, &qid))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.source, "fallback");
    assert_eq!(
        s.text,
        "סיכום אוטומטי (ללא מודל שפה): לא נשמעה בקשה בשיחה. הסוכן לא ביצע פעולות במערכת."
    );
    assert!(s.follow_ups.is_empty());
    // Another business's summary is not this one's.
    let (bid, qid) = (b.id.clone(), q.id.clone());
    assert!(
        db.run(move |conn| summary::of_call(conn, &bid, &qid))
            .await
            .unwrap()
            .is_none()
    );
}
backend_test!(without_a_model_or_when_it_fails_the_summary_is_the_labelled_fallback => fallback_summary_sqlite, fallback_summary_postgres);

/// A model slower than a pass: a second summariser (another replica) finds the summary claimed
/// and leaves it alone; the follow-up promised by the model becomes no second task when the
/// agent already created one in the call.
async fn a_claimed_summary_is_left_to_its_summariser(db: Db) {
    let b = create_business(&db, "עסק").await;
    let c = completed_call(&db, &b.id, false).await;
    let row = AgentAction {
        id: AgentActionId::generate(),
        business_id: b.id.clone(),
        customer_id: c.customer_id.clone(),
        channel: AgentChannel::Call,
        conversation_ref: SID.into(),
        turn_ref: "RE2".into(),
        turn_text: "וכמה זה עולה?".into(),
        tool_call_id: "RE2:call_0".into(),
        tool: "create_task".into(),
        arguments: "{}".into(),
        result: "{}".into(),
        summary: "הסוכן יצר משימה לצוות: לחזור עם מחיר".into(),
        created_at: crm_svc::time::now(),
    };
    db.run(move |conn| agent_queries::insert_action(conn, &row))
        .await
        .unwrap();
    let now = crm_svc::time::now();
    let claimed = db
        .run(move |conn| summary::claim(conn, now, 10))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].actions, ["הסוכן יצר משימה לצוות: לחזור עם מחיר"]);
    // The other replica's pass: nothing to take while the claim holds.
    let model = Arc::new(Scripted::new(Ok(Draft::new(
        "הלקוח שאל על מחיר.",
        &["לחזור ללקוח עם המחיר".to_string()],
    ))));
    assert_eq!(
        call_summarizer::summarize_pending(&db, model.as_ref())
            .await
            .unwrap(),
        0
    );
    assert_eq!(model.asked.load(Ordering::SeqCst), 0);
    // The first one stores its draft: the agent's task is the call's task, no second.
    let (draft, source) = call_summarizer::draft(model.as_ref(), &claimed[0]).await;
    assert_eq!(source, Source::Llm);
    let id = c.id.clone();
    let stored = db
        .transaction(move |conn| summary::store(conn, &id, &draft, source))
        .await
        .unwrap();
    assert!(stored.is_some());
    // (The action above stands for the agent's task; no task row was written for it.)
    assert!(
        tasks_of(&db, &c).await.is_empty(),
        "the agent made a task in the call: the summary adds none"
    );
    // Claimed again after the claim expired: it is done, nothing happens.
    let later = now + chrono::Duration::seconds(summary::CLAIM_SECONDS + 1);
    assert!(
        db.run(move |conn| summary::claim(conn, later, 10))
            .await
            .unwrap()
            .is_empty()
    );
}
backend_test!(a_claimed_summary_is_left_to_its_summariser => claimed_summary_sqlite, claimed_summary_postgres);
