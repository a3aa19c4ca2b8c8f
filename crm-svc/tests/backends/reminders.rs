//! WhatsApp appointment reminders and scheduled messages: each sent exactly once (two schedulers
//! racing, a restart), never during Shabbat (before it instead), re-planned when an appointment
//! moves, none for cancelled or past appointments or opted-out customers; the customer's answers;
//! scheduled messages; settings and scoping per business.

use crate::fixtures::{assert_conflict, assert_not_found, customer, invalid_field, tenant};
use agentlocator_hours::{ClosureKind, HoursSettings};
use agentlocator_proto::{
    Event, new_event, to_timestamp,
    v1::{AgentEvent, TaskEventKind, WhatsAppEvent, WhatsAppEventKind, event::Payload},
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use crm_svc::{
    Db,
    appointments::{self, AppointmentPatch, NewAppointment},
    backend_test, event_consumer,
    ids::{BusinessId, CustomerId},
    outbox::queries as outbox,
    reminders::{self, scheduled, scheduler},
    test_support::{FreshPostgres, connect, fresh_sqlite_url},
    time,
};
use std::future::Future;

/// The WhatsApp send requests in the outbox, oldest first.
async fn send_requests(db: &Db) -> Vec<AgentEvent> {
    db.run(outbox::all)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.subject.ends_with(".agent.whatsapp_requested"))
        .filter_map(|r| match r.decode().unwrap().payload {
            Some(Payload::Agent(a)) => Some(a),
            _ => None,
        })
        .collect()
}

/// The send requests of reminders (not of answers or scheduled messages).
async fn reminder_requests(db: &Db) -> Vec<AgentEvent> {
    send_requests(db)
        .await
        .into_iter()
        .filter(|a| a.action_id.starts_with("reminder-") && !a.action_id.contains("-answer-"))
        .collect()
}

async fn enable(db: &Db, business: &BusinessId, leads: &[i32]) {
    reminders::put_settings(
        db,
        business,
        true,
        "שלום {name}, תזכורת ל{date} בשעה {time}",
        leads,
    )
    .await
    .unwrap();
}

async fn book(
    db: &Db,
    business: &BusinessId,
    customer: &CustomerId,
    at: DateTime<Utc>,
) -> appointments::Appointment {
    appointments::create(
        db,
        business,
        NewAppointment {
            title: "תספורת".into(),
            starts_at: time::from_utc(at),
            ends_at: time::from_utc(at + Duration::minutes(30)),
            customer_id: Some(customer.clone()),
            notes: String::new(),
        },
    )
    .await
    .unwrap()
}

/// Tuesday 12 January 2027, 10:00 in Israel (UTC+2).
fn tuesday_10() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 12, 8, 0, 0).unwrap()
}

/// Runs `body` with a database URL it may connect to several times (replicas, a restart).
async fn with_url<F, Fut>(postgres: bool, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    if postgres {
        let pg = tokio::task::spawn_blocking(FreshPostgres::create)
            .await
            .unwrap();
        body(pg.url().to_owned()).await;
        tokio::task::spawn_blocking(move || drop(pg)).await.unwrap();
    } else {
        let dir = tempfile::tempdir().unwrap();
        body(fresh_sqlite_url(&dir)).await;
    }
}

/// Two replicas' schedulers race on every pass; then both stop and a fresh one starts: each
/// reminder still goes out once, the 24 h one a day before and the 2 h one two hours before.
async fn each_reminder_is_sent_once_by_racing_schedulers_and_after_a_restart(url: String) {
    let (a, b) = (connect(url.clone()).await, connect(url.clone()).await);
    let t = tenant(&a, "מספרה", 1).await;
    let business = t.business.id.clone();
    enable(&a, &business, &[1440, 120]).await;
    let starts = tuesday_10();
    book(&a, &business, &t.customer.id, starts).await;

    let race = |now: DateTime<Utc>| {
        let (a, b) = (a.clone(), b.clone());
        async move {
            let (x, y) = tokio::join!(scheduler::run_due(&a, now), scheduler::run_due(&b, now));
            x.unwrap().reminders.len() + y.unwrap().reminders.len()
        }
    };
    assert_eq!(race(starts - Duration::hours(25)).await, 0, "not due yet");
    assert_eq!(race(starts - Duration::hours(24)).await, 1);
    assert_eq!(race(starts - Duration::hours(23)).await, 0);
    let sent = reminder_requests(&a).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to_number, t.customer.phone);
    assert_eq!(
        sent[0].text,
        format!(
            "שלום {}, תזכורת ליום שלישי, 12 בינואר בשעה 10:00",
            t.customer.name
        )
    );

    // Restart: every scheduler gone, a new one on a new pool.
    drop((a, b));
    let c = connect(url).await;
    let passes = |now: DateTime<Utc>| {
        let c = c.clone();
        async move { scheduler::run_due(&c, now).await.unwrap().reminders.len() }
    };
    assert_eq!(
        passes(starts - Duration::hours(23)).await,
        0,
        "remembered across the restart"
    );
    assert_eq!(
        passes(starts - Duration::minutes(119)).await,
        1,
        "the 2 h reminder"
    );
    assert_eq!(passes(starts - Duration::minutes(60)).await, 0);
    assert_eq!(passes(starts + Duration::minutes(1)).await, 0);
    assert_eq!(reminder_requests(&c).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_once_racing_and_restart_sqlite() {
    with_url(
        false,
        each_reminder_is_sent_once_by_racing_schedulers_and_after_a_restart,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_once_racing_and_restart_postgres() {
    with_url(
        true,
        each_reminder_is_sent_once_by_racing_schedulers_and_after_a_restart,
    )
    .await
}

/// The Shabbat of 8–9 January 2027 in Tel Aviv (the default city), as the hours code computes it.
fn shabbat_jan_2027() -> agentlocator_hours::Closure {
    let schedule = HoursSettings::default_for("tel-aviv").validate().unwrap();
    let from = Utc.with_ymd_and_hms(2027, 1, 8, 0, 0, 0).unwrap();
    agentlocator_hours::compute(&schedule, from, from + Duration::days(2))
        .unwrap()
        .closures
        .into_iter()
        .find(|c| c.kind == ClosureKind::Shabbat)
        .unwrap()
}

/// A Sunday-morning appointment's 24 h reminder would fall on Shabbat: it goes out on Friday
/// afternoon, an hour before candle-lighting. What comes due during Shabbat waits for havdalah.
async fn reminders_skip_shabbat(db: Db) {
    let t = tenant(&db, "מרפאה", 2).await;
    let business = t.business.id.clone();
    enable(&db, &business, &[1440, 120]).await;
    let shabbat = shabbat_jan_2027();
    // Sunday 10 January, 09:00 in Israel.
    let sunday = Utc.with_ymd_and_hms(2027, 1, 10, 7, 0, 0).unwrap();
    book(&db, &business, &t.customer.id, sunday).await;
    let sent = |now: DateTime<Utc>| {
        let db = db.clone();
        async move { scheduler::run_due(&db, now).await.unwrap().reminders }
    };
    let friday_send = shabbat.start - reminders::BEFORE_CLOSURE;
    assert!(sent(friday_send - Duration::minutes(1)).await.is_empty());
    let friday = sent(friday_send).await;
    assert_eq!(friday.len(), 1, "sent on Friday afternoon");
    assert_eq!(friday[0].lead_minutes, 1440);
    assert_eq!(
        time::to_utc(friday[0].created_at)
            .with_timezone(&time::ISRAEL)
            .format("%A")
            .to_string(),
        "Friday"
    );
    // Saturday 09:00 (the planned time) and the rest of Shabbat: nothing.
    assert!(sent(sunday - Duration::hours(24)).await.is_empty());
    assert!(sent(shabbat.end - Duration::minutes(1)).await.is_empty());
    let two_hours = sent(sunday - Duration::hours(2)).await;
    assert_eq!(
        two_hours.iter().map(|r| r.lead_minutes).collect::<Vec<_>>(),
        [120]
    );

    // Booked during Shabbat for Saturday night: its reminder is due at once, but waits for havdalah.
    let other = customer(&db, &t.business, 3).await;
    let saturday_night = shabbat.end + Duration::minutes(90);
    book(&db, &business, &other.id, saturday_night).await;
    assert!(sent(shabbat.end - Duration::minutes(30)).await.is_empty());
    let after = sent(shabbat.end + Duration::minutes(1)).await;
    assert_eq!(after.len(), 1, "one reminder right after Shabbat, not two");
    assert_eq!(
        after[0].lead_minutes, 120,
        "the closest due one; the 24 h one skipped"
    );
    assert!(sent(shabbat.end + Duration::minutes(2)).await.is_empty());
}
backend_test!(reminders_skip_shabbat => reminders_skip_shabbat_sqlite, reminders_skip_shabbat_postgres);

/// A moved appointment gets the reminders of its new time; a cancelled (deleted) or past one
/// none; an opted-out customer none; a business with reminders off or WhatsApp off none.
async fn reminders_follow_the_appointment(db: Db) {
    let t = tenant(&db, "מוסך", 4).await;
    let business = t.business.id.clone();
    enable(&db, &business, &[1440]).await;
    let starts = tuesday_10();
    let moved = book(&db, &business, &t.customer.id, starts).await;
    let c2 = customer(&db, &t.business, 5).await;
    let cancelled = book(&db, &business, &c2.id, starts).await;
    appointments::delete(&db, &business, &cancelled.id)
        .await
        .unwrap();

    let now = starts - Duration::hours(23);
    let first = scheduler::run_due(&db, now).await.unwrap().reminders;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].appointment_id, moved.id);

    // Moved to Thursday: a new reminder the day before its new time, none at the old one's.
    let thursday = starts + Duration::days(2);
    appointments::update(
        &db,
        &business,
        &moved.id,
        AppointmentPatch {
            starts_at: Some(time::from_utc(thursday)),
            ends_at: Some(time::from_utc(thursday + Duration::minutes(30))),
            ..AppointmentPatch::default()
        },
    )
    .await
    .unwrap();
    assert!(
        scheduler::run_due(&db, starts - Duration::hours(1))
            .await
            .unwrap()
            .reminders
            .is_empty()
    );
    let again = scheduler::run_due(&db, thursday - Duration::hours(24))
        .await
        .unwrap()
        .reminders;
    assert_eq!(again.len(), 1);
    assert!(
        again[0].body.contains("יום חמישי, 14 בינואר"),
        "{}",
        again[0].body
    );

    // A past appointment: nothing, whatever the lead time says.
    let c3 = customer(&db, &t.business, 6).await;
    book(&db, &business, &c3.id, thursday + Duration::days(7)).await;
    assert!(
        scheduler::run_due(&db, thursday + Duration::days(7) + Duration::minutes(1))
            .await
            .unwrap()
            .reminders
            .is_empty()
    );

    // Reminders off: nothing.
    let off = tenant(&db, "כבוי", 7).await;
    reminders::put_settings(&db, &off.business.id, false, "שלום {name}", &[1440])
        .await
        .unwrap();
    book(&db, &off.business.id, &off.customer.id, starts).await;
    // WhatsApp off: nothing either.
    let no_wa = tenant(&db, "בלי וואטסאפ", 8).await;
    enable(&db, &no_wa.business.id, &[1440]).await;
    crm_svc::businesses::update(
        &db,
        &no_wa.business.id,
        crm_svc::businesses::BusinessPatch {
            features: crm_svc::businesses::FeaturePatch {
                whatsapp: Some(false),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await
    .unwrap();
    book(&db, &no_wa.business.id, &no_wa.customer.id, starts).await;
    assert!(
        scheduler::run_due(&db, starts - Duration::hours(23))
            .await
            .unwrap()
            .reminders
            .is_empty()
    );
    assert_eq!(reminder_requests(&db).await.len(), 2);
}
backend_test!(reminders_follow_the_appointment => reminders_follow_the_appointment_sqlite, reminders_follow_the_appointment_postgres);

/// An inbound WhatsApp message from `phone` to business `business`, sent now.
fn inbound(business: &BusinessId, n: u32, phone: &str, body: &str) -> Event {
    let mut e = new_event(
        business.as_str(),
        Payload::Whatsapp(WhatsAppEvent {
            kind: WhatsAppEventKind::Received as i32,
            provider_message_id: format!("WAMID-{business}-{n}"),
            direction: "inbound".into(),
            from_number: phone.into(),
            to_number: "+97235550000".into(),
            body: body.into(),
            ..Default::default()
        }),
    );
    e.occurred_at = Some(to_timestamp(Utc::now()));
    e
}

async fn receive(db: &Db, e: Event) {
    db.transaction(move |c| event_consumer::apply(c, &e))
        .await
        .unwrap();
}

/// "1"/"כן" confirm, "2"/"לא" cancel (the appointment goes, staff get a task due now), "הסר"
/// opts out — each only in answer to a recent reminder; an unrelated "1" changes nothing.
async fn answers_to_reminders(db: Db) {
    let t = tenant(&db, "קליניקה", 10).await;
    let business = t.business.id.clone();
    enable(&db, &business, &[120]).await;
    let soon = Utc::now() + Duration::minutes(90);
    let mut people = vec![t.customer.clone()];
    for n in 11..15 {
        people.push(customer(&db, &t.business, n).await);
    }
    let mut booked = Vec::new();
    for c in &people[..4] {
        booked.push(book(&db, &business, &c.id, soon).await);
    }
    // The fifth books too, but later, so no reminder has gone to them yet.
    assert_eq!(
        scheduler::run_due(&db, Utc::now())
            .await
            .unwrap()
            .reminders
            .len(),
        4
    );
    let unreminded = book(&db, &business, &people[4].id, soon + Duration::days(3)).await;

    let answers_before = send_requests(&db).await.len();
    receive(&db, inbound(&business, 1, &people[0].phone, "1")).await;
    receive(&db, inbound(&business, 2, &people[1].phone, "כן")).await;
    receive(&db, inbound(&business, 3, &people[2].phone, "לא")).await;
    receive(&db, inbound(&business, 4, &people[3].phone, "הסר")).await;
    receive(&db, inbound(&business, 5, &people[4].phone, "1")).await;

    let get = |id| {
        let db = db.clone();
        let business = business.clone();
        async move { appointments::get(&db, &business, &id).await }
    };
    assert!(
        get(booked[0].id.clone())
            .await
            .unwrap()
            .confirmed_at
            .is_some()
    );
    assert!(
        get(booked[1].id.clone())
            .await
            .unwrap()
            .confirmed_at
            .is_some()
    );
    assert_not_found(get(booked[2].id.clone()).await);
    let kept = get(booked[3].id.clone()).await.unwrap();
    assert!(kept.confirmed_at.is_none(), "opting out does not confirm");
    let untouched = get(unreminded.id.clone()).await.unwrap();
    assert!(
        untouched.confirmed_at.is_none(),
        "a \"1\" without a reminder is not an answer"
    );

    // Each answer is answered back (four, not five), to the right customer.
    let answers: Vec<_> = send_requests(&db)
        .await
        .into_iter()
        .skip(answers_before)
        .collect();
    assert_eq!(answers.len(), 4, "{answers:?}");
    assert_eq!(answers[0].to_number, people[0].phone);
    assert!(answers[0].text.contains("אושר"), "{}", answers[0].text);
    assert!(answers[2].text.contains("בוטל"), "{}", answers[2].text);
    assert!(answers[3].text.contains("הוסרת"), "{}", answers[3].text);

    // Staff: a task due now about the cancellation.
    let tasks: Vec<_> = db
        .run(outbox::all)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.decode().unwrap().payload {
            Some(Payload::Task(t)) if t.kind == TaskEventKind::Created as i32 => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert!(
        tasks[0].title.contains(&people[2].name),
        "{}",
        tasks[0].title
    );
    assert_eq!(tasks[0].customer_id, people[2].id.as_str());
    assert!(tasks[0].due_at.is_some());

    // The opted-out customer gets no more reminders; the others' answered reminders stay answered.
    book(&db, &business, &people[3].id, soon + Duration::days(1)).await;
    let later = scheduler::run_due(&db, Utc::now() + Duration::days(1))
        .await
        .unwrap()
        .reminders;
    assert!(
        later.iter().all(|r| r.customer_id != people[3].id),
        "{later:?}"
    );

    // A second "2" from the customer who cancelled: no reminder is open any more.
    let before = send_requests(&db).await.len();
    receive(&db, inbound(&business, 6, &people[2].phone, "2")).await;
    assert_eq!(send_requests(&db).await.len(), before);
}
backend_test!(answers_to_reminders => reminder_answers_sqlite, reminder_answers_postgres);

/// A scheduled message goes out once at its time; it can be cancelled until then; everything is
/// scoped to the business and the customer.
async fn scheduled_messages_are_sent_once(db: Db) {
    let t = tenant(&db, "חנות", 20).await;
    let other = tenant(&db, "אחרת", 21).await;
    let (b, c) = (t.business.id.clone(), t.customer.id.clone());
    let at = time::now() + Duration::hours(1);
    let m = scheduled::create(&db, &b, &c, "  מבצע מחר!  ", at, Some(t.user.id.clone()))
        .await
        .unwrap();
    assert_eq!(
        (m.body.as_str(), m.status.as_str()),
        ("מבצע מחר!", "pending")
    );
    let cancelled = scheduled::create(&db, &b, &c, "לבטל", at, None)
        .await
        .unwrap();

    assert_eq!(
        invalid_field(scheduled::create(&db, &b, &c, " ", at, None).await),
        "text"
    );
    assert_eq!(
        invalid_field(
            scheduled::create(&db, &b, &c, "x", time::now() - Duration::hours(1), None).await
        ),
        "send_at"
    );
    assert_eq!(
        invalid_field(
            scheduled::create(&db, &b, &c, "x", time::now() + Duration::days(400), None).await
        ),
        "send_at"
    );
    assert_not_found(scheduled::create(&db, &other.business.id, &c, "x", at, None).await);
    assert_not_found(scheduled::list(&db, &other.business.id, &c).await);
    assert_not_found(scheduled::cancel(&db, &other.business.id, &other.customer.id, &m.id).await);

    scheduled::cancel(&db, &b, &c, &cancelled.id).await.unwrap();
    assert_conflict(scheduled::cancel(&db, &b, &c, &cancelled.id).await);

    let now = time::to_utc(at);
    assert!(
        scheduler::run_due(&db, now - Duration::minutes(1))
            .await
            .unwrap()
            .scheduled
            .is_empty()
    );
    let (x, y) = tokio::join!(scheduler::run_due(&db, now), scheduler::run_due(&db, now));
    let sent: Vec<_> = x
        .unwrap()
        .scheduled
        .into_iter()
        .chain(y.unwrap().scheduled)
        .collect();
    assert_eq!(sent.len(), 1);
    assert!(
        scheduler::run_due(&db, now + Duration::minutes(1))
            .await
            .unwrap()
            .scheduled
            .is_empty()
    );
    let requests = send_requests(&db).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].text.as_str(), requests[0].to_number.as_str()),
        ("מבצע מחר!", t.customer.phone.as_str())
    );
    assert_eq!(requests[0].action_id, scheduler::scheduled_action(&m.id));
    assert_conflict(scheduled::cancel(&db, &b, &c, &m.id).await);

    let listed = scheduled::list(&db, &b, &c).await.unwrap();
    let statuses: Vec<_> = listed.iter().map(|m| m.status.as_str()).collect();
    assert_eq!(statuses.len(), 2);
    assert!(
        statuses.contains(&"sent") && statuses.contains(&"cancelled"),
        "{statuses:?}"
    );
    assert!(
        scheduled::list(&db, &other.business.id, &other.customer.id)
            .await
            .unwrap()
            .is_empty()
    );
}
backend_test!(scheduled_messages_are_sent_once => scheduled_messages_sqlite, scheduled_messages_postgres);

/// Settings: defaults until saved (off, 24 h and 2 h), validated, per business.
async fn reminder_settings_per_business(db: Db) {
    let a = tenant(&db, "א", 30).await.business.id;
    let b = tenant(&db, "ב", 31).await.business.id;
    let defaults = reminders::get_settings(&db, &a).await.unwrap();
    assert!(!defaults.enabled && !defaults.configured);
    assert_eq!(defaults.lead_minutes, [1440, 120]);
    let saved = reminders::put_settings(&db, &a, true, "היי {name} {time}", &[60, 2880])
        .await
        .unwrap();
    assert_eq!(reminders::get_settings(&db, &a).await.unwrap(), saved);
    assert_eq!(saved.lead_minutes, [2880, 60]);
    assert!(!reminders::get_settings(&db, &b).await.unwrap().configured);
    assert_eq!(
        invalid_field(reminders::put_settings(&db, &a, true, "היי {phone}", &[60]).await),
        "template"
    );
    assert_eq!(
        invalid_field(reminders::put_settings(&db, &a, true, "היי", &[]).await),
        "lead_minutes"
    );
    assert_eq!(
        reminders::get_settings(&db, &a).await.unwrap(),
        saved,
        "nothing written"
    );
    assert_not_found(reminders::get_settings(&db, &BusinessId::generate()).await);
}
backend_test!(reminder_settings_per_business => reminder_settings_sqlite, reminder_settings_postgres);
