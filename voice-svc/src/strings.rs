//! Every Hebrew sentence a caller hears from voice-svc.

/// Said when the business has no greeting text of its own.
pub const DEFAULT_GREETING: &str = "שלום, הגעתם לעסק. במה אפשר לעזור? אחרי הצפצוף אפשר לדבר.";

/// Said when the called number belongs to no business (then the call ends).
pub const UNKNOWN_NUMBER: &str =
    "סליחה, המספר שחייגתם אינו פעיל כרגע. נסו שוב מאוחר יותר. תודה ולהתראות.";

/// Said after an empty recording, once, before recording again.
pub const ASK_AGAIN: &str = "לא שמעתי אותך. אפשר לחזור על זה אחרי הצפצוף?";

/// Said when the caller stays silent a second time (then the call ends).
pub const NO_ANSWER_GOODBYE: &str = "לא הצלחתי לשמוע. נחזור אליך בהקדם. תודה ולהתראות.";

/// The fixed fallback when a turn fails or runs out of time.
pub const FALLBACK: &str = "סליחה, הייתה תקלה רגעית. כיצד אוכל לעזור?";

/// Said when a turn fails right after a fallback (then the call ends).
pub const FAILURE_GOODBYE: &str =
    "מצטערים, יש לנו תקלה כרגע. נציג יחזור אליך בהקדם. תודה ולהתראות.";

/// The closing sentence: the caller said goodbye or the turns ran out.
pub const CLOSING: &str = "תודה שפניתם אלינו. נשמח לעזור שוב. להתראות!";

/// Said when no speech engine is configured: the recording is kept and staff call back.
pub const RECORDED_FOR_CALLBACK: &str = "תודה, ההודעה שלך נשמרה. נציג יחזור אליך בהקדם. להתראות.";

/// Said when a live call is handed to the record loop because its voice-svc replica is stopping
/// (a rolling update): the conversation goes on after the beep, on another replica.
pub const HANDOVER: &str = "תודה על הסבלנות. נמשיך מכאן: אפשר לומר את הבקשה אחרי הצפצוף.";

/// Said after the call was dialled through to staff: when nobody answered, or once they hung up
/// ("If we did not get to talk, we'll call you back soon. Goodbye.").
pub const AFTER_HANDOFF: &str = "אם לא הספקנו לדבר, נחזור אליך בהקדם. להתראות.";

/// Said when the agent hands the call to a person but the business set no number to dial
/// ("You can leave a message for the team after the beep; when you're done, press star or hang
/// up.").
pub const LEAVE_MESSAGE: &str =
    "אפשר להשאיר הודעה לצוות אחרי הצפצוף. בסיום אפשר להקיש כוכבית או לנתק.";

/// What a caller hears when the business is closed (record mode): hello, `sentence` (why and
/// when it reopens, from the hours), and the offer to leave a message after the beep.
pub fn closed_answer(business_name: &str, sentence: &str) -> String {
    format!("{} {sentence} {LEAVE_MESSAGE}", hello(business_name))
}

/// The same on a realtime call: the agent then takes the message in conversation.
pub fn closed_answer_realtime(business_name: &str, sentence: &str) -> String {
    format!(
        "{} {sentence} {REALTIME_LEAVE_MESSAGE}",
        hello(business_name)
    )
}

fn hello(business_name: &str) -> String {
    match business_name.trim() {
        "" => "שלום.".to_string(),
        // "למספרת רונית", "ל־Demo".
        name if name.starts_with(|c: char| ('\u{05D0}'..='\u{05EA}').contains(&c)) => {
            format!("שלום, הגעתם ל{name}.")
        }
        name => format!("שלום, הגעתם ל־{name}."),
    }
}

/// The realtime agent's offer when the business is closed ("You can leave me a message and I'll
/// pass it to the team.").
pub const REALTIME_LEAVE_MESSAGE: &str = "אפשר להשאיר לי הודעה, ואעביר אותה לצוות.";

/// Said once the message left while the business is closed is recorded (then the call ends).
pub const MESSAGE_SAVED_CLOSED: &str = "תודה, ההודעה שלך נשמרה ותועבר לצוות. להתראות.";

/// Added to the Realtime instructions while the business is closed; `{closed}` is the sentence
/// of the hours (why, and when it reopens).
pub const REALTIME_CLOSED_INSTRUCTIONS: &str = "העסק סגור כעת, והלקוח כבר שמע זאת: {closed}
אל תקבע/י תורים ואל תבטיח/י דבר לזמן שהעסק סגור בו. הצע/י ללקוח להשאיר הודעה: בקש/י את שמו ומה הוא צריך, חזור/י עליה במשפט אחד ואמור/י שהיא תועבר לצוות ושנחזור אליו כשנפתח. אפשר לענות על שאלות לפי המידע של העסק.";

/// Said to the agent who answers an outbound call, before the customer is dialled.
pub const CONNECTING: &str = "מחבר אותך ללקוח.";

/// What callers say when they end the conversation (matched on the normalised transcript).
pub const GOODBYES: &[&str] = &[
    "תודה ולהתראות",
    "תודה להתראות",
    "שלום ותודה",
    "להתראות",
    "ביי",
    "ביי ביי",
    "יום טוב",
    "זהו תודה",
    "זה הכל",
    "זה הכול",
    "אין צורך",
];

/// The instructions of the OpenAI Realtime session: who the agent is, how it speaks, and the
/// business's information. `{name}`, `{greeting}` and `{knowledge}` are filled in by the engine;
/// `{follow_up}` is [`FOLLOW_UP`], said word for word when the answer is unknown.
pub const REALTIME_INSTRUCTIONS: &str = "\
את/ה נציג/ה טלפוני/ת של העסק \"{name}\" ומדבר/ת עם לקוח בשיחת טלפון. דבר/י תמיד בעברית, \
בקצרה (משפט או שניים), בשפה מדוברת, חמה וטבעית, בלי רשימות, סימונים או קישורים.
ברכת הפתיחה של העסק: {greeting}
ענה/י רק לפי המידע של העסק שלהלן ואל תמציא/י פרטים. אם התשובה אינה במידע, אמור/י: \"{follow_up}\"
מידע העסק (שאלות ותשובות):
{knowledge}";

/// Added to the Realtime instructions when the agent has tools: act only through them, never
/// say something was done that a tool did not confirm, confirm details before booking.
pub const REALTIME_TOOLS_INSTRUCTIONS: &str = "\
יש לך כלים לפעולות במערכת של העסק (בדיקת תורים פנויים, קביעת תור, יצירת משימה לצוות, העברה לנציג \
ועוד). פעל/י רק דרכם: לעולם אל תאמר/י שמשהו נקבע או נעשה לפני שהכלי אישר זאת. לפני קביעת תור \
ודא/י עם הלקוח את היום והשעה. כשכלי מסרב, הסבר/י בקצרה והצע/י חלופה.";

/// What the agent says when the business's information has no answer; a reply that says it
/// asks staff to call the caller back.
pub const FOLLOW_UP: &str = "אין לי כרגע תשובה מדויקת לזה, נציג יחזור אליך בהקדם.";

/// Shown in the instructions when the business has no knowledge entries ("(no information)").
pub const NO_KNOWLEDGE: &str = "(אין מידע)";

/// Shown in the instructions when the business has no greeting ("(none)").
pub const NO_GREETING: &str = "(אין)";

/// How a knowledge entry is written in the instructions: "ש: <question>" / "ת: <answer>".
pub const PROMPT_QUESTION: &str = "ש";
pub const PROMPT_ANSWER: &str = "ת";

/// Words of a reply that promises a call back (matched in the reply's transcript): the call
/// needs staff's follow-up.
pub const FOLLOW_UP_SIGNS: &[&str] = &["יחזור אליך", "יחזרו אליך", "נחזור אליך"];
