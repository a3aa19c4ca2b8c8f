//! Open intervals, closures and "closed now because X, reopens at Y" for a [`Schedule`].

use chrono::{DateTime, Utc};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::calendar::{self, Zmanim, ZmanimError};
use crate::settings::{Minutes, Schedule};
use crate::strings;

/// The longest range one call computes.
pub const MAX_RANGE_DAYS: i64 = 400;
/// How far ahead [`status_at`] looks for the reopening.
const LOOKAHEAD_DAYS: i64 = 21;

/// The business's time zone.
pub fn israel() -> TimeZone {
    // Bundled in the binary (jiff's `tzdb-bundle-always`), so this cannot fail at run time; UTC+2 is
    // only a guard against a build without it.
    TimeZone::get("Asia/Jerusalem").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(2)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureKind {
    Shabbat,
    /// A holiday, alone or next to Shabbat.
    Holiday,
    /// A one-off date the business closed.
    Special,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closure {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub kind: ClosureKind,
    /// Hebrew, e.g. "שבת", "ראש השנה ושבת", "יום העצמאות".
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoursCalendar {
    /// Sorted, disjoint, within the asked range.
    pub open: Vec<Interval>,
    /// Every closure that overlaps the asked range, whole (it may start before or end after it).
    pub closures: Vec<Closure>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ComputeError {
    #[error("`to` must be after `from`, at most {MAX_RANGE_DAYS} days later")]
    Range,
    #[error(transparent)]
    Zmanim(#[from] ZmanimError),
}

fn to_jiff(t: DateTime<Utc>) -> Timestamp {
    Timestamp::new(t.timestamp(), t.timestamp_subsec_nanos() as i32).unwrap_or(Timestamp::MAX)
}

fn to_chrono(t: Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(t.as_second(), t.subsec_nanosecond().unsigned_abs())
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn day(date: Date, days: i64) -> Date {
    date.checked_add(SignedDuration::from_hours(24 * days))
        .unwrap_or(date)
}

/// Local `minutes` after midnight of `date` as an instant (in a DST gap, the instant after it).
fn local(tz: &TimeZone, date: Date, minutes: u16) -> Timestamp {
    let (date, minutes) = if minutes >= 24 * 60 {
        (day(date, 1), minutes - 24 * 60)
    } else {
        (date, minutes)
    };
    let dt = date.at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0);
    dt.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MIN)
}

/// Shabbat and holiday closures whose days touch `[first, last]`, each from the candle-lighting of
/// the evening before its first day to the havdalah of its last (a holiday next to Shabbat is one
/// closure).
fn holy_closures(
    schedule: &Schedule,
    tz: &TimeZone,
    first: Date,
    last: Date,
) -> Result<Vec<Closure>, ComputeError> {
    let zmanim = Zmanim::new(
        schedule.city,
        tz,
        schedule.candle_lighting_minutes,
        schedule.havdalah,
    )?;
    let mut out = Vec::new();
    let mut d = first;
    // Back to the start of a closure already going on at `first`.
    while calendar::is_holy(day(d, -1)) {
        d = day(d, -1);
    }
    while d <= last {
        if !calendar::is_holy(d) {
            d = day(d, 1);
            continue;
        }
        let start = d;
        let mut end = d;
        while calendar::is_holy(day(end, 1)) {
            end = day(end, 1);
        }
        let mut names: Vec<&'static str> = Vec::new();
        let mut shabbat = false;
        let mut d2 = start;
        while d2 <= end {
            if let Some(h) = calendar::holiday(d2)
                && !names.contains(&h.name_he())
            {
                names.push(h.name_he());
            }
            shabbat |= calendar::is_shabbat(d2);
            d2 = day(d2, 1);
        }
        let kind = if names.is_empty() {
            ClosureKind::Shabbat
        } else {
            ClosureKind::Holiday
        };
        if shabbat {
            names.push(strings::SHABBAT);
        }
        let name = match names.split_last() {
            Some((last_name, rest)) if !rest.is_empty() => {
                format!("{} {}{last_name}", rest.join(", "), strings::AND)
            }
            _ => names.concat(),
        };
        out.push(Closure {
            start: to_chrono(zmanim.candle_lighting(day(start, -1))?),
            end: to_chrono(zmanim.havdalah(end)?),
            kind,
            name,
        });
        d = day(end, 1);
    }
    Ok(out)
}

/// The open intervals and closures of `schedule` between `from` and `to`.
pub fn compute(
    schedule: &Schedule,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HoursCalendar, ComputeError> {
    if to <= from || to - from > chrono::Duration::days(MAX_RANGE_DAYS) {
        return Err(ComputeError::Range);
    }
    let tz = israel();
    let (from_j, to_j) = (to_jiff(from), to_jiff(to));
    let first = day(from_j.to_zoned(tz.clone()).date(), -1);
    let last = day(to_j.to_zoned(tz.clone()).date(), 1);

    let mut closures = if schedule.closed_on_shabbat_and_holidays {
        holy_closures(schedule, &tz, first, last)?
    } else {
        Vec::new()
    };
    let holy_count = closures.len();

    // Weekly hours, or the one-off hours of the date.
    let mut open: Vec<(Timestamp, Timestamp)> = Vec::new();
    let mut d = first;
    while d <= last {
        let ranges: &[Minutes] = match schedule.exceptions.get(&d) {
            Some(e) => {
                if e.ranges.is_empty() {
                    closures.push(Closure {
                        start: to_chrono(local(&tz, d, 0)),
                        end: to_chrono(local(&tz, d, 24 * 60)),
                        kind: ClosureKind::Special,
                        name: e
                            .name
                            .clone()
                            .unwrap_or_else(|| strings::SPECIAL_CLOSURE.to_owned()),
                    });
                }
                &e.ranges
            }
            None => &schedule.weekly[d.weekday().to_sunday_zero_offset() as usize],
        };
        open.extend(
            ranges
                .iter()
                .map(|&(a, b)| (local(&tz, d, a), local(&tz, d, b))),
        );
        d = day(d, 1);
    }

    // Minus Shabbat and the holidays, within [from, to), adjacent ranges joined (22:00–24:00 + 00:00–02:00).
    let holy: Vec<(Timestamp, Timestamp)> = closures[..holy_count]
        .iter()
        .map(|c| (to_jiff(c.start), to_jiff(c.end)))
        .collect();
    let mut pieces: Vec<(Timestamp, Timestamp)> = Vec::new();
    for (a, b) in open {
        let mut parts = vec![(a.max(from_j), b.min(to_j))];
        for &(ca, cb) in &holy {
            parts = parts
                .into_iter()
                .flat_map(|(s, e)| [(s, e.min(ca)), (s.max(cb), e)])
                .filter(|(s, e)| s < e)
                .collect();
        }
        pieces.extend(parts.into_iter().filter(|(s, e)| s < e));
    }
    pieces.sort();
    let mut merged: Vec<(Timestamp, Timestamp)> = Vec::new();
    for (s, e) in pieces {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }

    closures.retain(|c| c.start < to && c.end > from);
    closures.sort_by_key(|c| c.start);
    Ok(HoursCalendar {
        open: merged
            .into_iter()
            .map(|(s, e)| Interval {
                start: to_chrono(s),
                end: to_chrono(e),
            })
            .collect(),
        closures,
    })
}

/// Whether the business is open at an instant, and if not, why and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub open: bool,
    /// When open: the end of the current interval.
    pub closes_at: Option<DateTime<Utc>>,
    /// When closed: the next opening within three weeks.
    pub reopens_at: Option<DateTime<Utc>>,
    /// When closed for Shabbat, a holiday or a one-off date (`None`: outside the weekly hours).
    pub closure: Option<Closure>,
}

impl Status {
    /// When a customer who finds the business closed can be answered: when it reopens, else
    /// (nothing open in the coming weeks) when the closure ends. `None` when open.
    pub fn back_at(&self) -> Option<DateTime<Utc>> {
        if self.open {
            return None;
        }
        self.reopens_at
            .or_else(|| self.closure.as_ref().map(|c| c.end))
    }
}

pub fn status_at(schedule: &Schedule, now: DateTime<Utc>) -> Result<Status, ComputeError> {
    let cal = compute(schedule, now, now + chrono::Duration::days(LOOKAHEAD_DAYS))?;
    if let Some(i) = cal.open.first().filter(|i| i.start <= now) {
        return Ok(Status {
            open: true,
            closes_at: Some(i.end),
            reopens_at: None,
            closure: None,
        });
    }
    let closure = cal
        .closures
        .iter()
        .filter(|c| c.start <= now && now < c.end)
        .min_by_key(|c| c.kind == ClosureKind::Special)
        .cloned();
    Ok(Status {
        open: false,
        closes_at: None,
        reopens_at: cal.open.first().map(|i| i.start),
        closure,
    })
}

/// What to tell a customer when closed, in Hebrew: "אנחנו סגורים לרגל שבת. נשמח לחזור אליך במוצאי שבת,
/// אחרי 19:05." `None` when open.
pub fn closed_message(status: &Status, now: DateTime<Utc>) -> Option<String> {
    if status.open {
        return None;
    }
    let tz = israel();
    let local_of = |t: DateTime<Utc>| to_jiff(t).to_zoned(tz.clone());
    let reason = match &status.closure {
        Some(c) => format!("{} {}.", strings::CLOSED_FOR, c.name),
        None => format!("{}.", strings::CLOSED_NOW),
    };
    let when = match status.reopens_at {
        None => strings::SOON.to_owned(),
        Some(reopen) => {
            let r = local_of(reopen);
            let hhmm = format!("{:02}:{:02}", r.hour(), r.minute());
            let holy = status
                .closure
                .as_ref()
                .filter(|c| c.kind != ClosureKind::Special);
            match holy {
                // Open again the same evening the closure ends.
                Some(c)
                    if local_of(c.end).date() == r.date()
                        && reopen - c.end < chrono::Duration::hours(6) =>
                {
                    let motzei =
                        if c.kind == ClosureKind::Shabbat || c.name.ends_with(strings::SHABBAT) {
                            strings::AFTER_SHABBAT
                        } else {
                            strings::AFTER_HOLIDAY
                        };
                    format!("{motzei}, {} {hhmm}", strings::AFTER)
                }
                _ => {
                    let today = local_of(now).date();
                    let on = if r.date() == today {
                        strings::TODAY.to_owned()
                    } else if r.date() == day(today, 1) {
                        strings::TOMORROW.to_owned()
                    } else {
                        format!(
                            "{} {}",
                            strings::ON_DAY,
                            strings::WEEKDAYS[r.date().weekday().to_sunday_zero_offset() as usize]
                        )
                    };
                    format!("{on} {}{hhmm}", strings::AT)
                }
            }
        }
    };
    Some(format!("{reason} {} {when}.", strings::WE_WILL_GET_BACK))
}
