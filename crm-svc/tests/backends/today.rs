//! The Today page's day: calls of the Israel day with their outcome and whether to call back,
//! conversations waiting for a person, tasks due that day or overdue, the day's appointments —
//! each of the signed-in business only.

use crate::fixtures::{at, customer, tenant};
use crate::inbox::{apply, call, message};
use agentlocator_proto::v1::CallEventKind;
use crm_svc::{
    Db, appointments, backend_test,
    conversations::{self, ConversationPatch, InboxQuery},
    enums::ConversationState,
    tasks::{self, NewTask, TaskPatch},
    today::{self, CallOutcome},
};

/// The Israel day of `at(0)` (1 June 2026, UTC+3) runs from minute -720 to minute 720.
const DAY_START: i64 = -720;
const DAY_END: i64 = 720;

async fn the_day_lists_what_came_in_and_what_is_due(db: Db) {
    let t = tenant(&db, "מספרה", 1).await;
    let other = tenant(&db, "מוסך", 2).await;
    let b = &t.business.id;
    let stranger = "+972529990002";
    apply(
        &db,
        vec![
            // Yesterday's last minute: not today.
            call(
                b,
                "CA-OLD",
                &t.customer.phone,
                CallEventKind::Started,
                DAY_START - 1,
                |_| {},
            ),
            // The customer's call nobody answered.
            call(
                b,
                "CA-MISSED",
                &t.customer.phone,
                CallEventKind::Started,
                DAY_START,
                |_| {},
            ),
            call(
                b,
                "CA-MISSED",
                &t.customer.phone,
                CallEventKind::Completed,
                DAY_START + 1,
                |c| {
                    c.status = "no-answer".into();
                },
            ),
            // A stranger's call the agent answered but could not fully: a follow-up.
            call(b, "CA-Q", stranger, CallEventKind::Started, 10, |_| {}),
            call(b, "CA-Q", stranger, CallEventKind::Answered, 11, |c| {
                c.status = "in-progress".into();
                c.transcript = "כמה עולה צביעה?".into();
                c.ai_reply = "אבדוק ואחזור אליך".into();
                c.needs_follow_up = true;
            }),
            call(b, "CA-Q", stranger, CallEventKind::Completed, 12, |c| {
                c.status = "completed".into();
                c.duration_seconds = 40;
            }),
            // Still ringing.
            call(
                b,
                "CA-NOW",
                "+972529990003",
                CallEventKind::Started,
                20,
                |_| {},
            ),
            // Tomorrow's first minute: not today.
            call(
                b,
                "CA-NEXT",
                &t.customer.phone,
                CallEventKind::Started,
                DAY_END,
                |_| {},
            ),
            // Another business's call at the same time.
            call(
                &other.business.id,
                "CA-OTHER",
                &other.customer.phone,
                CallEventKind::Started,
                5,
                |_| {},
            ),
            message(b, &t.customer.phone, "אפשר לדבר עם מישהו?", 30),
            message(&other.business.id, &other.customer.phone, "שלום", 30),
        ],
    )
    .await;
    // The WhatsApp conversation is handed to a person, in both businesses.
    for tn in [&t, &other] {
        let inbox = conversations::list(
            &db,
            &tn.business.id,
            &tn.user.id,
            InboxQuery {
                limit: 25,
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
        let wa = inbox
            .items
            .iter()
            .find(|c| c.row.call_id.is_none())
            .unwrap();
        conversations::update(
            &db,
            &tn.business.id,
            &tn.user.id,
            &wa.row.id,
            ConversationPatch {
                state: Some(ConversationState::WaitingForHuman),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let task = |title: &str, due: Option<i64>| NewTask {
        title: title.into(),
        due_at: due.map(at),
        customer_id: Some(t.customer.id.clone()),
        assignee_id: None,
    };
    let overdue = tasks::create(&db, b, task("לשלוח הצעה", Some(DAY_START - 3000)))
        .await
        .unwrap();
    let due = tasks::create(&db, b, task("להתקשר לספק", Some(DAY_END - 1)))
        .await
        .unwrap();
    tasks::create(&db, b, task("מחר", Some(DAY_END)))
        .await
        .unwrap();
    tasks::create(&db, b, task("בלי מועד", None)).await.unwrap();
    let finished = tasks::create(&db, b, task("בוצעה", Some(0))).await.unwrap();
    tasks::update(
        &db,
        b,
        &finished.id,
        TaskPatch {
            done: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tasks::create(
        &db,
        &other.business.id,
        NewTask {
            title: "של אחרים".into(),
            due_at: Some(at(0)),
            customer_id: None,
            assignee_id: None,
        },
    )
    .await
    .unwrap();
    let meeting = appointments::create(
        &db,
        b,
        appointments::NewAppointment {
            title: "פגישת היכרות".into(),
            starts_at: at(60),
            ends_at: at(90),
            customer_id: Some(t.customer.id.clone()),
            notes: String::new(),
        },
    )
    .await
    .unwrap();
    appointments::create(
        &db,
        b,
        appointments::NewAppointment {
            title: "מחר".into(),
            starts_at: at(DAY_END + 60),
            ends_at: at(DAY_END + 90),
            customer_id: None,
            notes: String::new(),
        },
    )
    .await
    .unwrap();

    let day = today::get(&db, b, &t.user.id, at(0), true).await.unwrap();
    assert_eq!(day.date.to_string(), "2026-06-01");
    assert_eq!((day.from, day.to), (at(DAY_START), at(DAY_END)));
    let calls: Vec<(&str, CallOutcome, bool)> = day
        .calls
        .iter()
        .map(|c| (c.call.twilio_sid.as_str(), c.outcome, c.needs_callback))
        .collect();
    assert_eq!(
        calls,
        [
            ("CA-NOW", CallOutcome::InProgress, false),
            ("CA-Q", CallOutcome::Answered, true),
            ("CA-MISSED", CallOutcome::Missed, true),
        ]
    );
    assert_eq!(
        day.calls[2].customer_name.as_deref(),
        Some(t.customer.name.as_str())
    );
    assert_eq!(
        day.calls[1].follow_up_question.as_deref(),
        Some("כמה עולה צביעה?")
    );
    assert_eq!(
        (
            day.count(CallOutcome::Answered),
            day.count(CallOutcome::Missed),
            day.to_call_back()
        ),
        (1, 1, 2)
    );
    assert_eq!(day.waiting.len(), 1);
    assert_eq!(
        day.waiting[0].row.customer_id.as_ref(),
        Some(&t.customer.id)
    );
    assert_eq!(
        day.waiting[0].customer_name.as_deref(),
        Some(t.customer.name.as_str())
    );
    let listed: Vec<(&str, bool)> = day
        .tasks
        .iter()
        .map(|x| (x.task.title.as_str(), x.overdue))
        .collect();
    // The call's follow-up task has no due date, so it is not among them.
    assert_eq!(
        listed,
        [(overdue.title.as_str(), true), (due.title.as_str(), false)]
    );
    assert_eq!(
        day.tasks[0].customer_name.as_deref(),
        Some(t.customer.name.as_str())
    );
    assert_eq!(day.appointments.len(), 1);
    assert_eq!(day.appointments[0].appointment.id, meeting.id);
    assert_eq!(
        day.appointments[0].customer_name.as_deref(),
        Some(t.customer.name.as_str())
    );

    // With the calendar off there are no appointments; the rest is the same.
    let no_calendar = today::get(&db, b, &t.user.id, at(0), false).await.unwrap();
    assert!(no_calendar.appointments.is_empty());
    assert_eq!(no_calendar.calls.len(), 3);

    // Calling the customer back, and doing the follow-up task, clears both.
    apply(
        &db,
        vec![
            call(
                b,
                "CA-BACK",
                &t.customer.phone,
                CallEventKind::Started,
                100,
                |c| {
                    c.direction = "outbound-api".into();
                    c.from_number = "+97231234567".into();
                    c.to_number = t.customer.phone.clone();
                },
            ),
            call(
                b,
                "CA-BACK",
                &t.customer.phone,
                CallEventKind::Completed,
                105,
                |c| {
                    c.status = "completed".into();
                },
            ),
        ],
    )
    .await;
    let follow_up = tasks::list(
        &db,
        b,
        1,
        100,
        tasks::queries::TaskFilter {
            done: Some(false),
            ..Default::default()
        },
        Default::default(),
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .find(|x| x.due_at.is_none() && x.title.contains("כמה עולה"))
    .expect("the call's follow-up task");
    tasks::update(
        &db,
        b,
        &follow_up.id,
        TaskPatch {
            done: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let later = today::get(&db, b, &t.user.id, at(200), true).await.unwrap();
    assert_eq!(later.to_call_back(), 0, "{:?}", later.calls);
    assert_eq!(later.count(CallOutcome::Answered), 2);

    // The other business sees only its own day.
    let theirs = today::get(&db, &other.business.id, &other.user.id, at(0), true)
        .await
        .unwrap();
    assert_eq!(
        theirs
            .calls
            .iter()
            .map(|c| c.call.twilio_sid.as_str())
            .collect::<Vec<_>>(),
        ["CA-OTHER"]
    );
    assert_eq!(
        theirs
            .tasks
            .iter()
            .map(|x| x.task.title.as_str())
            .collect::<Vec<_>>(),
        ["של אחרים"]
    );
    assert!(theirs.appointments.is_empty());
    assert_eq!(theirs.waiting.len(), 1);
    assert_eq!(
        theirs.waiting[0].row.customer_id.as_ref(),
        Some(&other.customer.id)
    );
    // A user of another business cannot read this one's day.
    assert!(
        today::get(&db, b, &other.user.id, at(0), true)
            .await
            .is_err()
    );
    // A customer added later does not change the day's calls.
    customer(&db, &t.business, 9).await;
    assert_eq!(
        today::get(&db, b, &t.user.id, at(0), true)
            .await
            .unwrap()
            .calls
            .len(),
        4
    );
}
backend_test!(the_day_lists_what_came_in_and_what_is_due => today_sqlite, today_postgres);
