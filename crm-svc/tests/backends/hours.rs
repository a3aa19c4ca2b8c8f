//! Opening hours stored per business: defaults until set, validated before anything is written,
//! scoped to the business, and the calendar, status and slot check computed from what is stored.

use crate::fixtures::tenant;
use chrono::{DateTime, TimeZone, Utc};
use crm_svc::{Db, appointments, backend_test, error::Error, hours, ids::BusinessId};

/// Israel is UTC+3 in July.
fn july_2027(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 7, day, hour, minute, 0).unwrap() - chrono::Duration::hours(3)
}

const JERUSALEM_SUN_TO_FRI: &str = r#"{"city": "jerusalem", "weekly": [
    {"day": "sunday", "ranges": [{"from": "09:00", "to": "13:00"}, {"from": "16:00", "to": "19:00"}]},
    {"day": "friday", "ranges": [{"from": "08:00", "to": "20:00"}]}],
  "exceptions": [{"date": "2027-07-25", "name": "חופשת קיץ"}]}"#;

async fn hours_are_defaults_until_set_then_stored_per_business(db: Db) {
    let a = tenant(&db, "עסק א", 1).await.business.id;
    let b = tenant(&db, "עסק ב", 2).await.business.id;
    let before = hours::get(&db, &a).await.unwrap();
    assert!(!before.configured);
    assert_eq!(before.settings.city, hours::DEFAULT_CITY);

    let saved = hours::put(&db, &a, JERUSALEM_SUN_TO_FRI).await.unwrap();
    assert!(saved.configured);
    let read = hours::get(&db, &a).await.unwrap();
    assert_eq!(read, saved);
    assert_eq!(read.settings.city, "jerusalem");
    assert!(
        !hours::get(&db, &b).await.unwrap().configured,
        "the other business keeps its defaults"
    );

    // Replaced whole by the next put.
    hours::put(&db, &a, r#"{"city": "haifa"}"#).await.unwrap();
    let read = hours::get(&db, &a).await.unwrap();
    assert_eq!(
        (read.settings.city.as_str(), read.settings.weekly.len()),
        ("haifa", 0)
    );

    let err = hours::get(&db, &BusinessId::from("no-such-business"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound("business")), "{err:?}");
    let err = hours::put(
        &db,
        &BusinessId::from("no-such-business"),
        r#"{"city": "haifa"}"#,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::NotFound("business")), "{err:?}");
}
backend_test!(hours_are_defaults_until_set_then_stored_per_business
    => hours_are_defaults_until_set_then_stored_per_business_sqlite,
       hours_are_defaults_until_set_then_stored_per_business_postgres);

async fn bad_hours_are_refused_and_nothing_is_written(db: Db) {
    let a = tenant(&db, "עסק", 1).await.business.id;
    hours::put(&db, &a, JERUSALEM_SUN_TO_FRI).await.unwrap();
    for (bad, says) in [
        (r#"{"city": "atlantis"}"#, "unknown city"),
        (
            r#"{"city": "haifa", "weekly": [{"day": "monday", "ranges": [{"from": "09:00", "to": "12:00"}, {"from": "11:00", "to": "14:00"}]}]}"#,
            "overlap",
        ),
        (
            r#"{"city": "haifa", "weekly": [{"day": "monday", "ranges": [{"from": "22:00", "to": "02:00"}]}]}"#,
            "past midnight",
        ),
        (
            r#"{"city": "haifa", "weekly": [{"day": "someday", "ranges": []}]}"#,
            "not a day of the week",
        ),
        (
            r#"{"city": "haifa", "exceptions": [{"date": "2027-02-30"}]}"#,
            "not a date",
        ),
        (r#"{"city": "haifa", "colour": "blue"}"#, "unknown field"),
        ("not json", "not valid hours settings"),
    ] {
        match hours::put(&db, &a, bad).await {
            Err(Error::Validation {
                field: "hours",
                message,
            }) => assert!(message.contains(says), "{bad}: {message}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_eq!(
        hours::get(&db, &a).await.unwrap().settings.city,
        "jerusalem",
        "unchanged"
    );
}
backend_test!(bad_hours_are_refused_and_nothing_is_written
    => bad_hours_are_refused_and_nothing_is_written_sqlite,
       bad_hours_are_refused_and_nothing_is_written_postgres);

async fn calendar_status_and_slots_follow_the_stored_hours(db: Db) {
    let a = tenant(&db, "עסק", 1).await.business.id;
    hours::put(&db, &a, JERUSALEM_SUN_TO_FRI).await.unwrap();

    // Friday 23 – Monday 26 July 2027: Friday until candle-lighting (19:02 in Jerusalem), Shabbat,
    // Sunday closed for the one-off date.
    let cal = hours::calendar(&db, &a, july_2027(23, 0, 0), july_2027(27, 0, 0))
        .await
        .unwrap();
    assert_eq!(cal.open.len(), 1, "{:?}", cal.open);
    assert_eq!(cal.open[0].start, july_2027(23, 8, 0));
    let names: Vec<&str> = cal.closures.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["שבת", "חופשת קיץ"]);
    assert_eq!(cal.open[0].end, cal.closures[0].start);

    let (status, message) = hours::status(&db, &a, july_2027(24, 12, 0)).await.unwrap();
    assert!(!status.open);
    assert!(message.unwrap().starts_with("אנחנו סגורים לרגל שבת."));
    let (status, message) = hours::status(&db, &a, july_2027(23, 10, 0)).await.unwrap();
    assert!(status.open && message.is_none());

    // Booking: inside the hours is fine; over candle-lighting, on the one-off closure or outside
    // the weekly hours is refused with the reason, and a move there too.
    let naive = |t: DateTime<Utc>| t.naive_utc();
    let new = |start: DateTime<Utc>, end: DateTime<Utc>| appointments::NewAppointment {
        title: "תור".into(),
        starts_at: naive(start),
        ends_at: naive(end),
        customer_id: None,
        notes: String::new(),
    };
    let booked = appointments::create(&db, &a, new(july_2027(23, 10, 0), july_2027(23, 11, 0)))
        .await
        .unwrap();
    for (start, end, says) in [
        (july_2027(23, 18, 30), july_2027(23, 19, 30), "לרגל שבת"),
        (july_2027(25, 10, 0), july_2027(25, 11, 0), "לרגל חופשת קיץ"),
        (july_2027(22, 10, 0), july_2027(22, 11, 0), "מחוץ לשעות"),
    ] {
        match appointments::create(&db, &a, new(start, end)).await {
            Err(Error::Validation {
                field: "starts_at",
                message,
            }) => assert!(message.contains(says), "{message}"),
            other => panic!("{start}: {other:?}"),
        }
        let moved = appointments::AppointmentPatch {
            starts_at: Some(naive(start)),
            ends_at: Some(naive(end)),
            ..Default::default()
        };
        match appointments::update(&db, &a, &booked.id, moved).await {
            Err(Error::Validation {
                field: "starts_at",
                message,
            }) => assert!(message.contains(says), "{message}"),
            other => panic!("move to {start}: {other:?}"),
        }
    }
    let listed = appointments::list(
        &db,
        &a,
        naive(july_2027(20, 0, 0)),
        naive(july_2027(30, 0, 0)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(listed.len(), 1, "nothing refused was written");
    assert_eq!(listed[0].starts_at, naive(july_2027(23, 10, 0)));
    // Renaming an appointment does not move it, so it is not checked again.
    let renamed = appointments::AppointmentPatch {
        title: Some("תור חדש".into()),
        ..Default::default()
    };
    appointments::update(&db, &a, &booked.id, renamed)
        .await
        .unwrap();

    // A business that has not set its hours books at any time.
    let b = tenant(&db, "עסק בלי שעות", 2).await.business.id;
    appointments::create(&db, &b, new(july_2027(24, 12, 0), july_2027(24, 13, 0)))
        .await
        .unwrap();

    // A range too long to compute is a validation error, not a failure.
    let err = hours::calendar(
        &db,
        &a,
        july_2027(1, 0, 0),
        july_2027(1, 0, 0) + chrono::Duration::days(500),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::Validation { field: "to", .. }),
        "{err:?}"
    );
}
backend_test!(calendar_status_and_slots_follow_the_stored_hours
    => calendar_status_and_slots_follow_the_stored_hours_sqlite,
       calendar_status_and_slots_follow_the_stored_hours_postgres);

/// An inbound WhatsApp message while closed gets one auto-reply per customer per closed period,
/// through an `agent.whatsapp_requested` event that says why and when the business reopens; not
/// while open, not for outbound or old messages, not for a business that never set its hours.
async fn whatsapp_while_closed_gets_one_auto_reply_per_customer(db: Db) {
    use agentlocator_proto::{
        Event, new_event, to_timestamp,
        v1::{WhatsAppEvent, WhatsAppEventKind, event::Payload},
    };
    use crm_svc::{event_consumer, outbox::queries as outbox};
    use prost::Message as _;

    let closed = tenant(&db, "סגור", 1).await.business.id;
    let open = tenant(&db, "פתוח", 2).await.business.id;
    let never_set = tenant(&db, "ברירת מחדל", 3).await.business.id;
    // Closed every day but one next week: open then, so the reply names when.
    let reopen_day = (Utc::now() + chrono::Duration::days(7)).date_naive();
    hours::put(
        &db,
        &closed,
        &format!(
            r#"{{"city": "tel-aviv", "weekly": [], "closed_on_shabbat_and_holidays": false,
                "exceptions": [{{"date": "{reopen_day}", "ranges": [{{"from": "09:00", "to": "17:00"}}]}}]}}"#
        ),
    )
    .await
    .unwrap();
    let every_day: Vec<String> = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ]
    .iter()
    .map(|d| format!(r#"{{"day": "{d}", "ranges": [{{"from": "00:00", "to": "24:00"}}]}}"#))
    .collect();
    hours::put(
        &db,
        &open,
        &format!(
            r#"{{"city": "tel-aviv", "weekly": [{}], "closed_on_shabbat_and_holidays": false}}"#,
            every_day.join(",")
        ),
    )
    .await
    .unwrap();

    let message = |business: &BusinessId, n: u32, from: &str, direction: &str, age_minutes: i64| {
        let mut e = new_event(
            business.as_str(),
            Payload::Whatsapp(WhatsAppEvent {
                kind: if direction == "inbound" {
                    WhatsAppEventKind::Received
                } else {
                    WhatsAppEventKind::Sent
                } as i32,
                provider_message_id: format!("WAMID-{business}-{n}"),
                direction: direction.into(),
                from_number: if direction == "inbound" {
                    from.into()
                } else {
                    "+97235550000".into()
                },
                to_number: if direction == "inbound" {
                    "+97235550000".into()
                } else {
                    from.into()
                },
                body: "שלום, אתם פתוחים?".into(),
                ..Default::default()
            }),
        );
        e.occurred_at = Some(to_timestamp(
            Utc::now() - chrono::Duration::minutes(age_minutes),
        ));
        e
    };
    let apply = |e: Event| {
        let db = db.clone();
        async move {
            db.transaction(move |c| event_consumer::apply(c, &e))
                .await
                .unwrap()
        }
    };
    let replies = || {
        let db = db.clone();
        async move {
            db.run(outbox::all)
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.subject.ends_with(".agent.whatsapp_requested"))
                .map(|r| Event::decode(r.payload.as_slice()).unwrap())
                .collect::<Vec<_>>()
        }
    };

    // A burst from one customer while closed: one reply. Another customer: their own.
    for n in 0..3 {
        apply(message(&closed, n, "+972501111111", "inbound", 0)).await;
    }
    apply(message(&closed, 10, "+972502222222", "inbound", 0)).await;
    let sent = replies().await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    let Some(Payload::Agent(reply)) = &sent[0].payload else {
        panic!("{sent:?}")
    };
    assert_eq!(sent[0].business_id, closed.as_str());
    assert_eq!(reply.to_number, "+972501111111");
    assert!(reply.text.contains("סגורים"), "{}", reply.text);
    assert!(
        reply.text.contains("09:00"),
        "says when it reopens: {}",
        reply.text
    );

    // Not for our own messages, an old message (history synced after pairing), an open business
    // or one that never set its hours.
    apply(message(&closed, 20, "+972503333333", "outbound", 0)).await;
    apply(message(&closed, 21, "+972504444444", "inbound", 60)).await;
    apply(message(&open, 1, "+972501111111", "inbound", 0)).await;
    apply(message(&never_set, 1, "+972501111111", "inbound", 0)).await;
    assert_eq!(replies().await.len(), 2);
}
backend_test!(whatsapp_while_closed_gets_one_auto_reply_per_customer => closure_reply_sqlite, closure_reply_postgres);
