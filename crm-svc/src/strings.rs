//! Every Hebrew string crm-svc writes into data (demo business, new leads), in one place.

/// Name of the demo business.
pub const DEMO_BUSINESS_NAME: &str = "העסק לדוגמה";
/// Display name of the demo owner.
pub const DEMO_OWNER_NAME: &str = "בעל העסק";
/// What callers of the demo business hear first.
pub const DEMO_GREETING: &str = "שלום, הגעתם לעסק לדוגמה. במה נוכל לעזור?";
/// Questions and answers the demo business's `knowledge` replies draw on.
pub const DEMO_KNOWLEDGE: &[(&str, &str)] = &[
    (
        "מה שעות הפעילות?",
        "אנחנו פתוחים בימים א׳–ה׳ בין 9:00 ל-18:00, וביום ו׳ עד 13:00.",
    ),
    ("איפה אתם נמצאים?", "רחוב הרצל 10, תל אביב. יש חניה ברחוב."),
    (
        "איך קובעים תור?",
        "אפשר לקבוע תור בטלפון או בוואטסאפ, ונחזור אליכם עוד היום.",
    ),
];

/// First names of the demo customers.
pub const DEMO_FIRST_NAMES: &[&str] = &[
    "דוד",
    "שרה",
    "יוסי",
    "מיכל",
    "אבי",
    "רונית",
    "משה",
    "נועה",
    "איתי",
    "תמר",
];
/// Family names of the demo customers.
pub const DEMO_LAST_NAMES: &[&str] = &["כהן", "לוי", "מזרחי", "פרץ", "ביטון"];
/// Notes attached to some demo customers.
pub const DEMO_NOTES: &[&str] = &[
    "",
    "מעוניין בהצעת מחיר",
    "לחזור אליה ביום ראשון",
    "לקוח ותיק",
    "",
];

/// The name of a customer created automatically from an unknown number.
pub fn new_lead_name(local_phone: &str) -> String {
    format!("ליד חדש {local_phone}")
}
