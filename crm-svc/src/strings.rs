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

/// Demo calls: what the caller said (the transcript) and what the voice agent answered.
pub const DEMO_CALLS: &[(&str, &[&str])] = &[
    (
        "שלום, רציתי לברר מה שעות הפעילות שלכם ביום שישי.",
        &["שלום! ביום ו׳ אנחנו פתוחים עד 13:00. אפשר לעזור במשהו נוסף?"],
    ),
    (
        "היי, המזגן בסלון מטפטף מים כבר יומיים. אפשר לתאם ביקור טכנאי השבוע?",
        &[
            "מצטערים לשמוע. אפשר לתאם ביקור כבר ביום שלישי בבוקר. זה מתאים לך?",
            "מעולה, רשמתי ביקור ליום שלישי בין 9:00 ל-12:00. הטכנאי יתקשר לפני שהוא מגיע.",
        ],
    ),
    (
        "אני רוצה לקבל הצעת מחיר להתקנה של שני מזגנים בחדרי השינה.",
        &["בשמחה. נשלח אליך הצעת מחיר מפורטת בוואטסאפ עוד היום. לאיזו כתובת מדובר?"],
    ),
    (
        "קיבלתי את החשבונית אבל הסכום לא תואם למה שסיכמנו בטלפון.",
        &["תודה שעדכנת. העברתי את הפנייה להנהלת החשבונות, ונחזור אליך עד מחר בצהריים."],
    ),
    (
        "שלום, איפה בדיוק אתם נמצאים? יש חניה באזור?",
        &["אנחנו ברחוב הרצל 10 בתל אביב. יש חניה ברחוב, וגם חניון ציבורי במרחק דקתיים."],
    ),
    (
        "רציתי להגיד תודה, הטכנאי היה מקצועי מאוד והכול עובד מצוין.",
        &["איזה כיף לשמוע! תודה רבה על הפידבק, נעביר אותו לצוות."],
    ),
];

/// Demo WhatsApp conversations: (from the customer?, text), oldest first.
pub const DEMO_WHATSAPP_CONVERSATIONS: &[&[(bool, &str)]] = &[
    &[
        (true, "היי, אפשר לקבוע תור לשירות תקופתי למזגן?"),
        (
            false,
            "בטח! יש לנו מקום ביום רביעי ב-10:00 או ביום חמישי ב-14:00.",
        ),
        (true, "יום חמישי מתאים לי"),
        (
            false,
            "מעולה, קבענו ליום חמישי ב-14:00. נשלח תזכורת יום לפני.",
        ),
        (true, "תודה רבה 🙏"),
    ],
    &[
        (false, "שלום, מצורפת הצעת המחיר שביקשת. היא בתוקף לשבועיים."),
        (true, "תודה, יש אפשרות לפרוס לתשלומים?"),
        (false, "כן, אפשר עד 6 תשלומים ללא ריבית בכרטיס אשראי."),
        (true, "אז אני מאשר. מתי אפשר להתקין?"),
    ],
    &[
        (true, "בוקר טוב, הטכנאי כבר בדרך?"),
        (false, "בוקר טוב! הוא יגיע בעוד כ-20 דקות."),
        (true, "מצוין, אני בבית"),
    ],
    &[
        (
            false,
            "תזכורת: החשבונית לחודש האחרון עדיין פתוחה. אפשר לשלם בהעברה או בקישור.",
        ),
        (true, "סליחה, פספסתי. אשלם היום"),
        (false, "תודה! נעדכן כשהתשלום יתקבל."),
        (true, "שולם 👍"),
        (false, "התקבל, תודה רבה!"),
    ],
];

/// The follow-up task the agent leaves staff in the demo history.
pub const DEMO_AGENT_FOLLOW_UP_TASK: &str = "לחזור ללקוח אחרי השיחה עם הסוכן";
/// Titles of demo tasks.
pub const DEMO_TASK_TITLES: &[&str] = &[
    "לחזור ללקוח עם הצעת מחיר",
    "לתאם ביקור טכנאי",
    "לשלוח חשבונית",
    "לבדוק שביעות רצון אחרי ההתקנה",
    "להזמין חלקי חילוף",
    "לאשר מועד התקנה",
];

/// Demo invoice and proposal lines: description, quantity, unit price in agorot (before VAT).
pub const DEMO_LINE_ITEMS: &[(&str, i64, i64)] = &[
    ("ביקור טכנאי", 1, 25_000),
    ("שירות תקופתי למזגן", 2, 18_000),
    ("החלפת מסנן", 2, 4_500),
    ("התקנת מזגן עילי", 1, 120_000),
    ("צנרת נחושת (למטר)", 4, 9_000),
    ("שעת עבודה", 3, 20_000),
];

/// The demo service contract.
pub const DEMO_CONTRACT_TITLE: &str = "הסכם שירות שנתי למיזוג אוויר";
pub const DEMO_CONTRACT_BODY: &str = "הסכם זה נערך בין העסק לדוגמה (\"נותן השירות\") לבין הלקוח.\n\n\
1. נותן השירות יבצע שני ביקורי תחזוקה בשנה לכל מזגן המפורט בנספח.\n\
2. תקלות יטופלו תוך שני ימי עבודה ממועד הפנייה.\n\
3. התמורה תשולם מראש בתחילת כל שנת שירות.\n\
4. כל צד רשאי לבטל את ההסכם בהודעה מוקדמת של 30 יום.\n";

/// Titles of demo proposals.
pub const DEMO_PROPOSAL_TITLES: &[&str] = &["הצעת מחיר להתקנת מזגנים", "הצעת מחיר לתחזוקה שנתית"];

/// Titles of demo appointments.
pub const DEMO_APPOINTMENT_TITLES: &[&str] =
    &["ביקור טכנאי", "התקנת מזגן", "שירות תקופתי", "פגישת ייעוץ"];

/// Title of the task created after a call the business's knowledge could not answer
/// (at most 200 characters, like every task title).
pub fn call_follow_up_title(caller: &str, question: &str) -> String {
    let question: String = question.trim().chars().take(120).collect();
    if question.is_empty() {
        format!("לחזור ל־{caller}: שאלה שלא נענתה בשיחה")
    } else {
        format!("לחזור ל־{caller}: {question}")
    }
}

/// The task of a message a caller left while the business was closed, with what they said
/// once it is transcribed.
pub fn closed_call_message_title(caller: &str, transcript: &str) -> String {
    const MAX_CHARS: usize = 150;
    let said = transcript.split_whitespace().collect::<Vec<_>>().join(" ");
    if said.is_empty() {
        return format!("הודעה קולית מ־{caller} כשהעסק היה סגור: להאזין להקלטה בשיחה");
    }
    let mut cut: String = said.chars().take(MAX_CHARS).collect();
    if said.chars().count() > MAX_CHARS {
        cut.push('…');
    }
    format!("הודעה מ־{caller} כשהעסק היה סגור: {cut}")
}

/// The summary of a call made without a language model (`calls::summary::fallback`): labelled
/// as such, what the caller asked first (when anything was heard) and what the agent did.
pub fn call_summary_fallback(asked: Option<&str>, actions: &[String]) -> String {
    let mut text = String::from("סיכום אוטומטי (ללא מודל שפה): ");
    match asked {
        Some(a) => text.push_str(&format!("הפונה אמר/ה: \u{201c}{a}\u{201d}. ")),
        None => text.push_str("לא נשמעה בקשה בשיחה. "),
    }
    if actions.is_empty() {
        text.push_str("הסוכן לא ביצע פעולות במערכת.");
    } else {
        // Each action reads "הסוכן קבע תור: …".
        text.push_str(&actions.join(". "));
        text.push('.');
    }
    text
}
/// The follow-up of a call whose question nothing answered.
pub fn call_summary_unanswered(question: &str) -> String {
    format!("לחזור ללקוח בנושא: {question}")
}
/// Labels of a proposal as the signer reads it (`signatures::proposal_body`).
pub const PROPOSAL_TOTAL_BEFORE_VAT: &str = "סה״כ לפני מע״מ";
pub const PROPOSAL_VALID_UNTIL: &str = "בתוקף עד";
/// Why an appointment outside the business's hours is refused: "…לרגל שבת".
/// The WhatsApp auto-reply while closed: a thank-you and the hours' own sentence ("אנחנו סגורים
/// לרגל שבת. נשמח לחזור אליך במוצאי שבת, אחרי 19:05.").
pub fn closure_auto_reply(closed: &str) -> String {
    format!("תודה על ההודעה! {closed}")
}
pub const HOURS_CLOSED_FOR: &str = "העסק סגור בשעות האלה לרגל";
pub const HOURS_OUTSIDE: &str = "השעות האלה מחוץ לשעות הפעילות של העסק";

/// Title of an appointment the AI agent books when the customer gave no reason.
pub const AGENT_APPOINTMENT_TITLE: &str = "תור שנקבע על ידי הסוכן";
/// What the timeline says the AI agent did, per tool.
pub fn agent_action_summary(tool: &str, detail: &str) -> String {
    let what = match tool {
        "book_appointment" => "קבע תור",
        "move_appointment" => "הזיז תור",
        "cancel_appointment" => "ביטל תור",
        "create_task" => "יצר משימה לצוות",
        "update_customer" => "עדכן את פרטי הלקוח",
        "send_whatsapp" => "שלח הודעת וואטסאפ",
        "hand_off" => "העביר את השיחה לנציג",
        _ => "ביצע פעולה",
    };
    if detail.is_empty() {
        format!("הסוכן {what}")
    } else {
        format!("הסוכן {what}: {detail}")
    }
}
/// Title of the staff task a hand-off creates.
pub fn agent_hand_off_task_title(customer: &str, reason: &str) -> String {
    format!("הסוכן העביר לנציג את {customer}: {reason}")
}
/// The WhatsApp agent's answer when no reply could be made (the model failed or answered
/// nonsense several times): a person will get back ("Sorry, I couldn't answer right now; a
/// representative will get back to you soon.").
pub const AGENT_WHATSAPP_FALLBACK: &str =
    "סליחה, לא הצלחתי לענות כרגע. נציג מטעמנו יחזור אליך בהקדם.";
/// Title of the task written when the WhatsApp agent promised that a person will get back.
pub fn agent_whatsapp_call_back_title(customer: &str, text: &str) -> String {
    let text: String = text.trim().chars().take(120).collect();
    format!("לחזור ל־{customer} (וואטסאפ): {text}")
}
/// The line the agent adds to a customer's notes.
pub fn agent_note(note: &str) -> String {
    format!("הערת הסוכן: {note}")
}

// ---- documents (PDFs) ----

/// The title a document of `doc_type` prints.
pub fn doc_type_title(doc_type: crate::enums::DocType) -> &'static str {
    use crate::enums::DocType::*;
    match doc_type {
        TaxInvoice => "חשבונית מס",
        TaxInvoiceReceipt => "חשבונית מס/קבלה",
        Receipt => "קבלה",
        CreditNote => "חשבונית זיכוי",
    }
}

/// How a payment method is printed.
pub fn payment_method(method: crate::enums::PaymentMethod) -> &'static str {
    use crate::enums::PaymentMethod::*;
    match method {
        Cash => "מזומן",
        Cheque => "המחאה",
        BankTransfer => "העברה בנקאית",
        CreditCard => "כרטיס אשראי",
        Bit => "ביט",
        Paybox => "פייבוקס",
    }
}

pub const PDF_PAYMENT_METHOD: &str = "אמצעי תשלום";
pub const PDF_CREDITS_INVOICE: &str = "זיכוי לחשבונית מס מספר";
pub const PDF_COMPANY_NUMBER: &str = "ח.פ";
pub const PDF_DEALER_NUMBER: &str = "ע.מ";
pub const PDF_LICENSED_DEALER: &str = "עוסק מורשה";
pub const PDF_EXEMPT_DEALER: &str = "עוסק פטור";

/// What the inbox shows for a call that has no transcript (yet).
pub const CALL_PREVIEW_INBOUND: &str = "שיחה נכנסת";
pub const CALL_PREVIEW_OUTBOUND: &str = "שיחה יוצאת";
pub const CALL_PREVIEW_MISSED: &str = "שיחה שלא נענתה";

/// Header names (lower-case) a customer import reads as the name column.
pub const IMPORT_NAME_HEADERS: &[&str] = &[
    "שם",
    "שם מלא",
    "שם לקוח",
    "שם הלקוח",
    "לקוח",
    "איש קשר",
    "name",
    "full name",
    "customer",
    "customer name",
    "contact",
];
/// Header names a customer import reads as the phone column.
pub const IMPORT_PHONE_HEADERS: &[&str] = &[
    "טלפון",
    "נייד",
    "טלפון נייד",
    "מספר טלפון",
    "מס' טלפון",
    "פלאפון",
    "סלולרי",
    "וואטסאפ",
    "phone",
    "phone number",
    "mobile",
    "cell",
    "tel",
    "telephone",
    "whatsapp",
];
/// Header names a customer import reads as the email column.
pub const IMPORT_EMAIL_HEADERS: &[&str] = &[
    "אימייל",
    "מייל",
    "דוא\"ל",
    "דואל",
    "דואר אלקטרוני",
    "email",
    "e-mail",
    "mail",
];
/// Header names a customer import reads as the notes column.
pub const IMPORT_NOTES_HEADERS: &[&str] =
    &["הערות", "הערה", "notes", "note", "comments", "remarks"];
/// Header names a customer import reads as the status column.
pub const IMPORT_STATUS_HEADERS: &[&str] = &["סטטוס", "מצב", "status"];
/// Status cells an import understands besides `lead`, `active` and `inactive`.
pub const IMPORT_STATUS_WORDS: &[(&str, &str)] =
    &[("ליד", "lead"), ("פעיל", "active"), ("לא פעיל", "inactive")];

/// Why an imported row was refused, per field (shown to staff and in the errors file).
pub const IMPORT_ERROR_NAME: &str = "חסר שם";
pub const IMPORT_ERROR_NAME_LONG: &str = "השם ארוך מדי";
pub const IMPORT_ERROR_PHONE: &str = "מספר טלפון לא תקין";
pub const IMPORT_ERROR_EMAIL: &str = "כתובת אימייל לא תקינה";
pub const IMPORT_ERROR_NOTES: &str = "ההערות ארוכות מדי";
pub const IMPORT_ERROR_STATUS: &str = "סטטוס לא מוכר (ליד, פעיל או לא פעיל)";
/// Header of the downloadable errors file.
pub const IMPORT_ERRORS_HEADER: &[&str] = &["שורה", "שדה", "שגיאה", "תוכן השורה"];

/// Column headers of the CSV exports.
pub const EXPORT_CUSTOMERS_HEADER: &[&str] =
    &["שם", "טלפון", "אימייל", "סטטוס", "מקור", "הערות", "נוצר"];
pub const EXPORT_CALLS_HEADER: &[&str] = &[
    "התחלה",
    "כיוון",
    "ממספר",
    "למספר",
    "לקוח",
    "סטטוס",
    "משך (שניות)",
    "תמליל",
];
pub const EXPORT_WHATSAPP_HEADER: &[&str] =
    &["זמן", "כיוון", "ממספר", "למספר", "לקוח", "הודעה", "סטטוס"];
pub const EXPORT_TASKS_HEADER: &[&str] = &["משימה", "לקוח", "יעד", "בוצעה", "נוצרה"];
pub const EXPORT_INVOICES_HEADER: &[&str] = &[
    "מספר",
    "סוג מסמך",
    "סטטוס",
    "לקוח",
    "לפני מע\"מ",
    "מע\"מ",
    "סה\"כ",
    "הופק",
    "לתשלום עד",
    "שולם",
];
/// `yes` / `no` cells of the exports.
pub const EXPORT_YES: &str = "כן";
pub const EXPORT_NO: &str = "לא";
// Allocation numbers (מספר הקצאה) from the Tax Authority: the reasons a document has none yet,
// shown on the document (API, web app, PDF).
pub const ALLOCATION_NOT_CONNECTED: &str =
    "העסק אינו מחובר לרשות המסים: יש לחבר אותו בהגדרות כדי לקבל מספר הקצאה";
pub const ALLOCATION_NOT_CONFIGURED: &str =
    "החיבור לרשות המסים אינו מוגדר בשרת (TAX_AUTHORITY_CLIENT_ID)";
pub const ALLOCATION_UNREACHABLE: &str = "רשות המסים אינה זמינה כרגע; ננסה שוב";
pub const ALLOCATION_NO_SELLER_TAX_ID: &str = "למסמך אין ע.מ/ח.פ של העסק";
pub const PDF_ALLOCATION_AWAITING: &str = "ממתין למספר הקצאה מרשות המסים";
pub const PDF_ALLOCATION_REFUSED: &str = "רשות המסים דחתה את הבקשה למספר הקצאה";
// ---- appointment reminders and scheduled WhatsApp messages ----

/// The reminder template a business starts with. Placeholders: `{name}` (the customer), `{date}`
/// ("יום ראשון, 6 בדצמבר"), `{time}` ("09:30"), `{address}` (the business's), `{business}`; a line
/// whose placeholder has no value (no address) is left out.
pub const REMINDER_DEFAULT_TEMPLATE: &str = "שלום {name},\nתזכורת לתור שלך ב{business} ב{date} בשעה {time}.\nכתובת: {address}\nלאישור השיבו 1, לביטול השיבו 2. להפסקת התזכורות השיבו הסר.";

/// Hebrew month names, January first, as in "6 בדצמבר".
pub const MONTHS: [&str; 12] = [
    "ינואר",
    "פברואר",
    "מרץ",
    "אפריל",
    "מאי",
    "יוני",
    "יולי",
    "אוגוסט",
    "ספטמבר",
    "אוקטובר",
    "נובמבר",
    "דצמבר",
];
/// Weekday names, Sunday first, as in "יום ראשון".
pub const WEEKDAYS: [&str; 7] = ["ראשון", "שני", "שלישי", "רביעי", "חמישי", "שישי", "שבת"];

/// A day in natural Hebrew: "יום ראשון, 6 בדצמבר" (Shabbat is "שבת", not "יום שבת").
pub fn hebrew_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let weekday = WEEKDAYS[date.weekday().num_days_from_sunday() as usize];
    let month = MONTHS[date.month0() as usize];
    let day = if weekday == "שבת" {
        weekday.to_owned()
    } else {
        format!("יום {weekday}")
    };
    format!("{day}, {} ב{month}", date.day())
}

/// The answer to a customer who confirmed their appointment by replying to its reminder.
pub fn reminder_confirmed_reply(date: &str, time: &str) -> String {
    format!("תודה! התור שלך ב{date} בשעה {time} אושר. נתראה!")
}
/// The answer to a customer who cancelled their appointment by replying to its reminder.
pub fn reminder_cancelled_reply(date: &str, time: &str) -> String {
    format!("התור שלך ב{date} בשעה {time} בוטל. נשמח לקבוע מועד חדש בכל עת.")
}
/// The answer to a customer who opted out of reminders.
pub const REMINDER_OPTED_OUT_REPLY: &str = "הוסרת מרשימת התזכורות. לא נשלח לך עוד תזכורות לתורים.";
/// The staff task a cancellation by reply creates (at most 200 characters).
pub fn reminder_cancelled_task_title(
    customer: &str,
    title: &str,
    date: &str,
    time: &str,
) -> String {
    let title: String = title.chars().take(60).collect();
    let customer: String = customer.chars().take(60).collect();
    format!("{customer} ביטל/ה בוואטסאפ את התור \"{title}\" ב{date} בשעה {time}")
}
