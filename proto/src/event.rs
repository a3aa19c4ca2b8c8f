//! The event envelope: construction with a UUIDv7 id and the subject an event travels on,
//! `al.<business_id>.<entity>.<what>`.

use crate::v1::{
    AgentEventKind, BusinessEventKind, CallEventKind, ConversationEventKind, CustomerEventKind,
    Event, TaskEventKind, UserEventKind, WhatsAppEventKind, event::Payload,
};
use chrono::Utc;

#[derive(Debug, PartialEq, Eq)]
pub enum EventError {
    MissingPayload,
    UnspecifiedKind(&'static str),
    InvalidBusinessId(String),
}

impl std::fmt::Display for EventError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventError::MissingPayload => write!(f, "event has no payload"),
            EventError::UnspecifiedKind(entity) => write!(f, "{entity} event has no kind"),
            EventError::InvalidBusinessId(id) => {
                write!(f, "business id {id:?} cannot be used in a subject")
            }
        }
    }
}

impl std::error::Error for EventError {}

/// A new event for `business_id` with a fresh UUIDv7 id, stamped now.
pub fn new_event(business_id: impl Into<String>, payload: Payload) -> Event {
    Event {
        id: uuid::Uuid::now_v7().to_string(),
        business_id: business_id.into(),
        occurred_at: Some(crate::to_timestamp(Utc::now())),
        payload: Some(payload),
    }
}

/// The subject of an event: `al.<business_id>.<entity>.<what>`.
pub fn subject_for(event: &Event) -> Result<String, EventError> {
    let b = &event.business_id;
    // A subject token must not be empty nor contain separators or wildcards.
    if b.is_empty() || b.contains(['.', '*', '>', ' ']) {
        return Err(EventError::InvalidBusinessId(b.clone()));
    }
    let (entity, what) = match event.payload.as_ref().ok_or(EventError::MissingPayload)? {
        Payload::Call(c) => (
            "call",
            match c.kind() {
                CallEventKind::Started => "started",
                CallEventKind::Recorded => "recorded",
                CallEventKind::Transcribed => "transcribed",
                CallEventKind::Answered => "answered",
                CallEventKind::Completed => "completed",
                CallEventKind::Unspecified => return Err(EventError::UnspecifiedKind("call")),
            },
        ),
        Payload::Whatsapp(w) => (
            "whatsapp",
            match w.kind() {
                WhatsAppEventKind::Received => "received",
                WhatsAppEventKind::Sent => "sent",
                WhatsAppEventKind::Status => "status",
                WhatsAppEventKind::Unspecified => {
                    return Err(EventError::UnspecifiedKind("whatsapp"));
                }
            },
        ),
        Payload::Task(t) => (
            "task",
            match t.kind() {
                TaskEventKind::Created => "created",
                TaskEventKind::Due => "due",
                TaskEventKind::Done => "done",
                TaskEventKind::Unspecified => return Err(EventError::UnspecifiedKind("task")),
            },
        ),
        Payload::Customer(c) => (
            "customer",
            match c.kind() {
                CustomerEventKind::Created => "created",
                CustomerEventKind::Updated => "updated",
                CustomerEventKind::Deleted => "deleted",
                CustomerEventKind::Unspecified => {
                    return Err(EventError::UnspecifiedKind("customer"));
                }
            },
        ),
        Payload::User(u) => (
            "user",
            match u.kind() {
                UserEventKind::Changed => "changed",
                UserEventKind::SignedOut => "signed_out",
                UserEventKind::Unspecified => return Err(EventError::UnspecifiedKind("user")),
            },
        ),
        Payload::Agent(a) => (
            "agent",
            match a.kind() {
                AgentEventKind::WhatsappRequested => "whatsapp_requested",
                AgentEventKind::Unspecified => return Err(EventError::UnspecifiedKind("agent")),
            },
        ),
        Payload::Business(e) => (
            "business",
            match e.kind() {
                BusinessEventKind::Created => "created",
                BusinessEventKind::Changed => "changed",
                BusinessEventKind::Unspecified => {
                    return Err(EventError::UnspecifiedKind("business"));
                }
            },
        ),
        Payload::Conversation(c) => (
            "conversation",
            match c.kind() {
                ConversationEventKind::Updated => "updated",
                ConversationEventKind::Unspecified => {
                    return Err(EventError::UnspecifiedKind("conversation"));
                }
            },
        ),
        Payload::CallSummary(_) => ("call", "summarized"),
    };
    Ok(format!("al.{b}.{entity}.{what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::{TaskEvent, WhatsAppEvent};

    #[test]
    fn subject_names_business_entity_and_what() {
        let e = new_event(
            "b1",
            Payload::Whatsapp(WhatsAppEvent {
                kind: WhatsAppEventKind::Received as i32,
                ..Default::default()
            }),
        );
        assert_eq!(subject_for(&e).unwrap(), "al.b1.whatsapp.received");
        let t = new_event(
            "b2",
            Payload::Task(TaskEvent {
                kind: TaskEventKind::Due as i32,
                ..Default::default()
            }),
        );
        assert_eq!(subject_for(&t).unwrap(), "al.b2.task.due");
        let b = new_event(
            "b3",
            Payload::Business(crate::v1::BusinessEvent {
                kind: BusinessEventKind::Changed as i32,
                ..Default::default()
            }),
        );
        assert_eq!(subject_for(&b).unwrap(), "al.b3.business.changed");
    }

    #[test]
    fn ids_are_uuid_v7() {
        let e = new_event("b", Payload::Task(TaskEvent::default()));
        let id = uuid::Uuid::parse_str(&e.id).unwrap();
        assert_eq!(id.get_version_num(), 7);
    }

    #[test]
    fn bad_business_ids_and_missing_kinds_are_errors() {
        let mut e = new_event("a.b", Payload::Task(TaskEvent::default()));
        assert!(matches!(
            subject_for(&e),
            Err(EventError::InvalidBusinessId(_))
        ));
        e.business_id = "b".into();
        assert_eq!(subject_for(&e), Err(EventError::UnspecifiedKind("task")));
        e.payload = None;
        assert_eq!(subject_for(&e), Err(EventError::MissingPayload));
    }
}
