//! Free appointment slots: the business's open hours ([`open_windows`]) minus its appointments.
//!
//! Open hours are a seam: business hours per business are not in the CRM yet, so every business
//! gets [`open_windows`]'s defaults (Sunday–Thursday 09:00–18:00, Friday 09:00–13:00, Saturday
//! closed, Israel time). When the business has its own hours, they replace that one function.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// The businesses' time zone.
pub const ZONE: Tz = chrono_tz::Asia::Jerusalem;
/// Most slots one listing returns (the model offers a few, not a calendar).
pub const MAX_SLOTS: usize = 12;
/// Widest range one listing may span.
pub const MAX_RANGE_DAYS: i64 = 14;

/// The local hours appointments may be booked in on `day`.
pub fn open_windows(day: NaiveDate) -> Vec<(NaiveTime, NaiveTime)> {
    let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN);
    match day.weekday() {
        Weekday::Sat => vec![],
        Weekday::Fri => vec![(at(9), at(13))],
        _ => vec![(at(9), at(18))],
    }
}

/// A local time of `ZONE` as UTC (in a DST gap: the first valid instant after it).
fn to_utc(day: NaiveDate, t: NaiveTime) -> Option<DateTime<Utc>> {
    let local = day.and_time(t);
    ZONE.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            ZONE.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// The open windows overlapping `[from, to)`, in UTC.
fn windows(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut day = from.with_timezone(&ZONE).date_naive() - Duration::days(1);
    let last = to.with_timezone(&ZONE).date_naive();
    while day <= last {
        for (open, close) in open_windows(day) {
            if let (Some(s), Some(e)) = (to_utc(day, open), to_utc(day, close))
                && e > from
                && s < to
            {
                out.push((s, e));
            }
        }
        day += Duration::days(1);
    }
    out
}

fn overlaps(
    start: NaiveDateTime,
    end: NaiveDateTime,
    busy: &[(NaiveDateTime, NaiveDateTime)],
) -> bool {
    busy.iter().any(|(s, e)| *s < end && *e > start)
}

/// Up to [`MAX_SLOTS`] starts of free slots of `minutes` in `[from, to)`, not before `now`, on
/// the grid of `minutes` from each window's opening, avoiding `busy` (the business's
/// appointments, UTC).
pub fn free_slots(
    busy: &[(NaiveDateTime, NaiveDateTime)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    minutes: i64,
    now: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let len = Duration::minutes(minutes.max(1));
    let mut out = Vec::new();
    for (open, close) in windows(from, to) {
        let mut start = open;
        while start + len <= close && start + len <= to {
            if start >= from
                && start >= now
                && !overlaps(start.naive_utc(), (start + len).naive_utc(), busy)
            {
                out.push(start);
                if out.len() == MAX_SLOTS {
                    return out;
                }
            }
            start += len;
        }
    }
    out
}

/// Why a slot cannot be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unbookable {
    Past,
    Closed,
    Taken,
}

impl Unbookable {
    /// For the model.
    pub fn message(self) -> &'static str {
        match self {
            Unbookable::Past => "that time has passed",
            Unbookable::Closed => "the business is closed then; call list_free_slots",
            Unbookable::Taken => "that slot is taken; call list_free_slots and offer another",
        }
    }
}

/// Whether `[start, start + minutes)` can be booked: after `now`, inside one open window, free.
pub fn check_bookable(
    start: DateTime<Utc>,
    minutes: i64,
    busy: &[(NaiveDateTime, NaiveDateTime)],
    now: DateTime<Utc>,
) -> Result<(), Unbookable> {
    let end = start + Duration::minutes(minutes);
    if start < now {
        return Err(Unbookable::Past);
    }
    if !windows(start, end)
        .iter()
        .any(|(open, close)| *open <= start && end <= *close)
    {
        return Err(Unbookable::Closed);
    }
    if overlaps(start.naive_utc(), end.naive_utc(), busy) {
        return Err(Unbookable::Taken);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn slots_follow_open_hours_in_israel_time_and_skip_appointments() {
        // Tuesday 2026-12-08 (winter, UTC+2): open 09:00–18:00 local = 07:00–16:00 UTC.
        let now = t("2026-01-01T00:00:00Z");
        let busy = [(
            t("2026-12-08T07:30:00Z").naive_utc(),
            t("2026-12-08T08:30:00Z").naive_utc(),
        )];
        let slots = free_slots(
            &busy,
            t("2026-12-08T00:00:00+02:00"),
            t("2026-12-08T11:00:00+02:00"),
            30,
            now,
        );
        let got: Vec<String> = slots
            .iter()
            .map(|s| s.with_timezone(&ZONE).format("%H:%M").to_string())
            .collect();
        assert_eq!(got, ["09:00", "10:30"]);
        // Summer (UTC+3): the same local hours.
        let summer = free_slots(
            &[],
            t("2026-06-09T00:00:00Z"),
            t("2026-06-09T07:00:00Z"),
            60,
            now,
        );
        assert_eq!(summer, [t("2026-06-09T06:00:00Z")]);
        // Saturday: nothing; Friday closes at 13:00.
        assert!(
            free_slots(
                &[],
                t("2026-12-12T00:00:00+02:00"),
                t("2026-12-13T00:00:00+02:00"),
                30,
                now
            )
            .is_empty()
        );
        let friday = free_slots(
            &[],
            t("2026-12-11T12:00:00+02:00"),
            t("2026-12-12T00:00:00+02:00"),
            30,
            now,
        );
        assert_eq!(
            friday,
            [
                t("2026-12-11T12:00:00+02:00"),
                t("2026-12-11T12:30:00+02:00")
            ]
        );
        // Not before now.
        let late = free_slots(
            &[],
            t("2026-12-08T00:00:00+02:00"),
            t("2026-12-09T00:00:00+02:00"),
            60,
            t("2026-12-08T16:10:00+02:00"),
        );
        assert_eq!(late, [t("2026-12-08T17:00:00+02:00")]);
    }

    #[test]
    fn booking_checks_time_hours_and_conflicts() {
        let now = t("2026-12-01T00:00:00Z");
        let busy = [(
            t("2026-12-08T10:00:00+02:00").naive_utc(),
            t("2026-12-08T11:00:00+02:00").naive_utc(),
        )];
        assert_eq!(
            check_bookable(t("2026-12-08T11:00:00+02:00"), 30, &busy, now),
            Ok(())
        );
        assert_eq!(
            check_bookable(t("2026-12-08T10:30:00+02:00"), 30, &busy, now),
            Err(Unbookable::Taken)
        );
        assert_eq!(
            check_bookable(t("2026-12-08T09:45:00+02:00"), 30, &busy, now),
            Err(Unbookable::Taken)
        );
        assert_eq!(
            check_bookable(t("2026-12-08T17:45:00+02:00"), 30, &busy, now),
            Err(Unbookable::Closed)
        );
        assert_eq!(
            check_bookable(t("2026-12-12T10:00:00+02:00"), 30, &busy, now),
            Err(Unbookable::Closed)
        );
        assert_eq!(
            check_bookable(t("2026-11-30T10:00:00+02:00"), 30, &busy, now),
            Err(Unbookable::Past)
        );
    }
}
