//! Whether a call finds the business closed, and what the caller hears then.
//!
//! Decided here from the hours the business saved, which travel on the business the
//! [`crate::directory`] keeps (`Business.hours_json`, dropped with it on `business.changed`): no
//! round trip to crm-svc per webhook. The computation and its Hebrew sentence are the hours
//! crate's, the same as the WhatsApp auto-reply's: "אנחנו סגורים לרגל שבת. נשמח לחזור אליך במוצאי
//! שבת, אחרי 19:05." A business that has not saved its hours is never closed here (the defaults
//! would close businesses that never asked to).

use agentlocator_hours::HoursSettings;
use chrono::{DateTime, Utc};

/// The business is closed at the time of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    /// Why and when it reopens, in Hebrew (the hours crate's sentence).
    pub sentence: String,
    /// When the caller's message is due for staff: when the business reopens; the time of the
    /// call when nothing opens in the coming weeks.
    pub due_at: DateTime<Utc>,
}

/// `Ok(None)` when the business is open at `at` or has saved no hours (`hours_json` empty);
/// `Err` when the saved hours cannot be read (crm-svc validated them, so a newer format).
pub fn closed_at(hours_json: &str, at: DateTime<Utc>) -> Result<Option<Closed>, String> {
    if hours_json.trim().is_empty() {
        return Ok(None);
    }
    let settings: HoursSettings =
        serde_json::from_str(hours_json).map_err(|e| format!("hours unreadable: {e}"))?;
    let schedule = settings
        .validate()
        .map_err(|e| format!("hours invalid: {e}"))?;
    let status = agentlocator_hours::status_at(&schedule, at).map_err(|e| e.to_string())?;
    Ok(
        agentlocator_hours::closed_message(&status, at).map(|sentence| Closed {
            sentence,
            due_at: status.back_at().unwrap_or(at),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    /// Sunday–Thursday 09:00–18:00, Friday 08:00–13:00, Saturday 17:00–23:00 in Tel Aviv, closed
    /// on Shabbat and the holidays (so on Saturday it opens at havdalah).
    fn hours() -> String {
        let days: Vec<_> = ["sunday", "monday", "tuesday", "wednesday", "thursday"]
            .iter()
            .map(|d| json!({"day": d, "ranges": [{"from": "09:00", "to": "18:00"}]}))
            .chain([
                json!({"day": "friday", "ranges": [{"from": "08:00", "to": "13:00"}]}),
                json!({"day": "saturday", "ranges": [{"from": "17:00", "to": "23:00"}]}),
            ])
            .collect();
        json!({"city": "tel-aviv", "weekly": days}).to_string()
    }

    /// Israel's local time `h:m` on a date (winter: UTC+2).
    fn local(y: i32, mo: u32, d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, m, 0).unwrap() - chrono::Duration::hours(2)
    }

    /// The same in summer time (UTC+3).
    fn summer(y: i32, mo: u32, d: u32, h: u32, m: u32) -> DateTime<Utc> {
        local(y, mo, d, h, m) - chrono::Duration::hours(1)
    }

    #[test]
    fn open_hours_and_unsaved_hours_answer_normally() {
        // Tuesday 2026-12-01 11:00.
        assert_eq!(closed_at(&hours(), local(2026, 12, 1, 11, 0)), Ok(None));
        // Saturday noon, but the business never saved its hours.
        assert_eq!(closed_at("", local(2026, 12, 5, 12, 0)), Ok(None));
        assert!(closed_at("{\"city\": \"atlantis\"}", local(2026, 12, 5, 12, 0)).is_err());
    }

    #[test]
    fn on_shabbat_the_caller_hears_why_and_that_we_call_back_after_havdalah() {
        let at = local(2026, 12, 5, 12, 0);
        let closed = closed_at(&hours(), at).unwrap().expect("closed on Shabbat");
        assert!(
            closed
                .sentence
                .starts_with("אנחנו סגורים לרגל שבת. נשמח לחזור אליך במוצאי שבת, אחרי "),
            "{}",
            closed.sentence
        );
        // Havdalah in Tel Aviv on 2026-12-05 is about 17:20 local: the message is due then,
        // and the sentence names that minute.
        let due_local = closed.due_at + chrono::Duration::hours(2);
        assert_eq!(due_local.date_naive(), at.date_naive());
        assert!(
            (local(2026, 12, 5, 17, 10)..local(2026, 12, 5, 17, 35)).contains(&closed.due_at),
            "{}",
            closed.due_at
        );
        assert!(
            closed
                .sentence
                .contains(&due_local.format("%H:%M").to_string()),
            "{}",
            closed.sentence
        );
    }

    #[test]
    fn on_a_holiday_the_caller_hears_its_name() {
        // Pesach 2027: the first day is Thursday 22 April; at 11:00 the business is closed for
        // the holiday, which runs into the Friday's hours (open 08:00–13:00 on Friday 23 April).
        let at = summer(2027, 4, 22, 11, 0);
        let closed = closed_at(&hours(), at).unwrap().expect("closed on Pesach");
        assert!(
            closed.sentence.starts_with("אנחנו סגורים לרגל פסח."),
            "{}",
            closed.sentence
        );
        assert!(
            closed.sentence.contains("מחר ב־08:00"),
            "{}",
            closed.sentence
        );
        assert_eq!(closed.due_at, summer(2027, 4, 23, 8, 0));
    }

    #[test]
    fn after_hours_the_caller_hears_when_we_open_tomorrow() {
        // Tuesday 2026-12-01 20:30: back Wednesday 09:00.
        let at = local(2026, 12, 1, 20, 30);
        let closed = closed_at(&hours(), at).unwrap().expect("closed at night");
        assert_eq!(
            closed.sentence,
            "אנחנו סגורים כעת. נשמח לחזור אליך מחר ב־09:00."
        );
        assert_eq!(closed.due_at, local(2026, 12, 2, 9, 0));
    }
}
