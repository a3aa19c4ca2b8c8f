//! Timestamps: stored as UTC `NaiveDateTime` (column type `Timestamp` on both backends), cut to
//! microseconds so a value reads back from PostgreSQL exactly as it was written, and shown in JSON
//! as RFC 3339 UTC with a `Z`.

use chrono::{DateTime, Datelike, NaiveDateTime, SecondsFormat, Timelike, Utc};

/// The years a time in a request may fall in (due dates, appointments, validity, list filters):
/// a year like 0001 or 9999 is a typing error or a probe, never a plan.
pub const ACCEPTED_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Whether a time from a request is within [`ACCEPTED_YEARS`].
pub fn is_accepted(t: NaiveDateTime) -> bool {
    ACCEPTED_YEARS.contains(&t.year())
}

/// Now, in UTC, at microsecond precision.
pub fn now() -> NaiveDateTime {
    truncate_micros(Utc::now().naive_utc())
}

/// `t` without its sub-microsecond part.
pub fn truncate_micros(t: NaiveDateTime) -> NaiveDateTime {
    let nanos = t.nanosecond();
    // `with_nanosecond` only fails above 2e9; a smaller value is always accepted.
    t.with_nanosecond(nanos - nanos % 1_000).unwrap_or(t)
}

/// A UTC instant as a stored timestamp.
pub fn from_utc(t: DateTime<Utc>) -> NaiveDateTime {
    truncate_micros(t.naive_utc())
}

/// A stored timestamp as a UTC instant.
pub fn to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// The businesses' time zone: what a document's date and a customer's day are in.
pub const ISRAEL: chrono_tz::Tz = chrono_tz::Asia::Jerusalem;

/// The calendar date in Israel of a stored UTC timestamp (23:30 UTC in winter is the next day).
pub fn israel_date(t: NaiveDateTime) -> chrono::NaiveDate {
    to_utc(t).with_timezone(&ISRAEL).date_naive()
}

/// RFC 3339 in UTC with `Z`, e.g. `2026-11-24T08:30:00.123456Z`.
pub fn rfc3339(t: NaiveDateTime) -> String {
    to_utc(t).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// `#[serde(serialize_with = "crate::time::serde_rfc3339")]`
pub fn serde_rfc3339<S: serde::Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

/// `#[serde(serialize_with = "crate::time::serde_rfc3339_opt")]`
pub fn serde_rfc3339_opt<S: serde::Serializer>(
    t: &Option<NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(*t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn json_form_is_rfc3339_utc_with_z() {
        let t = NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_micro_opt(8, 30, 0, 123_456)
            .unwrap();
        assert_eq!(rfc3339(t), "2026-11-24T08:30:00.123456Z");
        let whole = NaiveDate::from_ymd_opt(2026, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap();
        assert_eq!(rfc3339(whole), "2026-01-02T03:04:05Z");
    }

    #[test]
    fn israel_dates_follow_israel_time_in_winter_and_summer() {
        let utc = |m, d, h, min| {
            NaiveDate::from_ymd_opt(2026, m, d)
                .unwrap()
                .and_hms_opt(h, min, 0)
                .unwrap()
        };
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        // Winter, UTC+2: 21:59 UTC is still the day, 22:00 UTC the next one.
        assert_eq!(israel_date(utc(12, 1, 21, 59)), day(12, 1));
        assert_eq!(israel_date(utc(12, 1, 22, 0)), day(12, 2));
        // Summer, UTC+3: 21:00 UTC is already the next day.
        assert_eq!(israel_date(utc(7, 1, 20, 59)), day(7, 1));
        assert_eq!(israel_date(utc(7, 1, 21, 0)), day(7, 2));
    }

    #[test]
    fn only_years_2000_to_2100_are_accepted() {
        let at = |y, m, d| {
            NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
        };
        assert!(is_accepted(at(2000, 1, 1)));
        assert!(is_accepted(at(2026, 12, 1)));
        assert!(is_accepted(at(2100, 12, 31)));
        assert!(!is_accepted(at(1999, 12, 31)));
        assert!(!is_accepted(at(1, 1, 1)));
        assert!(!is_accepted(at(9999, 12, 31)));
    }

    #[test]
    fn now_has_microsecond_precision() {
        assert_eq!(now().nanosecond() % 1_000, 0);
    }
}
