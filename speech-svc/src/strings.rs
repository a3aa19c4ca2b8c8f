//! Every Hebrew sentence speech-svc says or writes, in one place.

/// Said once when a provider fails in the middle of a call ("Sorry, there was a momentary fault.
/// How can I help?").
pub const FALLBACK: &str = "סליחה, הייתה תקלה רגעית. כיצד אוכל לעזור?";

/// The flag a transcript shorter than two characters becomes ("Not heard clearly, try again.").
/// Kept as a flag next to the transcript, never stored as the transcript itself.
pub const UNCLEAR: &str = "לא נשמע בבירור, נסה שוב.";

/// The `knowledge` engine's answer when no entry matches ("Thank you for your question. I do not
/// have an exact answer right now; a representative will call you back soon.").
pub const CALL_BACK: &str =
    "תודה על הפנייה. אין לי כרגע תשובה מדויקת לשאלה הזו, נציג מטעמנו יחזור אליך בהקדם.";

/// The answer to a turn with no content words, e.g. only "שלום" ("How can I help?").
pub const HOW_CAN_I_HELP: &str = "במה אוכל לעזור?";

/// The system prompt of the `openai` reply engine. `{name}`, `{greeting}` and `{knowledge}` are
/// filled in by the engine.
pub const SYSTEM_PROMPT: &str = "\
את/ה נציג/ה טלפוני/ת של העסק \"{name}\". ענה/י תמיד בעברית, בקצרה (משפט או שניים), \
בשפה מדוברת וטבעית שמתאימה לשיחת טלפון, בלי רשימות, סימונים או קישורים.
ברכת הפתיחה של העסק: {greeting}
ענה/י רק לפי המידע של העסק שלהלן. אם התשובה אינה במידע, אמור/י בנימוס שנציג יחזור אל הלקוח בהקדם, ואל תמציא/י פרטים.
מידע העסק (שאלות ותשובות):
{knowledge}";

/// Shown in the system prompt when the business has no knowledge entries ("(no information)").
pub const NO_KNOWLEDGE: &str = "(אין מידע)";

/// Shown in the system prompt when the business has no greeting ("(none)").
pub const NO_GREETING: &str = "(אין)";

/// How a knowledge entry is written in the system prompt: "ש: <question>" / "ת: <answer>"
/// (question / answer).
pub const PROMPT_QUESTION: &str = "ש";
pub const PROMPT_ANSWER: &str = "ת";

/// Added to the system prompt when the agent may act. `{persona}`, `{instructions}` and `{now}`
/// (RFC 3339) are filled in.
pub const AGENT_PROMPT: &str = "\
מי את/ה: {persona}
הנחיות העסק: {instructions}
עכשיו: {now} (שעון ישראל: הוסף/י +02:00 או +03:00 לפי העונה).
יש לך כלים לפעולות במערכת של העסק עבור הלקוח שמדבר איתך בלבד. לפני שמבטיחים משהו (תור, משימה, הודעה), הפעל/י את הכלי המתאים וחכה/י לתוצאה. \
אם כלי מחזיר שגיאה, אל תאמר/י שהפעולה בוצעה: הצע/י חלופה או שנציג יחזור אל הלקוח. לעולם אל תמציא/י מזהים.";

/// Said when the model kept asking for tools past the turn's limit ("Sorry, this takes me longer
/// than expected; a representative will call you back soon.").
pub const AGENT_TOO_MANY_STEPS: &str =
    "סליחה, הבקשה הזו לוקחת לי יותר זמן מהצפוי. נציג מטעמנו יחזור אליך בהקדם.";

/// The agent without an LLM, asked to do something only a person can do here (book, move or
/// cancel an appointment…), once the call-back task is written ("I can't arrange that myself in
/// this conversation, but I wrote down the request and a representative will call you back soon
/// to arrange it.").
pub const AGENT_CANNOT_ACT_NOTED: &str = "את זה אני לא יכול/ה לסדר בעצמי בשיחה הזו, אבל רשמתי את הבקשה ונציג מטעמנו יחזור אליך בהקדם כדי לסדר את זה.";

/// The same when no task could be written ("I can't arrange that myself in this conversation; a
/// representative will call you back soon.").
pub const AGENT_CANNOT_ACT: &str =
    "את זה אני לא יכול/ה לסדר בעצמי בשיחה הזו. נציג מטעמנו יחזור אליך בהקדם.";

/// Title of the task the keyless agent creates when it cannot answer ("Call back: <question>").
pub fn call_back_task_title(question: &str) -> String {
    let q: String = question.trim().chars().take(150).collect();
    format!("לחזור ללקוח: {q}")
}

/// The system prompt of a call's summary (`SummarizeCall`). `{name}` is the business's name. The
/// model answers a JSON object: `summary` (Hebrew, two or three sentences) and `follow_ups` (what
/// the business promised the caller and staff must still do).
pub const SUMMARY_PROMPT: &str = "\
את/ה מסכמ/ת שיחות טלפון של העסק \"{name}\" עבור הצוות. כתוב/כתבי בעברית סיכום קצר (שניים-שלושה משפטים) של השיחה: \
מי פנה ומה ביקש, מה נענה ומה נעשה במערכת (לפי רשימת הפעולות בלבד). \
ב-follow_ups רשום/רשמי רק דברים שהסוכן הבטיח ללקוח ושהצוות עוד צריך לעשות (למשל לחזור ללקוח, לשלוח הצעת מחיר); פעולה שכבר בוצעה אינה משימה פתוחה. \
אל תמציא/י פרטים שלא נאמרו. ענה/י רק באובייקט JSON: {\"summary\": \"...\", \"follow_ups\": [\"...\"]}.";

/// How the call is written for the summary: the speakers and the agent's actions.
pub const SUMMARY_CALLER: &str = "לקוח";
pub const SUMMARY_AGENT: &str = "סוכן";
pub const SUMMARY_ACTIONS: &str = "פעולות הסוכן במערכת";
pub const SUMMARY_NO_ACTIONS: &str = "(אין)";
