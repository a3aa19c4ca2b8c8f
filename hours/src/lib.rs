//! Business hours that know Shabbat and the Israeli holidays.
//!
//! Pure computation, no I/O: a business's [`HoursSettings`] (weekly ranges, city, customs, one-off
//! dates) are validated into a [`Schedule`], from which [`compute`] gives the open intervals and the
//! closures (with Hebrew names) of a range, and [`status_at`] / [`closed_message`] say whether the
//! business is open now and, if not, why and when it reopens.

pub mod calendar;
pub mod cities;
mod compute;
pub mod settings;
pub mod strings;

pub use compute::{
    Closure, ClosureKind, ComputeError, HoursCalendar, Interval, MAX_RANGE_DAYS, Status,
    closed_message, compute, israel, status_at,
};
pub use settings::{
    DateException, DayHours, Havdalah, HoursSettings, Schedule, SettingsError, TimeRange,
};
