//! Every Hebrew text notify-svc shows to people: the titles of Web Push notifications.

/// A task reached its due time.
pub const TASK_DUE_TITLE: &str = "משימה לביצוע";
/// A call is ringing.
pub const CALL_INCOMING_TITLE: &str = "שיחה נכנסת";
/// A call's recording was transcribed.
pub const CALL_TRANSCRIBED_TITLE: &str = "תמלול שיחה";
/// A call ended.
pub const CALL_COMPLETED_TITLE: &str = "השיחה הסתיימה";
/// A WhatsApp message arrived.
pub const WHATSAPP_MESSAGE_TITLE: &str = "הודעת WhatsApp חדשה";
/// Body of a call notification whose caller number is unknown.
pub const UNKNOWN_CALLER: &str = "מספר לא מזוהה";
