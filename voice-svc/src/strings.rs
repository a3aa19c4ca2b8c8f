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
