//! WhatsApp appointment reminders and scheduled one-off messages.
//!
//! - [`ReminderSettings`]: per business on/off, a Hebrew template with placeholders and the lead
//!   times (default 24 h and 2 h before).
//! - [`scheduler`]: sends each reminder of each upcoming appointment once (also with several
//!   crm-svc replicas and across restarts), never during Shabbat or a holiday (before it begins
//!   instead), and the scheduled messages at their time.
//! - [`reply`]: a customer's answer to a recent reminder — "1"/"כן" confirms, "2"/"לא" cancels,
//!   "הסר" opts out — consumed before anything else looks at the inbound message.
//! - [`scheduled`]: the one-off messages staff schedule from the customer page.
//!
//! Everything goes out through whatsapp-bridge's consumer of `agent.whatsapp_requested` (the
//! event is written in the transaction that records the send), so the message is stored as
//! outbound and shows on the customer's timeline like any other.

pub mod convert;
pub mod queries;
pub mod reply;
pub mod scheduled;
pub mod scheduler;

use crate::{
    businesses::queries as business,
    db::Db,
    error::{Error, Result},
    ids::BusinessId,
    strings, time,
};
use agentlocator_hours::Closure;
use chrono::{DateTime, Duration, Utc};

/// Lead times of a business that did not choose: a day and two hours before.
pub const DEFAULT_LEAD_MINUTES: [i32; 2] = [24 * 60, 2 * 60];
/// Shortest lead time: a reminder closer to the appointment is no use.
pub const MIN_LEAD_MINUTES: i32 = 15;
/// Longest lead time: a week.
pub const MAX_LEAD_MINUTES: i32 = 7 * 24 * 60;
/// At most this many reminders per appointment.
pub const MAX_LEADS: usize = 5;
/// Longest template.
pub const MAX_TEMPLATE_CHARS: usize = 1000;
/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 5] = ["name", "date", "time", "address", "business"];
/// A reminder that would fall in Shabbat or a holiday is sent this long before it begins.
pub const BEFORE_CLOSURE: Duration = Duration::hours(1);
/// The longest run of rest days (Rosh Hashana next to Shabbat is three) and a margin: how much
/// earlier than planned a reminder can go out.
pub const MAX_SHIFT: Duration = Duration::days(4);

/// A business's reminder settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderSettings {
    pub enabled: bool,
    pub template: String,
    /// Minutes before the appointment, largest first, no duplicates.
    pub lead_minutes: Vec<i32>,
    /// False: the business never saved them and these are the defaults.
    pub configured: bool,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings {
            enabled: false,
            template: strings::REMINDER_DEFAULT_TEMPLATE.to_owned(),
            lead_minutes: DEFAULT_LEAD_MINUTES.to_vec(),
            configured: false,
        }
    }
}

impl ReminderSettings {
    /// Validates settings from a client: a non-empty template of known placeholders, 1 to
    /// [`MAX_LEADS`] distinct lead times between [`MIN_LEAD_MINUTES`] and [`MAX_LEAD_MINUTES`].
    pub fn new(enabled: bool, template: &str, lead_minutes: &[i32]) -> Result<Self> {
        let template = crate::text::required_text("template", template, MAX_TEMPLATE_CHARS)?;
        check_template(&template)?;
        if lead_minutes.is_empty() || lead_minutes.len() > MAX_LEADS {
            return Err(Error::validation(
                "lead_minutes",
                format!("give 1 to {MAX_LEADS} lead times"),
            ));
        }
        if let Some(bad) = lead_minutes
            .iter()
            .find(|m| !(MIN_LEAD_MINUTES..=MAX_LEAD_MINUTES).contains(m))
        {
            return Err(Error::validation(
                "lead_minutes",
                format!("{bad} is not between {MIN_LEAD_MINUTES} and {MAX_LEAD_MINUTES} minutes"),
            ));
        }
        let mut leads = lead_minutes.to_vec();
        leads.sort_unstable_by(|a, b| b.cmp(a));
        leads.dedup();
        if leads.len() != lead_minutes.len() {
            return Err(Error::validation("lead_minutes", "a lead time is repeated"));
        }
        Ok(ReminderSettings {
            enabled,
            template,
            lead_minutes: leads,
            configured: true,
        })
    }
}

/// Refuses a template with an unknown placeholder or an unclosed brace.
fn check_template(template: &str) -> Result<()> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(Error::validation("template", "a { is not closed"));
        };
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(Error::validation(
                "template",
                format!(
                    "unknown placeholder {{{name}}}; use {}",
                    PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                ),
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// What a reminder's placeholders stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderValues {
    pub name: String,
    pub date: String,
    pub time: String,
    pub address: String,
    pub business: String,
}

impl ReminderValues {
    /// The values for an appointment starting at `starts_at` (rendered in Israel time).
    pub fn new(name: &str, starts_at: DateTime<Utc>, address: &str, business: &str) -> Self {
        let (date, time) = local_date_time(starts_at);
        ReminderValues {
            name: name.trim().to_owned(),
            date,
            time,
            address: address.trim().to_owned(),
            business: business.trim().to_owned(),
        }
    }

    fn get(&self, placeholder: &str) -> &str {
        match placeholder {
            "name" => &self.name,
            "date" => &self.date,
            "time" => &self.time,
            "address" => &self.address,
            "business" => &self.business,
            _ => "",
        }
    }
}

/// `at` in Israel time as the reminder says it: ("יום ראשון, 6 בדצמבר", "09:30").
pub fn local_date_time(at: DateTime<Utc>) -> (String, String) {
    let local = at.with_timezone(&time::ISRAEL);
    (
        strings::hebrew_date(local.date_naive()),
        local.format("%H:%M").to_string(),
    )
}

/// The template with its placeholders filled. A line with a placeholder that has no value (a
/// business without an address) is left out rather than sent half empty.
pub fn render(template: &str, values: &ReminderValues) -> String {
    template
        .lines()
        .filter_map(|line| {
            let mut out = String::with_capacity(line.len());
            let mut rest = line;
            while let Some(open) = rest.find('{') {
                out.push_str(&rest[..open]);
                let after = &rest[open + 1..];
                let Some(close) = after.find('}') else {
                    break;
                };
                let value = values.get(&after[..close]);
                if value.is_empty() {
                    return None;
                }
                out.push_str(value);
                rest = &after[close + 1..];
            }
            out.push_str(rest);
            Some(out)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// When a reminder planned for `planned` goes out: then, unless that falls in one of the
/// `closures` (Shabbat, a holiday) — then [`BEFORE_CLOSURE`] before the closure begins (and
/// again, should that fall in an earlier one).
pub fn send_time(planned: DateTime<Utc>, closures: &[Closure]) -> DateTime<Utc> {
    let mut at = planned;
    for _ in 0..closures.len() {
        match closures.iter().find(|c| c.start <= at && at < c.end) {
            Some(c) => at = c.start - BEFORE_CLOSURE,
            None => break,
        }
    }
    at
}

/// The reminder settings of `business_id` (the defaults while it has not saved any).
pub async fn get_settings(db: &Db, business_id: &BusinessId) -> Result<ReminderSettings> {
    let business_id = business_id.clone();
    db.run(move |conn| {
        if !business::exists(conn, &business_id)? {
            return Err(Error::NotFound("business"));
        }
        queries::settings(conn, &business_id)
    })
    .await
}

/// Validates and stores the reminder settings of `business_id`; nothing is written when refused.
pub async fn put_settings(
    db: &Db,
    business_id: &BusinessId,
    enabled: bool,
    template: &str,
    lead_minutes: &[i32],
) -> Result<ReminderSettings> {
    let settings = ReminderSettings::new(enabled, template, lead_minutes)?;
    let (business_id, saved) = (business_id.clone(), settings.clone());
    db.transaction(move |conn| {
        if !business::exists(conn, &business_id)? {
            return Err(Error::NotFound("business"));
        }
        queries::save_settings(conn, &business_id, &saved, time::now())
    })
    .await?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentlocator_hours::ClosureKind;
    use chrono::TimeZone;

    fn values() -> ReminderValues {
        ReminderValues::new(
            "דנה",
            Utc.with_ymd_and_hms(2026, 12, 6, 7, 30, 0).unwrap(),
            "הרצל 1, תל אביב",
            "מספרת יופי",
        )
    }

    #[test]
    fn the_default_template_reads_naturally() {
        let text = render(strings::REMINDER_DEFAULT_TEMPLATE, &values());
        assert!(text.contains("שלום דנה"), "{text}");
        assert!(text.contains("במספרת יופי"), "{text}");
        // 07:30 UTC in December is 09:30 in Israel, on a Sunday.
        assert!(text.contains("ביום ראשון, 6 בדצמבר בשעה 09:30"), "{text}");
        assert!(text.contains("הרצל 1, תל אביב"), "{text}");
        assert!(!text.contains('{'), "{text}");
    }

    #[test]
    fn a_line_without_its_value_is_left_out() {
        let mut v = values();
        v.address.clear();
        let text = render(strings::REMINDER_DEFAULT_TEMPLATE, &v);
        assert!(!text.contains("כתובת"), "{text}");
        assert!(text.contains("לאישור השיבו 1"), "{text}");
    }

    #[test]
    fn dates_are_natural_hebrew_in_israel_time() {
        // 22:30 UTC on Friday is 00:30 on Shabbat in Israel.
        let (date, time) = local_date_time(Utc.with_ymd_and_hms(2026, 12, 11, 22, 30, 0).unwrap());
        assert_eq!(date, "שבת, 12 בדצמבר");
        assert_eq!(time, "00:30");
        // Summer time: UTC+3.
        let (date, time) = local_date_time(Utc.with_ymd_and_hms(2027, 6, 1, 6, 0, 0).unwrap());
        assert_eq!(date, "יום שלישי, 1 ביוני");
        assert_eq!(time, "09:00");
    }

    #[test]
    fn settings_are_checked() {
        let ok = ReminderSettings::new(true, "שלום {name}", &[120, 1440]).unwrap();
        assert_eq!(ok.lead_minutes, [1440, 120], "largest first");
        for (template, leads) in [
            ("", &[120][..]),
            ("שלום {nam}", &[120]),
            ("שלום {name", &[120]),
            ("שלום", &[]),
            ("שלום", &[5]),
            ("שלום", &[MAX_LEAD_MINUTES + 1]),
            ("שלום", &[120, 120]),
            ("שלום", &[60, 120, 180, 240, 300, 360]),
        ] {
            assert!(
                matches!(
                    ReminderSettings::new(true, template, leads),
                    Err(Error::Validation { .. })
                ),
                "{template:?} {leads:?}"
            );
        }
    }

    #[test]
    fn a_reminder_due_in_a_closure_goes_out_before_it() {
        let shabbat = Closure {
            start: Utc.with_ymd_and_hms(2026, 12, 4, 14, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 5, 15, 20, 0).unwrap(),
            kind: ClosureKind::Shabbat,
            name: "שבת".into(),
        };
        let in_shabbat = Utc.with_ymd_and_hms(2026, 12, 5, 7, 0, 0).unwrap();
        assert_eq!(
            send_time(in_shabbat, std::slice::from_ref(&shabbat)),
            shabbat.start - BEFORE_CLOSURE
        );
        let after = Utc.with_ymd_and_hms(2026, 12, 5, 16, 0, 0).unwrap();
        assert_eq!(send_time(after, std::slice::from_ref(&shabbat)), after);
        let end = shabbat.end;
        assert_eq!(send_time(end, &[shabbat]), end, "the closure's end is open");
    }
}
