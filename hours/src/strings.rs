//! Every Hebrew string of the hours computation.

pub const SHABBAT: &str = "שבת";
pub const ROSH_HASHANA: &str = "ראש השנה";
pub const YOM_KIPPUR: &str = "יום כיפור";
pub const SUKKOT: &str = "סוכות";
pub const SHEMINI_ATZERET: &str = "שמיני עצרת ושמחת תורה";
pub const PESACH: &str = "פסח";
pub const SHVII_SHEL_PESACH: &str = "שביעי של פסח";
pub const SHAVUOT: &str = "שבועות";
/// Joins the names of a closure that spans a holiday and Shabbat: "ראש השנה ושבת".
pub const AND: &str = "ו";
/// A one-off closure the business gave no name.
pub const SPECIAL_CLOSURE: &str = "סגירה מיוחדת";
/// Outside the weekly hours.
pub const OUTSIDE_HOURS: &str = "מחוץ לשעות הפעילות";

/// "We are closed …" spoken or written to a customer.
pub const CLOSED_FOR: &str = "אנחנו סגורים לרגל";
pub const CLOSED_NOW: &str = "אנחנו סגורים כעת";
pub const WE_WILL_GET_BACK: &str = "נשמח לחזור אליך";
pub const AFTER_SHABBAT: &str = "במוצאי שבת";
pub const AFTER_HOLIDAY: &str = "במוצאי החג";
pub const AFTER: &str = "אחרי";
pub const TOMORROW: &str = "מחר";
pub const TODAY: &str = "היום";
pub const ON_DAY: &str = "ביום";
pub const AT: &str = "ב־";
pub const SOON: &str = "בהקדם";

/// Day names, Sunday first ("ראשון" … "שבת").
pub const WEEKDAYS: [&str; 7] = ["ראשון", "שני", "שלישי", "רביעי", "חמישי", "שישי", "שבת"];
