//! The holiday calendar, the closures it makes and what the business says when closed.

use agentlocator_hours::calendar::{HolyDay, holiday};
use agentlocator_hours::settings::WEEKDAY_KEYS;
use agentlocator_hours::{
    ClosureKind, HoursSettings, Schedule, closed_message, compute, israel, status_at,
};
use chrono::{DateTime, Utc};
use jiff::civil::Date;

/// Israeli holidays on which the business closes, 2026–2030, as published by hebcal.com
/// (https://www.hebcal.com/holidays/2026-2027 … /2030-2031, Israel schedule).
const PUBLISHED: &[(&str, HolyDay)] = &[
    ("2026-04-02", HolyDay::Pesach),
    ("2026-04-08", HolyDay::ShviiShelPesach),
    ("2026-05-22", HolyDay::Shavuot),
    ("2026-09-12", HolyDay::RoshHashana),
    ("2026-09-13", HolyDay::RoshHashana),
    ("2026-09-21", HolyDay::YomKippur),
    ("2026-09-26", HolyDay::Sukkot),
    ("2026-10-03", HolyDay::SheminiAtzeret),
    ("2027-04-22", HolyDay::Pesach),
    ("2027-04-28", HolyDay::ShviiShelPesach),
    ("2027-06-11", HolyDay::Shavuot),
    ("2027-10-02", HolyDay::RoshHashana),
    ("2027-10-03", HolyDay::RoshHashana),
    ("2027-10-11", HolyDay::YomKippur),
    ("2027-10-16", HolyDay::Sukkot),
    ("2027-10-23", HolyDay::SheminiAtzeret),
    ("2028-04-11", HolyDay::Pesach),
    ("2028-04-17", HolyDay::ShviiShelPesach),
    ("2028-05-31", HolyDay::Shavuot),
    ("2028-09-21", HolyDay::RoshHashana),
    ("2028-09-22", HolyDay::RoshHashana),
    ("2028-09-30", HolyDay::YomKippur),
    ("2028-10-05", HolyDay::Sukkot),
    ("2028-10-12", HolyDay::SheminiAtzeret),
    ("2029-03-31", HolyDay::Pesach),
    ("2029-04-06", HolyDay::ShviiShelPesach),
    ("2029-05-20", HolyDay::Shavuot),
    ("2029-09-10", HolyDay::RoshHashana),
    ("2029-09-11", HolyDay::RoshHashana),
    ("2029-09-19", HolyDay::YomKippur),
    ("2029-09-24", HolyDay::Sukkot),
    ("2029-10-01", HolyDay::SheminiAtzeret),
    ("2030-04-18", HolyDay::Pesach),
    ("2030-04-24", HolyDay::ShviiShelPesach),
    ("2030-06-07", HolyDay::Shavuot),
    ("2030-09-28", HolyDay::RoshHashana),
    ("2030-09-29", HolyDay::RoshHashana),
    ("2030-10-07", HolyDay::YomKippur),
    ("2030-10-12", HolyDay::Sukkot),
    ("2030-10-19", HolyDay::SheminiAtzeret),
];

#[test]
fn every_closing_holiday_of_2026_to_2030_is_on_its_published_date_and_no_other_day_is() {
    let mut d: Date = "2026-01-01".parse().unwrap();
    let end: Date = "2030-12-31".parse().unwrap();
    let mut found = Vec::new();
    while d <= end {
        if let Some(h) = holiday(d) {
            found.push((d.to_string(), h));
        }
        d = d.tomorrow().unwrap();
    }
    let published: Vec<(String, HolyDay)> = PUBLISHED
        .iter()
        .map(|(d, h)| ((*d).to_owned(), *h))
        .collect();
    assert_eq!(found, published);
}

fn schedule(json: serde_json::Value) -> Schedule {
    serde_json::from_value::<HoursSettings>(json)
        .expect("settings")
        .validate()
        .expect("valid")
}

/// Open every day 08:00–20:00 (so every closure shows), in `city`.
fn long_hours(city: &str) -> Schedule {
    let days: Vec<_> = WEEKDAY_KEYS
        .iter()
        .map(|d| serde_json::json!({"day": d, "ranges": [{"from": "08:00", "to": "20:00"}]}))
        .collect();
    schedule(serde_json::json!({"city": city, "weekly": days}))
}

/// `YYYY-MM-DD HH:MM` Israel time.
fn il(s: &str) -> DateTime<Utc> {
    let dt: jiff::civil::DateTime = s.parse().expect("local datetime");
    let ts = dt.to_zoned(israel()).expect("in Israel").timestamp();
    DateTime::from_timestamp(ts.as_second(), 0).expect("instant")
}

fn local(t: DateTime<Utc>) -> String {
    let ts = jiff::Timestamp::from_second(t.timestamp()).unwrap();
    ts.to_zoned(israel()).strftime("%Y-%m-%d %H:%M").to_string()
}

#[test]
fn shabbat_closes_from_candle_lighting_to_havdalah_and_the_weekday_hours_are_cut_there() {
    // Jerusalem, 2027-07-23: candle-lighting 19:02, havdalah 20:22 on Saturday (hebcal.com).
    let cal = compute(
        &long_hours("jerusalem"),
        il("2027-07-23 00:00"),
        il("2027-07-26 00:00"),
    )
    .unwrap();
    assert_eq!(cal.closures.len(), 1);
    let c = &cal.closures[0];
    assert_eq!((c.kind, c.name.as_str()), (ClosureKind::Shabbat, "שבת"));
    let (start, end) = (local(c.start), local(c.end));
    assert!(
        ("2027-07-23 19:01".into()..="2027-07-23 19:03".into()).contains(&start),
        "{start}"
    );
    assert!(
        ("2027-07-24 20:21".into()..="2027-07-24 20:23".into()).contains(&end),
        "{end}"
    );
    let open: Vec<(String, String)> = cal
        .open
        .iter()
        .map(|i| (local(i.start), local(i.end)))
        .collect();
    assert_eq!(
        open[0],
        ("2027-07-23 08:00".into(), start.clone()),
        "Friday closes at candle-lighting"
    );
    assert_eq!(
        open[1],
        ("2027-07-25 08:00".into(), "2027-07-25 20:00".into()),
        "Saturday's 20:00 end is inside Shabbat"
    );
    assert_eq!(open.len(), 2);
}

#[test]
fn erev_chag_closes_at_candle_lighting_and_the_chag_is_closed() {
    // Pesach 2028 is on Tuesday 11 April: closed from Monday's candle-lighting (18:24 in Jerusalem) to
    // Tuesday's havdalah.
    let cal = compute(
        &long_hours("jerusalem"),
        il("2028-04-10 00:00"),
        il("2028-04-12 00:00"),
    )
    .unwrap();
    let c = cal
        .closures
        .iter()
        .find(|c| c.kind == ClosureKind::Holiday)
        .expect("Pesach");
    assert_eq!(c.name, "פסח");
    let start = local(c.start);
    assert!(
        ("2028-04-10 18:23".into()..="2028-04-10 18:25".into()).contains(&start),
        "{start}"
    );
    assert!(
        local(c.end).starts_with("2028-04-11 19:"),
        "{}",
        local(c.end)
    );
    assert_eq!(local(cal.open[0].end), start);
    assert!(
        cal.open
            .iter()
            .all(|i| i.end <= c.start || i.start >= c.end)
    );
}

#[test]
fn a_holiday_next_to_shabbat_is_one_closure_from_the_first_eve_to_the_last_nightfall() {
    // Rosh Hashana 5787 is Saturday–Sunday 12–13 September 2026: closed from Friday's candle-lighting
    // (Tel Aviv 18:32) to Sunday's havdalah (19:26), one closure named for both.
    let cal = compute(
        &long_hours("tel-aviv"),
        il("2026-09-11 00:00"),
        il("2026-09-15 00:00"),
    )
    .unwrap();
    assert_eq!(cal.closures.len(), 1, "{:?}", cal.closures);
    let c = &cal.closures[0];
    assert_eq!(
        (c.kind, c.name.as_str()),
        (ClosureKind::Holiday, "ראש השנה ושבת")
    );
    assert!(
        local(c.start).starts_with("2026-09-11 18:3"),
        "{}",
        local(c.start)
    );
    assert!(
        local(c.end).starts_with("2026-09-13 19:2"),
        "{}",
        local(c.end)
    );

    // A holiday on Friday: the seventh day of Pesach 2029 is Friday 6 April, so Thursday's eve to
    // Saturday night is closed.
    let cal = compute(
        &long_hours("haifa"),
        il("2029-04-05 00:00"),
        il("2029-04-08 00:00"),
    )
    .unwrap();
    assert_eq!(cal.closures.len(), 1);
    assert_eq!(cal.closures[0].name, "שביעי של פסח ושבת");
    assert!(local(cal.closures[0].start).starts_with("2029-04-05 1"));
    assert!(local(cal.closures[0].end).starts_with("2029-04-07 "));
    assert_eq!(
        cal.open.len(),
        2,
        "Thursday until candle-lighting, Saturday after havdalah: {:?}",
        cal.open
    );
    assert_eq!(
        (cal.open[0].end, cal.open[1].start),
        (cal.closures[0].start, cal.closures[0].end)
    );
}

#[test]
fn without_the_rule_shabbat_is_just_the_weekly_hours() {
    let mut s = long_hours("tel-aviv");
    s.closed_on_shabbat_and_holidays = false;
    let cal = compute(&s, il("2027-07-23 00:00"), il("2027-07-25 00:00")).unwrap();
    assert!(cal.closures.is_empty());
    assert_eq!(cal.open.len(), 2);
    assert_eq!(local(cal.open[1].start), "2027-07-24 08:00");
}

#[test]
fn ranges_are_wall_clock_times_across_the_dst_changes() {
    // Israel: summer time from Friday 2026-03-27 02:00 (→ 03:00), winter time from Sunday 2026-10-25
    // 02:00 (→ 01:00). A 01:00–05:00 range is 3 real hours on the first and 5 on the second.
    let s = schedule(
        serde_json::json!({"city": "tel-aviv", "closed_on_shabbat_and_holidays": false,
        "weekly": [{"day": "friday", "ranges": [{"from": "01:00", "to": "05:00"}]},
                   {"day": "sunday", "ranges": [{"from": "01:00", "to": "05:00"}]}]}),
    );
    let spring = compute(&s, il("2026-03-27 00:00"), il("2026-03-28 00:00")).unwrap();
    assert_eq!(spring.open.len(), 1);
    assert_eq!(
        (spring.open[0].end - spring.open[0].start).num_minutes(),
        180
    );
    let autumn = compute(&s, il("2026-10-25 00:00"), il("2026-10-26 00:00")).unwrap();
    assert_eq!(autumn.open.len(), 1);
    assert_eq!(
        (autumn.open[0].end - autumn.open[0].start).num_minutes(),
        300
    );
    assert_eq!(local(autumn.open[0].end), "2026-10-25 05:00");
}

#[test]
fn a_one_off_closure_and_one_off_hours_replace_the_weekday() {
    let s = schedule(serde_json::json!({"city": "tel-aviv",
        "weekly": [{"day": "wednesday", "ranges": [{"from": "09:00", "to": "17:00"}]},
                   {"day": "thursday", "ranges": [{"from": "09:00", "to": "17:00"}]}],
        "exceptions": [{"date": "2027-05-12", "name": "יום העצמאות"},
                       {"date": "2027-05-13", "ranges": [{"from": "10:00", "to": "12:00"}]}]}));
    let cal = compute(&s, il("2027-05-12 00:00"), il("2027-05-14 00:00")).unwrap();
    assert_eq!(cal.closures.len(), 1);
    assert_eq!(
        (cal.closures[0].kind, cal.closures[0].name.as_str()),
        (ClosureKind::Special, "יום העצמאות")
    );
    let open: Vec<(String, String)> = cal
        .open
        .iter()
        .map(|i| (local(i.start), local(i.end)))
        .collect();
    assert_eq!(
        open,
        vec![("2027-05-13 10:00".into(), "2027-05-13 12:00".into())]
    );
}

#[test]
fn ranges_either_side_of_midnight_join_into_one_interval() {
    let s = schedule(
        serde_json::json!({"city": "eilat", "closed_on_shabbat_and_holidays": false,
        "weekly": [{"day": "monday", "ranges": [{"from": "18:00", "to": "24:00"}]},
                   {"day": "tuesday", "ranges": [{"from": "00:00", "to": "02:00"}]}]}),
    );
    let cal = compute(&s, il("2027-01-04 00:00"), il("2027-01-06 00:00")).unwrap();
    let open: Vec<(String, String)> = cal
        .open
        .iter()
        .map(|i| (local(i.start), local(i.end)))
        .collect();
    assert_eq!(
        open,
        vec![("2027-01-04 18:00".into(), "2027-01-05 02:00".into())]
    );
}

#[test]
fn a_range_that_is_backwards_or_too_long_is_an_error() {
    let s = long_hours("eilat");
    assert!(compute(&s, il("2027-01-05 00:00"), il("2027-01-04 00:00")).is_err());
    assert!(compute(&s, il("2027-01-01 00:00"), il("2028-06-01 00:00")).is_err());
}

#[test]
fn closed_on_shabbat_says_why_and_reopens_after_havdalah_in_natural_hebrew() {
    // Open on Saturday night too, so the business reopens at havdalah.
    let s = long_hours("jerusalem");
    let s = Schedule {
        weekly: std::array::from_fn(|_| vec![(8 * 60, 23 * 60)]),
        ..s
    };
    let now = il("2027-07-24 12:00");
    let status = status_at(&s, now).unwrap();
    assert!(!status.open);
    let closure = status.closure.clone().expect("Shabbat");
    assert_eq!(status.reopens_at, Some(closure.end));
    let at = local(closure.end);
    let msg = closed_message(&status, now).expect("closed");
    assert_eq!(
        msg,
        format!(
            "אנחנו סגורים לרגל שבת. נשמח לחזור אליך במוצאי שבת, אחרי {}.",
            &at[11..]
        )
    );
}

#[test]
fn closed_on_a_holiday_eve_evening_reopens_on_the_next_working_day() {
    // Erev Yom Kippur 2027 (Sunday 10 October) at 19:00: closed for Yom Kippur, and the business
    // (Sunday–Thursday 09:00–17:00) reopens on Tuesday at 09:00.
    let s = HoursSettings::default_for("tel-aviv").validate().unwrap();
    let now = il("2027-10-10 19:00");
    let status = status_at(&s, now).unwrap();
    assert_eq!(
        status.closure.as_ref().map(|c| c.name.as_str()),
        Some("יום כיפור")
    );
    assert_eq!(local(status.reopens_at.unwrap()), "2027-10-12 09:00");
    assert_eq!(
        closed_message(&status, now).unwrap(),
        "אנחנו סגורים לרגל יום כיפור. נשמח לחזור אליך ביום שלישי ב־09:00."
    );
}

#[test]
fn outside_the_weekly_hours_says_when_it_opens() {
    let s = HoursSettings::default_for("haifa").validate().unwrap();
    let night = il("2027-01-05 03:00");
    let status = status_at(&s, night).unwrap();
    assert!(!status.open && status.closure.is_none());
    assert_eq!(
        closed_message(&status, night).unwrap(),
        "אנחנו סגורים כעת. נשמח לחזור אליך היום ב־09:00."
    );
    let evening = il("2027-01-05 20:00");
    let status = status_at(&s, evening).unwrap();
    assert_eq!(
        closed_message(&status, evening).unwrap(),
        "אנחנו סגורים כעת. נשמח לחזור אליך מחר ב־09:00."
    );

    let open = status_at(&s, il("2027-01-05 10:00")).unwrap();
    assert!(open.open);
    assert_eq!(local(open.closes_at.unwrap()), "2027-01-05 17:00");
    assert_eq!(closed_message(&open, il("2027-01-05 10:00")), None);
}
