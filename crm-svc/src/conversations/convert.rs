//! Conversions between the protobuf messages of the inbox and the domain's types.

use crate::convert::{non_empty, optional_id, required, ts};
use crate::{
    conversations::{Conversation, ConversationPatch, InboxCursor, InboxPage, InboxQuery, Thread},
    enums::{AgentChannel, ConversationState},
    error::{Error, Result},
    ids::{BusinessId, ConversationId, UserId},
    pagination::DEFAULT_LIMIT,
};
use agentlocator_proto::v1 as pb;

impl From<AgentChannel> for pb::ConversationChannel {
    fn from(c: AgentChannel) -> Self {
        match c {
            AgentChannel::Whatsapp => pb::ConversationChannel::Whatsapp,
            AgentChannel::Call => pb::ConversationChannel::Call,
        }
    }
}

impl From<ConversationState> for pb::ConversationState {
    fn from(s: ConversationState) -> Self {
        match s {
            ConversationState::Open => pb::ConversationState::Open,
            ConversationState::WaitingForHuman => pb::ConversationState::WaitingForHuman,
            ConversationState::Done => pb::ConversationState::Done,
        }
    }
}

/// A request's channel: unspecified is `None` (any); an unknown number is a validation error.
fn channel(value: i32) -> Result<Option<AgentChannel>> {
    match pb::ConversationChannel::try_from(value) {
        Ok(pb::ConversationChannel::Unspecified) => Ok(None),
        Ok(pb::ConversationChannel::Whatsapp) => Ok(Some(AgentChannel::Whatsapp)),
        Ok(pb::ConversationChannel::Call) => Ok(Some(AgentChannel::Call)),
        Err(_) => Err(Error::validation("channel", "must be whatsapp or call")),
    }
}

/// A request's state: unspecified is `None`; an unknown number is a validation error.
fn state(value: i32) -> Result<Option<ConversationState>> {
    match pb::ConversationState::try_from(value) {
        Ok(pb::ConversationState::Unspecified) => Ok(None),
        Ok(pb::ConversationState::Open) => Ok(Some(ConversationState::Open)),
        Ok(pb::ConversationState::WaitingForHuman) => Ok(Some(ConversationState::WaitingForHuman)),
        Ok(pb::ConversationState::Done) => Ok(Some(ConversationState::Done)),
        Err(_) => Err(Error::validation(
            "state",
            "must be open, waiting_for_human or done",
        )),
    }
}

impl From<Conversation> for pb::Conversation {
    fn from(c: Conversation) -> Self {
        let r = c.row;
        pb::Conversation {
            id: r.id.into(),
            business_id: r.business_id.into(),
            channel: pb::ConversationChannel::from(r.channel) as i32,
            state: pb::ConversationState::from(r.state) as i32,
            customer_id: r.customer_id.map(Into::into).unwrap_or_default(),
            customer_name: c.customer_name.unwrap_or_default(),
            counterpart: r.counterpart,
            assignee_id: r.assignee_id.map(Into::into).unwrap_or_default(),
            last_activity_at: Some(ts(r.last_activity_at)),
            last_preview: r.last_preview,
            last_direction: r.last_direction,
            unread_count: c.unread_count,
            call_sid: c.call_sid.unwrap_or_default(),
            created_at: Some(ts(r.created_at)),
            updated_at: Some(ts(r.updated_at)),
        }
    }
}

impl From<InboxPage> for pb::ListConversationsResponse {
    fn from(p: InboxPage) -> Self {
        pb::ListConversationsResponse {
            limit: p.limit,
            items: p.items.into_iter().map(Into::into).collect(),
            next_cursor: p.next_cursor.map(|c| c.to_string()).unwrap_or_default(),
            unread_conversations: p.unread_conversations,
        }
    }
}

impl TryFrom<Thread> for pb::ConversationThread {
    type Error = Error;

    /// Fails only when the stored call's `ai_replies` is not a JSON list of strings.
    fn try_from(t: Thread) -> Result<Self> {
        Ok(pb::ConversationThread {
            conversation: Some(t.conversation.into()),
            messages: t.messages.into_iter().map(Into::into).collect(),
            call: t.call.map(pb::Call::try_from).transpose()?,
            turns: t
                .turns
                .into_iter()
                .map(|t| pb::CallTurn {
                    caller_text: t.caller_text,
                    ai_reply: t.ai_reply,
                })
                .collect(),
        })
    }
}

/// The business and reader every inbox request names.
fn reader(business_id: String, user_id: String) -> Result<(BusinessId, UserId)> {
    Ok((
        required("business_id", business_id)?,
        required("user_id", user_id)?,
    ))
}

/// A `ListConversations` request as domain arguments.
#[derive(Debug, Clone)]
pub struct ListConversations {
    pub business_id: BusinessId,
    pub reader: UserId,
    pub query: InboxQuery,
}

impl TryFrom<pb::ListConversationsRequest> for ListConversations {
    type Error = Error;

    fn try_from(r: pb::ListConversationsRequest) -> Result<Self> {
        let (business_id, reader) = reader(r.business_id, r.user_id)?;
        Ok(ListConversations {
            business_id,
            reader,
            query: InboxQuery {
                unread: r.unread,
                state: state(r.state)?,
                assigned_to_me: r.assigned_to_me,
                channel: channel(r.channel)?,
                after: non_empty(r.after)
                    .map(|a| a.parse::<InboxCursor>())
                    .transpose()?,
                limit: r.limit.unwrap_or(DEFAULT_LIMIT),
            },
        })
    }
}

/// The business, reader and conversation of a `GetConversation` or `MarkConversationRead`.
pub fn scoped(
    business_id: String,
    user_id: String,
    id: String,
) -> Result<(BusinessId, UserId, ConversationId)> {
    let (business_id, reader) = reader(business_id, user_id)?;
    Ok((business_id, reader, required("id", id)?))
}

/// An `UpdateConversation` request as domain arguments.
#[derive(Debug, Clone)]
pub struct UpdateConversation {
    pub business_id: BusinessId,
    pub reader: UserId,
    pub id: ConversationId,
    pub patch: ConversationPatch,
}

impl TryFrom<pb::UpdateConversationRequest> for UpdateConversation {
    type Error = Error;

    fn try_from(r: pb::UpdateConversationRequest) -> Result<Self> {
        let (business_id, reader, id) = scoped(r.business_id, r.user_id, r.id)?;
        Ok(UpdateConversation {
            business_id,
            reader,
            id,
            patch: ConversationPatch {
                assignee_id: r.assignee_id.map(optional_id),
                state: state(r.state)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_numbers_are_validation_errors() {
        assert!(matches!(
            channel(99),
            Err(Error::Validation {
                field: "channel",
                ..
            })
        ));
        assert!(matches!(
            state(99),
            Err(Error::Validation { field: "state", .. })
        ));
        assert_eq!(channel(0).unwrap(), None);
        assert_eq!(
            state(pb::ConversationState::Done as i32).unwrap(),
            Some(ConversationState::Done)
        );
    }

    #[test]
    fn a_list_needs_the_reader() {
        let r = pb::ListConversationsRequest {
            business_id: "b1".into(),
            ..Default::default()
        };
        assert!(matches!(
            ListConversations::try_from(r),
            Err(Error::Validation {
                field: "user_id",
                ..
            })
        ));
    }
}
