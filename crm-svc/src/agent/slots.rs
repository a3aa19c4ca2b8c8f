//! Free appointment slots: the business's open intervals (its hours, from `crate::hours`,
//! Shabbat and holidays included) minus its appointments. Pure: the caller computes the intervals.

use agentlocator_hours::Interval;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;

/// The businesses' time zone.
pub const ZONE: Tz = crate::time::ISRAEL;
/// Most slots one listing returns (the model offers a few, not a calendar).
pub const MAX_SLOTS: usize = 12;
/// Widest range one listing may span.
pub const MAX_RANGE_DAYS: i64 = 14;

/// How far before a listing's `from` its open intervals are computed, so that the slot grid
/// starts at a window's real opening rather than at `from`.
pub const LOOKBACK: Duration = Duration::days(1);

fn overlaps(
    start: NaiveDateTime,
    end: NaiveDateTime,
    busy: &[(NaiveDateTime, NaiveDateTime)],
) -> bool {
    busy.iter().any(|(s, e)| *s < end && *e > start)
}

/// Up to [`MAX_SLOTS`] starts of free slots of `minutes` in `[from, to)`, not before `now`, on
/// the grid of `minutes` from each open interval's start, avoiding `busy` (the business's
/// appointments, UTC).
pub fn free_slots(
    open: &[Interval],
    busy: &[(NaiveDateTime, NaiveDateTime)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    minutes: i64,
    now: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let len = Duration::minutes(minutes.max(1));
    let mut out = Vec::new();
    for &Interval {
        start: opens,
        end: close,
    } in open
    {
        let mut start = opens;
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

/// Whether `[start, start + minutes)` can be booked: after `now`, inside one open interval of
/// `open`, free.
pub fn check_bookable(
    open: &[Interval],
    start: DateTime<Utc>,
    minutes: i64,
    busy: &[(NaiveDateTime, NaiveDateTime)],
    now: DateTime<Utc>,
) -> Result<(), Unbookable> {
    let end = start + Duration::minutes(minutes);
    if start < now {
        return Err(Unbookable::Past);
    }
    if !open.iter().any(|i| i.start <= start && end <= i.end) {
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

    /// Sunday–Thursday 09:00–18:00, Friday 09:00–13:00, no Saturday hours; Shabbat and the
    /// holidays as any other day, so the dates below test only the weekly hours.
    fn open(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Interval> {
        let mut settings = agentlocator_hours::HoursSettings::default_for("tel-aviv");
        for day in &mut settings.weekly {
            if day.day != "friday" {
                day.ranges[0].to = "18:00".into();
            }
        }
        settings.closed_on_shabbat_and_holidays = false;
        let schedule = settings.validate().unwrap();
        agentlocator_hours::compute(&schedule, from - LOOKBACK, to)
            .unwrap()
            .open
    }

    fn slots(
        busy: &[(NaiveDateTime, NaiveDateTime)],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        minutes: i64,
        now: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        free_slots(&open(from, to), busy, from, to, minutes, now)
    }

    fn bookable(
        start: DateTime<Utc>,
        minutes: i64,
        busy: &[(NaiveDateTime, NaiveDateTime)],
        now: DateTime<Utc>,
    ) -> Result<(), Unbookable> {
        let open = open(start, start + Duration::minutes(minutes));
        check_bookable(&open, start, minutes, busy, now)
    }

    #[test]
    fn slots_follow_open_hours_in_israel_time_and_skip_appointments() {
        // Tuesday 2026-12-08 (winter, UTC+2): open 09:00–18:00 local = 07:00–16:00 UTC.
        let now = t("2026-01-01T00:00:00Z");
        let busy = [(
            t("2026-12-08T07:30:00Z").naive_utc(),
            t("2026-12-08T08:30:00Z").naive_utc(),
        )];
        let got = slots(
            &busy,
            t("2026-12-08T00:00:00+02:00"),
            t("2026-12-08T11:00:00+02:00"),
            30,
            now,
        );
        let got: Vec<String> = got
            .iter()
            .map(|s| s.with_timezone(&ZONE).format("%H:%M").to_string())
            .collect();
        assert_eq!(got, ["09:00", "10:30"]);
        // Summer (UTC+3): the same local hours.
        let summer = slots(
            &[],
            t("2026-06-09T00:00:00Z"),
            t("2026-06-09T07:00:00Z"),
            60,
            now,
        );
        assert_eq!(summer, [t("2026-06-09T06:00:00Z")]);
        // Saturday: nothing; Friday closes at 13:00.
        assert!(
            slots(
                &[],
                t("2026-12-12T00:00:00+02:00"),
                t("2026-12-13T00:00:00+02:00"),
                30,
                now
            )
            .is_empty()
        );
        let friday = slots(
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
        let late = slots(
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
            bookable(t("2026-12-08T11:00:00+02:00"), 30, &busy, now),
            Ok(())
        );
        assert_eq!(
            bookable(t("2026-12-08T10:30:00+02:00"), 30, &busy, now),
            Err(Unbookable::Taken)
        );
        assert_eq!(
            bookable(t("2026-12-08T09:45:00+02:00"), 30, &busy, now),
            Err(Unbookable::Taken)
        );
        assert_eq!(
            bookable(t("2026-12-08T17:45:00+02:00"), 30, &busy, now),
            Err(Unbookable::Closed)
        );
        assert_eq!(
            bookable(t("2026-12-12T10:00:00+02:00"), 30, &busy, now),
            Err(Unbookable::Closed)
        );
        assert_eq!(
            bookable(t("2026-11-30T10:00:00+02:00"), 30, &busy, now),
            Err(Unbookable::Past)
        );
    }
}
