//! A business's hours as stored and edited (JSON), and their validation into a [`Schedule`].
//!
//! Times are `HH:MM` local time in Asia/Jerusalem. A range ends after it starts on the same day; `24:00`
//! is allowed as an end. A range past midnight (`22:00`–`02:00`) is refused, not split: the business
//! enters `22:00`–`24:00` on the day and `00:00`–`02:00` on the next, so what is stored is what is shown.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::cities::{self, City};

/// Weekday keys of [`DayHours::day`], Sunday first (the Israeli week).
pub const WEEKDAY_KEYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];
/// At most this many ranges on one day, and this many one-off dates.
pub const MAX_RANGES_PER_DAY: usize = 8;
pub const MAX_EXCEPTIONS: usize = 366;
const MAX_NAME_CHARS: usize = 80;
const MAX_CANDLE_LIGHTING_MINUTES: u32 = 90;
const MAX_HAVDALAH_MINUTES: u32 = 120;
const HAVDALAH_DEGREES: std::ops::RangeInclusive<f64> = 0.0..=20.0;

/// The stored, editable form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HoursSettings {
    /// A key of [`cities::CITIES`].
    pub city: String,
    /// Opening ranges per weekday; a day that is not listed is closed.
    #[serde(default)]
    pub weekly: Vec<DayHours>,
    /// Closed from candle-lighting to havdalah on Shabbat and the Israeli holidays.
    #[serde(default = "default_true")]
    pub closed_on_shabbat_and_holidays: bool,
    /// Minutes before sunset; `None` is the city's custom (18, 40 in Jerusalem, 30 in Haifa).
    #[serde(default)]
    pub candle_lighting_minutes: Option<u32>,
    #[serde(default)]
    pub havdalah: Havdalah,
    /// One-off dates: closed all day (no ranges) or open at other hours (Chol HaMoed, Yom HaAtzmaut…).
    #[serde(default)]
    pub exceptions: Vec<DateException>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DayHours {
    /// `sunday` … `saturday`.
    pub day: String,
    pub ranges: Vec<TimeRange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TimeRange {
    /// `HH:MM`.
    pub from: String,
    /// `HH:MM`, later than `from`; `24:00` is the end of the day.
    pub to: String,
}

/// When Shabbat and a holiday end.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Havdalah {
    /// When the sun is this many degrees below the horizon (8.5°: three small stars, hebcal's default).
    Degrees { degrees: f64 },
    /// A fixed number of minutes after sunset (42, 50, 72 for Rabbeinu Tam).
    MinutesAfterSunset { minutes: u32 },
}

impl Default for Havdalah {
    fn default() -> Self {
        Havdalah::Degrees { degrees: 8.5 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DateException {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Empty: closed all day. Otherwise these ranges replace the weekday's on that date (a Shabbat or
    /// holiday closure still applies on top of them).
    #[serde(default)]
    pub ranges: Vec<TimeRange>,
    /// Shown as the closure's name, e.g. "יום העצמאות".
    #[serde(default)]
    pub name: Option<String>,
}

/// Input that is refused, naming the field (`weekly[2].ranges[1].to`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SettingsError {
    pub field: String,
    pub message: String,
}

fn refuse(field: impl Into<String>, message: impl Into<String>) -> SettingsError {
    SettingsError {
        field: field.into(),
        message: message.into(),
    }
}

/// Minutes since local midnight, `[from, to)`.
pub type Minutes = (u16, u16);

/// Validated hours, ready for computation.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub city: &'static City,
    /// Index 0 is Sunday.
    pub weekly: [Vec<Minutes>; 7],
    pub closed_on_shabbat_and_holidays: bool,
    pub candle_lighting_minutes: u32,
    pub havdalah: Havdalah,
    pub exceptions: BTreeMap<Date, Exception>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    pub ranges: Vec<Minutes>,
    pub name: Option<String>,
}

impl HoursSettings {
    /// The default for a business that has not set its hours: Sunday–Thursday 09:00–17:00, Friday
    /// 09:00–13:00, in `city`, closed on Shabbat and the holidays.
    pub fn default_for(city: &str) -> Self {
        let range = |from: &str, to: &str| {
            vec![TimeRange {
                from: from.into(),
                to: to.into(),
            }]
        };
        let mut weekly: Vec<DayHours> = WEEKDAY_KEYS[..5]
            .iter()
            .map(|d| DayHours {
                day: (*d).into(),
                ranges: range("09:00", "17:00"),
            })
            .collect();
        weekly.push(DayHours {
            day: "friday".into(),
            ranges: range("09:00", "13:00"),
        });
        HoursSettings {
            city: city.into(),
            weekly,
            closed_on_shabbat_and_holidays: true,
            candle_lighting_minutes: None,
            havdalah: Havdalah::default(),
            exceptions: Vec::new(),
        }
    }

    /// Checks everything and returns the schedule, or the first problem found.
    pub fn validate(&self) -> Result<Schedule, SettingsError> {
        let city = cities::find(&self.city).ok_or_else(|| {
            refuse(
                "city",
                format!("unknown city {:?}: use one of {}", self.city, city_keys()),
            )
        })?;
        let mut weekly: [Vec<Minutes>; 7] = Default::default();
        let mut seen = [false; 7];
        for (i, day) in self.weekly.iter().enumerate() {
            let field = format!("weekly[{i}]");
            let index = WEEKDAY_KEYS
                .iter()
                .position(|k| *k == day.day)
                .ok_or_else(|| {
                    refuse(
                        format!("{field}.day"),
                        format!(
                            "{:?} is not a day of the week: use one of {}",
                            day.day,
                            WEEKDAY_KEYS.join(", ")
                        ),
                    )
                })?;
            if std::mem::replace(&mut seen[index], true) {
                return Err(refuse(
                    format!("{field}.day"),
                    format!("{} is given twice", day.day),
                ));
            }
            weekly[index] = parse_ranges(&day.ranges, &format!("{field}.ranges"))?;
        }
        let candle_lighting_minutes = self
            .candle_lighting_minutes
            .unwrap_or(city.candle_lighting_minutes);
        if candle_lighting_minutes > MAX_CANDLE_LIGHTING_MINUTES {
            return Err(refuse(
                "candle_lighting_minutes",
                format!("must be 0 to {MAX_CANDLE_LIGHTING_MINUTES} minutes before sunset"),
            ));
        }
        match self.havdalah {
            Havdalah::Degrees { degrees } if !HAVDALAH_DEGREES.contains(&degrees) => {
                return Err(refuse(
                    "havdalah.degrees",
                    "must be 0 to 20 degrees below the horizon",
                ));
            }
            Havdalah::MinutesAfterSunset { minutes } if minutes > MAX_HAVDALAH_MINUTES => {
                return Err(refuse(
                    "havdalah.minutes",
                    format!("must be 0 to {MAX_HAVDALAH_MINUTES} minutes after sunset"),
                ));
            }
            _ => {}
        }
        if self.exceptions.len() > MAX_EXCEPTIONS {
            return Err(refuse(
                "exceptions",
                format!("at most {MAX_EXCEPTIONS} dates"),
            ));
        }
        let mut exceptions = BTreeMap::new();
        for (i, e) in self.exceptions.iter().enumerate() {
            let field = format!("exceptions[{i}]");
            let date = parse_date(&e.date).ok_or_else(|| {
                refuse(
                    format!("{field}.date"),
                    format!("{:?} is not a date (YYYY-MM-DD)", e.date),
                )
            })?;
            let name = match e.name.as_deref().map(str::trim) {
                Some(n) if n.chars().count() > MAX_NAME_CHARS => {
                    return Err(refuse(
                        format!("{field}.name"),
                        format!("at most {MAX_NAME_CHARS} characters"),
                    ));
                }
                Some(n) if n.chars().any(char::is_control) => {
                    return Err(refuse(
                        format!("{field}.name"),
                        "must not contain control characters",
                    ));
                }
                Some("") | None => None,
                Some(n) => Some(n.to_owned()),
            };
            let ranges = parse_ranges(&e.ranges, &format!("{field}.ranges"))?;
            if exceptions
                .insert(date, Exception { ranges, name })
                .is_some()
            {
                return Err(refuse(
                    format!("{field}.date"),
                    format!("{} is given twice", e.date),
                ));
            }
        }
        Ok(Schedule {
            city,
            weekly,
            closed_on_shabbat_and_holidays: self.closed_on_shabbat_and_holidays,
            candle_lighting_minutes,
            havdalah: self.havdalah,
            exceptions,
        })
    }
}

fn city_keys() -> String {
    cities::CITIES
        .iter()
        .map(|c| c.key)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `YYYY-MM-DD` that is a real date (no 2027-02-30).
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i16>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(2000..=2200).contains(&y) {
        return None;
    }
    Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// `HH:MM` → minutes since midnight; `24:00` only when `end`.
fn parse_time(s: &str, end: bool) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if end => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

fn parse_ranges(ranges: &[TimeRange], field: &str) -> Result<Vec<Minutes>, SettingsError> {
    if ranges.len() > MAX_RANGES_PER_DAY {
        return Err(refuse(
            field,
            format!("at most {MAX_RANGES_PER_DAY} ranges a day"),
        ));
    }
    let mut out = Vec::with_capacity(ranges.len());
    for (i, r) in ranges.iter().enumerate() {
        let from = parse_time(&r.from, false).ok_or_else(|| {
            refuse(
                format!("{field}[{i}].from"),
                format!("{:?} is not a time (HH:MM)", r.from),
            )
        })?;
        let to = parse_time(&r.to, true).ok_or_else(|| {
            refuse(
                format!("{field}[{i}].to"),
                format!("{:?} is not a time (HH:MM, up to 24:00)", r.to),
            )
        })?;
        if to <= from {
            return Err(refuse(
                format!("{field}[{i}].to"),
                format!(
                    "{}–{} ends before it starts: a range past midnight is not accepted, give {}–24:00 on this day and 00:00–{} on the next",
                    r.from, r.to, r.from, r.to
                ),
            ));
        }
        out.push((from, to));
    }
    out.sort_unstable();
    if let Some(w) = out.windows(2).find(|w| w[1].0 < w[0].1) {
        return Err(refuse(
            field,
            format!(
                "the ranges {}–{} and {}–{} overlap",
                hhmm(w[0].0),
                hhmm(w[0].1),
                hhmm(w[1].0),
                hhmm(w[1].1)
            ),
        ));
    }
    Ok(out)
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(json: serde_json::Value) -> HoursSettings {
        serde_json::from_value(json).expect("settings JSON")
    }

    fn error_of(json: serde_json::Value) -> SettingsError {
        settings(json).validate().expect_err("refused")
    }

    #[test]
    fn the_default_is_valid_and_closes_on_shabbat() {
        let s = HoursSettings::default_for("tel-aviv")
            .validate()
            .expect("valid");
        assert_eq!(s.weekly[0], vec![(540, 1020)]);
        assert_eq!(s.weekly[5], vec![(540, 780)]);
        assert!(s.weekly[6].is_empty());
        assert!(s.closed_on_shabbat_and_holidays);
        assert_eq!(s.candle_lighting_minutes, 18);
    }

    #[test]
    fn several_ranges_a_day_are_sorted_and_kept() {
        let s = settings(serde_json::json!({
            "city": "jerusalem",
            "weekly": [{"day": "monday", "ranges": [{"from": "16:00", "to": "24:00"}, {"from": "08:30", "to": "13:00"}]}],
        }))
        .validate()
        .expect("valid");
        assert_eq!(s.weekly[1], vec![(510, 780), (960, 1440)]);
        assert_eq!(s.candle_lighting_minutes, 40, "Jerusalem's custom");
    }

    #[test]
    fn overlapping_ranges_are_refused_naming_them() {
        let e = error_of(serde_json::json!({
            "city": "haifa",
            "weekly": [{"day": "sunday", "ranges": [{"from": "09:00", "to": "13:00"}, {"from": "12:00", "to": "18:00"}]}],
        }));
        assert_eq!(e.field, "weekly[0].ranges");
        assert!(
            e.message.contains("09:00–13:00") && e.message.contains("overlap"),
            "{e}"
        );
    }

    #[test]
    fn a_range_past_midnight_is_refused_with_how_to_split_it() {
        let e = error_of(serde_json::json!({
            "city": "haifa",
            "weekly": [{"day": "thursday", "ranges": [{"from": "22:00", "to": "02:00"}]}],
        }));
        assert_eq!(e.field, "weekly[0].ranges[0].to");
        assert!(
            e.message.contains("22:00–24:00") && e.message.contains("00:00–02:00"),
            "{e}"
        );
    }

    #[test]
    fn an_unknown_city_is_refused() {
        let e = error_of(serde_json::json!({"city": "atlantis"}));
        assert_eq!(e.field, "city");
        assert!(e.message.contains("tel-aviv"), "lists the cities: {e}");
    }

    #[test]
    fn days_and_dates_that_do_not_exist_are_refused() {
        let e = error_of(
            serde_json::json!({"city": "eilat", "weekly": [{"day": "funday", "ranges": []}]}),
        );
        assert_eq!(e.field, "weekly[0].day");
        for bad in [
            "2027-02-29",
            "2026-13-01",
            "2026-04-31",
            "26-04-01",
            "2026-4-1",
        ] {
            let e = error_of(serde_json::json!({"city": "eilat", "exceptions": [{"date": bad}]}));
            assert_eq!(e.field, "exceptions[0].date", "{bad}");
        }
        assert!(parse_date("2028-02-29").is_some(), "2028 is a leap year");
        for bad in ["25:00", "9:00", "09:60", "24:01", "ab:cd", ""] {
            let e = error_of(
                serde_json::json!({"city": "eilat", "weekly": [{"day": "friday", "ranges": [{"from": "08:00", "to": bad}]}]}),
            );
            assert_eq!(e.field, "weekly[0].ranges[0].to", "{bad}");
        }
        let e = error_of(
            serde_json::json!({"city": "eilat", "weekly": [{"day": "friday", "ranges": [{"from": "24:00", "to": "24:00"}]}]}),
        );
        assert_eq!(e.field, "weekly[0].ranges[0].from", "24:00 is only an end");
    }

    #[test]
    fn a_day_or_a_date_given_twice_is_refused() {
        let e = error_of(
            serde_json::json!({"city": "eilat", "weekly": [{"day": "friday", "ranges": []}, {"day": "friday", "ranges": []}]}),
        );
        assert_eq!(e.field, "weekly[1].day");
        let e = error_of(
            serde_json::json!({"city": "eilat", "exceptions": [{"date": "2027-05-12"}, {"date": "2027-05-12"}]}),
        );
        assert_eq!(e.field, "exceptions[1].date");
    }

    #[test]
    fn candle_lighting_and_havdalah_are_configurable_within_bounds() {
        let s = settings(serde_json::json!({
            "city": "jerusalem", "candle_lighting_minutes": 20,
            "havdalah": {"kind": "minutes_after_sunset", "minutes": 72},
        }))
        .validate()
        .expect("valid");
        assert_eq!(
            (s.candle_lighting_minutes, s.havdalah),
            (20, Havdalah::MinutesAfterSunset { minutes: 72 })
        );
        let e = error_of(
            serde_json::json!({"city": "jerusalem", "havdalah": {"kind": "degrees", "degrees": 45.0}}),
        );
        assert_eq!(e.field, "havdalah.degrees");
        let e = error_of(serde_json::json!({"city": "jerusalem", "candle_lighting_minutes": 600}));
        assert_eq!(e.field, "candle_lighting_minutes");
    }

    #[test]
    fn unknown_fields_are_refused_by_the_parser() {
        let r: Result<HoursSettings, _> =
            serde_json::from_value(serde_json::json!({"city": "eilat", "weeklyy": []}));
        assert!(r.is_err());
    }
}
