//! Bus events → notifications: which events staff hear about, the Socket.IO event name and
//! payload, and the Web Push text. Pure functions, so the mapping is tested without a bus.
//!
//! Payloads are small and carry no secrets: ids, a title or text the business's staff may read
//! anyway, the caller's number, and the customer it is about. Recording URLs and phone numbers of
//! the business itself never leave; the agent's replies and a call's summary go only to the
//! signed-in staff's Socket.IO room (`call:answered`, `call:completed`), never into a Web Push
//! message.

use crate::strings;
use agentlocator_proto::{
    Event, from_timestamp,
    v1::{
        CallEventKind, ConversationEventKind, CustomerEventKind, TaskEventKind, UserEventKind,
        WhatsAppEventKind, event::Payload,
    },
};
use serde::Serialize;
use serde_json::{Value, json};

/// Longest text (in characters) put into a payload; a longer transcript or message is cut.
pub const MAX_TEXT_CHARS: usize = 500;
/// Longest Web Push body (in characters); the operating system shows little more.
pub const MAX_PUSH_BODY_CHARS: usize = 140;

/// One thing staff of a business should hear about.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub business_id: String,
    /// The bus event's id (consumers are idempotent on it).
    pub event_id: String,
    /// When the event happened.
    pub occurred_at: Option<prost_types::Timestamp>,
    /// Socket.IO event name, e.g. `task:due`.
    pub name: &'static str,
    /// Socket.IO payload.
    pub data: Value,
    /// What a Web Push notification shows; `None` for the live-only events (a call's turns).
    pub push: Option<PushMessage>,
}

/// The JSON body of a Web Push message, as the service worker (`web/public/sw.js`) reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PushMessage {
    pub title: String,
    pub body: String,
    /// Page opened when the notification is clicked.
    pub url: String,
    /// The Socket.IO event name and payload, for a page that wants the details.
    pub event: &'static str,
    pub data: Value,
}

/// Socket.IO room of everybody signed in to `business_id`.
pub fn business_room(business_id: &str) -> String {
    format!("business:{business_id}")
}

/// Socket.IO room of one user's connections (all tabs and devices).
pub fn user_room(user_id: &str) -> String {
    format!("user:{user_id}")
}

/// The user whose sessions `event` ends (`user.signed_out`), if any.
pub fn signed_out_user(event: &Event) -> Option<String> {
    match event.payload.as_ref()? {
        Payload::User(u) if u.kind == UserEventKind::SignedOut as i32 => Some(u.user_id.clone()),
        _ => None,
    }
}

/// The notification `event` gives staff, if any.
pub fn notification_for(event: &Event) -> Option<Notification> {
    // `push`: the Web Push title and body, for the events worth a notification on the phone.
    let (name, data, push, customer_id) = match event.payload.as_ref()? {
        Payload::Task(t) if t.kind == TaskEventKind::Due as i32 => {
            let due_at = t
                .due_at
                .as_ref()
                .and_then(from_timestamp)
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
            (
                "task:due",
                json!({
                    "task_id": t.task_id,
                    "title": cut(&t.title, MAX_TEXT_CHARS),
                    "due_at": due_at,
                    "customer_id": opt(&t.customer_id),
                }),
                Some((strings::TASK_DUE_TITLE, t.title.clone())),
                t.customer_id.clone(),
            )
        }
        Payload::Call(c) => {
            let caller = || {
                if c.from_number.is_empty() {
                    strings::UNKNOWN_CALLER.to_string()
                } else {
                    c.from_number.clone()
                }
            };
            match CallEventKind::try_from(c.kind).ok()? {
                CallEventKind::Started if c.direction != "outbound" => (
                    "call:incoming",
                    json!({
                        "call_id": c.call_sid,
                        "customer_id": opt(&c.customer_id),
                        "from": c.from_number,
                    }),
                    Some((strings::CALL_INCOMING_TITLE, caller())),
                    c.customer_id.clone(),
                ),
                // `from` lets a page tell its customer's call when crm-svc has not yet linked it
                // (inbound calls are published with no customer).
                CallEventKind::Transcribed if !c.transcript.trim().is_empty() => (
                    "call:transcribed",
                    json!({
                        "call_id": c.call_sid,
                        "customer_id": opt(&c.customer_id),
                        "from": c.from_number,
                        "text": cut(&c.transcript, MAX_TEXT_CHARS),
                    }),
                    Some((strings::CALL_TRANSCRIBED_TITLE, c.transcript.clone())),
                    c.customer_id.clone(),
                ),
                // One turn of a call, for the pages showing it live; the phone already rang
                // for the call, so no push.
                CallEventKind::Answered if !c.ai_reply.trim().is_empty() => (
                    "call:answered",
                    json!({
                        "call_id": c.call_sid,
                        "customer_id": opt(&c.customer_id),
                        "from": c.from_number,
                        "text": cut(&c.transcript, MAX_TEXT_CHARS),
                        "reply": cut(&c.ai_reply, MAX_TEXT_CHARS),
                    }),
                    None,
                    c.customer_id.clone(),
                ),
                // `call:completed` waits for the call's summary (`call.summarized`, below).
                _ => return None,
            }
        }
        // crm-svc summarised a completed call: staff hear it ended, with what it was about.
        Payload::CallSummary(s) => (
            "call:completed",
            json!({
                "call_id": s.call_sid,
                "customer_id": opt(&s.customer_id),
                "from": s.from_number,
                "status": s.status,
                "duration_seconds": s.duration_seconds,
                "summary": cut(&s.summary, MAX_TEXT_CHARS),
                "follow_ups": s.follow_ups.iter().map(|f| cut(f, MAX_TEXT_CHARS)).collect::<Vec<_>>(),
                "summary_source": s.source,
                "task_id": opt(&s.task_id),
            }),
            Some((
                strings::CALL_COMPLETED_TITLE,
                if s.from_number.is_empty() {
                    strings::UNKNOWN_CALLER.to_string()
                } else {
                    s.from_number.clone()
                },
            )),
            s.customer_id.clone(),
        ),
        Payload::Whatsapp(w) if w.kind == WhatsAppEventKind::Received as i32 => (
            "whatsapp:message",
            json!({
                "message_id": w.provider_message_id,
                "customer_id": opt(&w.customer_id),
                "from": w.from_number,
                "text": cut(&w.body, MAX_TEXT_CHARS),
            }),
            Some((strings::WHATSAPP_MESSAGE_TITLE, w.body.clone())),
            w.customer_id.clone(),
        ),
        // A customer was created, changed or deleted: the customer list and the leads board
        // follow it. Live only (a new lead from a call or a message was announced by those).
        Payload::Customer(c) => (
            "customer:changed",
            json!({
                "customer_id": c.customer_id,
                "change": match CustomerEventKind::try_from(c.kind).ok()? {
                    CustomerEventKind::Created => "created",
                    CustomerEventKind::Updated => "updated",
                    CustomerEventKind::Deleted => "deleted",
                    CustomerEventKind::Unspecified => return None,
                },
                "status": opt(&c.status),
            }),
            None,
            c.customer_id.clone(),
        ),
        // An inbox conversation changed (new activity, state, assignee): the inbox page
        // refreshes it. Live only: the message or call itself already notified.
        Payload::Conversation(c) if c.kind == ConversationEventKind::Updated as i32 => (
            "inbox:updated",
            json!({
                "conversation_id": c.conversation_id,
                "customer_id": opt(&c.customer_id),
                "channel": c.channel,
                "state": c.state,
                "assignee_id": opt(&c.assignee_id),
                "inbound": c.inbound,
            }),
            None,
            c.customer_id.clone(),
        ),
        _ => return None,
    };
    let url = if customer_id.is_empty() {
        "/".to_string()
    } else {
        format!("/crm/customers/{customer_id}")
    };
    Some(Notification {
        business_id: event.business_id.clone(),
        event_id: event.id.clone(),
        occurred_at: event.occurred_at,
        name,
        push: push.map(|(title, body)| PushMessage {
            title: title.to_string(),
            body: cut(&body, MAX_PUSH_BODY_CHARS),
            url,
            event: name,
            data: without_conversation(&data),
        }),
        data,
    })
}

/// What the agent said or wrote about a conversation stays in the signed-in staff's Socket.IO
/// room; a Web Push message carries the rest of the payload.
const LIVE_ONLY_KEYS: [&str; 3] = ["reply", "summary", "follow_ups"];

fn without_conversation(data: &Value) -> Value {
    let mut data = data.clone();
    if let Some(map) = data.as_object_mut() {
        for key in LIVE_ONLY_KEYS {
            map.remove(key);
        }
    }
    data
}

fn opt(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::String(s.to_string())
    }
}

/// `text` cut to `max` characters (with an ellipsis when cut).
fn cut(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentlocator_proto::{
        new_event, to_timestamp,
        v1::{CallEvent, TaskEvent, WhatsAppEvent},
    };

    #[test]
    fn a_due_task_becomes_task_due() {
        let due = chrono::DateTime::parse_from_rfc3339("2026-11-24T08:30:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let e = new_event(
            "b1",
            Payload::Task(TaskEvent {
                kind: TaskEventKind::Due as i32,
                task_id: "t1".into(),
                title: "להתקשר".into(),
                due_at: Some(to_timestamp(due)),
                customer_id: "c1".into(),
                assignee_id: String::new(),
            }),
        );
        let n = notification_for(&e).unwrap();
        assert_eq!(n.name, "task:due");
        assert_eq!(n.business_id, "b1");
        assert_eq!(
            n.data,
            json!({"task_id": "t1", "title": "להתקשר", "due_at": "2026-11-24T08:30:00Z", "customer_id": "c1"})
        );
        let push = n.push.unwrap();
        assert_eq!(push.title, strings::TASK_DUE_TITLE);
        assert_eq!(push.body, "להתקשר");
        assert_eq!(push.url, "/crm/customers/c1");
    }

    #[test]
    fn created_and_done_tasks_notify_nobody() {
        for kind in [TaskEventKind::Created, TaskEventKind::Done] {
            let e = new_event(
                "b1",
                Payload::Task(TaskEvent {
                    kind: kind as i32,
                    ..Default::default()
                }),
            );
            assert_eq!(notification_for(&e), None);
        }
    }

    #[test]
    fn calls_and_messages_map_to_their_events_without_secrets() {
        let call = |kind: CallEventKind, f: fn(&mut CallEvent)| {
            let mut c = CallEvent {
                kind: kind as i32,
                call_sid: "CA1".into(),
                direction: "inbound".into(),
                from_number: "+972501234567".into(),
                to_number: "+97231234567".into(),
                recording_url: "https://api.twilio.com/rec/RE1".into(),
                ai_reply: "תשובה".into(),
                customer_id: "c1".into(),
                ..Default::default()
            };
            f(&mut c);
            notification_for(&new_event("b1", Payload::Call(c)))
        };
        let n = call(CallEventKind::Started, |_| {}).unwrap();
        assert_eq!(n.name, "call:incoming");
        assert_eq!(n.data["from"], "+972501234567");
        let n = call(CallEventKind::Transcribed, |c| c.transcript = "שלום".into()).unwrap();
        assert_eq!(
            n.data,
            json!({"call_id": "CA1", "customer_id": "c1", "from": "+972501234567", "text": "שלום"})
        );
        assert!(n.push.is_some());
        // A call's end is announced with its summary (`call.summarized`), not before.
        assert_eq!(call(CallEventKind::Completed, |_| {}), None);
        assert_eq!(call(CallEventKind::Recorded, |_| {}), None);
        assert_eq!(call(CallEventKind::Transcribed, |_| {}), None);
        assert_eq!(
            call(CallEventKind::Started, |c| c.direction = "outbound".into()),
            None
        );
        let started = call(CallEventKind::Started, |_| {}).unwrap();
        let text = serde_json::to_string(&started.push.unwrap()).unwrap();
        assert!(
            !text.contains("twilio") && !text.contains("תשובה"),
            "{text}"
        );

        let w = WhatsAppEvent {
            kind: WhatsAppEventKind::Received as i32,
            provider_message_id: "WAMID1".into(),
            from_number: "+972521112233".into(),
            body: "x".repeat(2 * MAX_TEXT_CHARS),
            customer_id: String::new(),
            ..Default::default()
        };
        let n = notification_for(&new_event("b1", Payload::Whatsapp(w))).unwrap();
        assert_eq!(n.name, "whatsapp:message");
        assert_eq!(n.data["customer_id"], Value::Null);
        assert_eq!(
            n.data["text"].as_str().unwrap().chars().count(),
            MAX_TEXT_CHARS
        );
        let push = n.push.unwrap();
        assert_eq!(push.body.chars().count(), MAX_PUSH_BODY_CHARS);
        assert_eq!(push.url, "/");
    }

    #[test]
    fn a_changed_conversation_is_live_only() {
        let e = new_event(
            "b1",
            Payload::Conversation(agentlocator_proto::v1::ConversationEvent {
                kind: ConversationEventKind::Updated as i32,
                conversation_id: "v1".into(),
                customer_id: "c1".into(),
                channel: "whatsapp".into(),
                state: "waiting_for_human".into(),
                assignee_id: String::new(),
                inbound: true,
            }),
        );
        let n = notification_for(&e).unwrap();
        assert_eq!(n.name, "inbox:updated");
        assert_eq!(
            n.data,
            json!({"conversation_id": "v1", "customer_id": "c1", "channel": "whatsapp",
                "state": "waiting_for_human", "assignee_id": null, "inbound": true})
        );
        assert_eq!(n.push, None);
        let unspecified = new_event(
            "b1",
            Payload::Conversation(agentlocator_proto::v1::ConversationEvent::default()),
        );
        assert_eq!(notification_for(&unspecified), None);
    }

    #[test]
    fn a_customer_change_is_live_only_and_carries_no_phone() {
        let event = |kind: CustomerEventKind, status: &str| {
            new_event(
                "b1",
                Payload::Customer(agentlocator_proto::v1::CustomerEvent {
                    kind: kind as i32,
                    customer_id: "c1".into(),
                    name: "דנה".into(),
                    phone: "+972501234567".into(),
                    source: "manual".into(),
                    status: status.into(),
                }),
            )
        };
        let n = notification_for(&event(CustomerEventKind::Updated, "active")).unwrap();
        assert_eq!(n.name, "customer:changed");
        assert_eq!(
            n.data,
            json!({"customer_id": "c1", "change": "updated", "status": "active"})
        );
        assert_eq!(n.push, None);
        let n = notification_for(&event(CustomerEventKind::Deleted, "")).unwrap();
        assert_eq!(
            n.data,
            json!({"customer_id": "c1", "change": "deleted", "status": null})
        );
        assert_eq!(
            notification_for(&event(CustomerEventKind::Created, "lead"))
                .unwrap()
                .data["change"],
            "created"
        );
        assert_eq!(
            notification_for(&event(CustomerEventKind::Unspecified, "lead")),
            None
        );
    }

    fn answered(f: fn(&mut CallEvent)) -> Option<Notification> {
        let mut c = CallEvent {
            kind: CallEventKind::Answered as i32,
            call_sid: "CA2".into(),
            direction: "inbound".into(),
            from_number: "+972501234567".into(),
            to_number: "+97231234567".into(),
            recording_url: "https://api.twilio.com/rec/RE2".into(),
            transcript: "מתי אתם פתוחים?".into(),
            ai_reply: "א׳-ה׳ 9:00-18:00".into(),
            ..Default::default()
        };
        f(&mut c);
        notification_for(&new_event("b1", Payload::Call(c)))
    }

    #[test]
    fn an_answered_turn_goes_live_to_the_business_but_not_to_push() {
        let n = answered(|_| {}).unwrap();
        assert_eq!((n.name, n.business_id.as_str()), ("call:answered", "b1"));
        // Inbound calls are published before crm-svc knows the customer: `from` says who it is.
        assert_eq!(
            n.data,
            json!({
                "call_id": "CA2",
                "customer_id": null,
                "from": "+972501234567",
                "text": "מתי אתם פתוחים?",
                "reply": "א׳-ה׳ 9:00-18:00",
            })
        );
        assert_eq!(n.push, None);
        assert!(!n.data.to_string().contains("twilio"), "{}", n.data);

        let n = answered(|c| c.customer_id = "c7".into()).unwrap();
        assert_eq!(n.data["customer_id"], "c7");
        // Long turns are cut like the other texts; a turn without a reply says nothing.
        let n = answered(|c| {
            c.transcript = "א".repeat(2 * MAX_TEXT_CHARS);
            c.ai_reply = "ב".repeat(2 * MAX_TEXT_CHARS);
        })
        .unwrap();
        for field in ["text", "reply"] {
            let text = n.data[field].as_str().unwrap();
            assert_eq!(text.chars().count(), MAX_TEXT_CHARS, "{field}");
            assert!(text.ends_with('…'), "{field}");
        }
        assert_eq!(answered(|c| c.ai_reply = "  ".into()), None);
    }

    #[test]
    fn a_summarised_call_is_call_completed_with_its_summary_live_only() {
        let e = new_event(
            "b1",
            Payload::CallSummary(agentlocator_proto::v1::CallSummaryEvent {
                call_sid: "CA3".into(),
                call_id: "k3".into(),
                customer_id: "c3".into(),
                direction: "inbound".into(),
                from_number: "+972501234567".into(),
                to_number: "+97231234567".into(),
                status: "completed".into(),
                duration_seconds: 42,
                summary: "הלקוח ביקש תור ליום שלישי; נקבע.".into(),
                follow_ups: vec!["לשלוח הצעת מחיר".into()],
                source: "llm".into(),
                task_id: "t3".into(),
            }),
        );
        let n = notification_for(&e).unwrap();
        assert_eq!(n.name, "call:completed");
        assert_eq!(
            n.data,
            json!({
                "call_id": "CA3",
                "customer_id": "c3",
                "from": "+972501234567",
                "status": "completed",
                "duration_seconds": 42,
                "summary": "הלקוח ביקש תור ליום שלישי; נקבע.",
                "follow_ups": ["לשלוח הצעת מחיר"],
                "summary_source": "llm",
                "task_id": "t3",
            })
        );
        let push = n.push.unwrap();
        assert_eq!(push.title, strings::CALL_COMPLETED_TITLE);
        assert_eq!(push.body, "+972501234567");
        assert_eq!(push.url, "/crm/customers/c3");
        let text = serde_json::to_string(&push).unwrap();
        assert!(
            !text.contains("תור") && !text.contains("הצעת") && !text.contains("+97231234567"),
            "{text}"
        );
    }
}
