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
