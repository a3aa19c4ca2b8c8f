//! Which days are Shabbat or an Israeli holiday, and their zmanim for a city.
//!
//! The Hebrew calendar is ICU4X's (Dershowitz–Reingold arithmetic) through `kosher-rust`, which also
//! carries KosherJava's NOAA solar algorithm: nothing here is a table of dates.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use kosher_rust::calendar::prelude::{HebrewCalendarDate, HebrewHolidayCalendar, Holiday};
use kosher_rust::zmanim::prelude::{CalculatorConfig, Location, ZmanPrimitive, ZmanimCalculator};

use crate::cities::City;
use crate::settings::Havdalah;
use crate::strings;

/// A day on which the business is closed from the evening before to nightfall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HolyDay {
    RoshHashana,
    YomKippur,
    Sukkot,
    /// Shemini Atzeret, which in Israel is also Simchat Torah.
    SheminiAtzeret,
    /// The first day of Pesach.
    Pesach,
    /// The seventh day of Pesach.
    ShviiShelPesach,
    Shavuot,
}

impl HolyDay {
    pub fn name_he(self) -> &'static str {
        match self {
            HolyDay::RoshHashana => strings::ROSH_HASHANA,
            HolyDay::YomKippur => strings::YOM_KIPPUR,
            HolyDay::Sukkot => strings::SUKKOT,
            HolyDay::SheminiAtzeret => strings::SHEMINI_ATZERET,
            HolyDay::Pesach => strings::PESACH,
            HolyDay::ShviiShelPesach => strings::SHVII_SHEL_PESACH,
            HolyDay::Shavuot => strings::SHAVUOT,
        }
    }
}

/// The Israeli holiday (yom tov) on `date`, if there is one.
pub fn holiday(date: Date) -> Option<HolyDay> {
    date.holidays(true, false).find_map(|h| match h {
        Holiday::RoshHashana => Some(HolyDay::RoshHashana),
        Holiday::YomKippur => Some(HolyDay::YomKippur),
        Holiday::Succos => Some(HolyDay::Sukkot),
        Holiday::SheminiAtzeres | Holiday::SimchasTorah => Some(HolyDay::SheminiAtzeret),
        Holiday::Pesach if date.hebrew_date().day_of_month().0 == 21 => {
            Some(HolyDay::ShviiShelPesach)
        }
        Holiday::Pesach => Some(HolyDay::Pesach),
        Holiday::Shavuos => Some(HolyDay::Shavuot),
        _ => None,
    })
}

pub fn is_shabbat(date: Date) -> bool {
    date.weekday() == Weekday::Saturday
}

/// Shabbat or a holiday: closed from the evening before to nightfall.
pub fn is_holy(date: Date) -> bool {
    is_shabbat(date) || holiday(date).is_some()
}

/// Sunset, candle-lighting and havdalah of one city with the business's customs.
pub struct Zmanim {
    location: Location,
    candle_lighting: SignedDuration,
    havdalah: Havdalah,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("the sun's times could not be computed for {date}: {reason}")]
pub struct ZmanimError {
    pub date: Date,
    pub reason: String,
}

impl Zmanim {
    pub fn new(
        city: &City,
        tz: &TimeZone,
        candle_lighting_minutes: u32,
        havdalah: Havdalah,
    ) -> Result<Self, ZmanimError> {
        let location = Location::new(city.latitude, city.longitude, 0.0, Some(tz.clone()))
            .map_err(|e| ZmanimError {
                date: Date::ZERO,
                reason: e.to_string(),
            })?;
        Ok(Zmanim {
            location,
            candle_lighting: SignedDuration::from_mins(i64::from(candle_lighting_minutes)),
            havdalah,
        })
    }

    fn calc(&self, date: Date, what: ZmanPrimitive) -> Result<Timestamp, ZmanimError> {
        ZmanimCalculator::new(self.location.clone(), date, CalculatorConfig::default())
            .calculate(&what)
            .map_err(|e| ZmanimError {
                date,
                reason: e.to_string(),
            })
    }

    /// Sea-level sunset (the published Israeli tables do not add elevation).
    pub fn sunset(&self, date: Date) -> Result<Timestamp, ZmanimError> {
        self.calc(date, ZmanPrimitive::SeaLevelSunset)
    }

    /// Candle-lighting on `date`, rounded down to the minute (never later than the custom).
    pub fn candle_lighting(&self, date: Date) -> Result<Timestamp, ZmanimError> {
        Ok(floor_minute(self.sunset(date)? - self.candle_lighting))
    }

    /// Nightfall on `date` that ends Shabbat or the holiday, rounded up to the minute.
    pub fn havdalah(&self, date: Date) -> Result<Timestamp, ZmanimError> {
        let t = match self.havdalah {
            Havdalah::Degrees { degrees } => {
                self.calc(date, ZmanPrimitive::SunsetOffsetByDegrees(degrees))?
            }
            Havdalah::MinutesAfterSunset { minutes } => {
                self.sunset(date)? + SignedDuration::from_mins(i64::from(minutes))
            }
        };
        Ok(ceil_minute(t))
    }
}

fn floor_minute(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second().div_euclid(60) * 60).unwrap_or(t)
}

fn ceil_minute(t: Timestamp) -> Timestamp {
    let floor = floor_minute(t);
    if floor == t {
        t
    } else {
        floor + SignedDuration::from_mins(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_round_outwards() {
        let t = Timestamp::from_second(1_800_000_030).unwrap();
        assert_eq!(floor_minute(t).as_second(), 1_800_000_000);
        assert_eq!(ceil_minute(t).as_second(), 1_800_000_060);
        let whole = Timestamp::from_second(1_800_000_000).unwrap();
        assert_eq!(ceil_minute(whole), whole);
    }

    #[test]
    fn simchat_torah_is_shemini_atzeret_in_israel_and_pesach_has_two_closed_days() {
        assert_eq!(
            holiday(jiff::civil::date(2026, 10, 3)),
            Some(HolyDay::SheminiAtzeret)
        );
        assert_eq!(
            holiday(jiff::civil::date(2026, 10, 4)),
            None,
            "no second day in Israel"
        );
        assert_eq!(
            holiday(jiff::civil::date(2026, 4, 2)),
            Some(HolyDay::Pesach)
        );
        assert_eq!(
            holiday(jiff::civil::date(2026, 4, 5)),
            None,
            "Chol HaMoed is not closed"
        );
        assert_eq!(
            holiday(jiff::civil::date(2026, 4, 8)),
            Some(HolyDay::ShviiShelPesach)
        );
    }
}
