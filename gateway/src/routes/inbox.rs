//! The inbox: every conversation of the business (WhatsApp threads, calls), newest activity
//! first, with the signed-in user's own unread counts. Replying inline is `POST
//! /api/whatsapp/send` with the conversation's `customer_id`. A change of a conversation reaches
//! the pages live as the `inbox:updated` Socket.IO event.

use crate::{
    auth::{Crm, Feature},
    error::{ApiError, ErrorBody},
    pagination,
    state::AppState,
    views::{InboxConversation, InboxPage, InboxThread},
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{
    ConversationChannel, ConversationState, GetConversationRequest, ListConversationsRequest,
    MarkConversationReadRequest, UpdateConversationRequest,
};
use serde::Deserialize;
use std::collections::HashMap;

/// What `filter` may hold (comma-separated, combined with AND).
const FILTERS: &str = "unread, waiting, mine";

/// The query of an inbox page as the CRM's request (everything but the business and user).
fn list_request(q: &HashMap<String, String>) -> Result<ListConversationsRequest, ApiError> {
    let limit = pagination::parse(None, q.get("limit").map(String::as_str))
        .map_err(|e| ApiError::validation(e).with_field("limit"))?
        .limit;
    let mut r = ListConversationsRequest {
        limit,
        after: q.get("cursor").cloned().unwrap_or_default(),
        ..Default::default()
    };
    for f in q
        .get("filter")
        .map(String::as_str)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        match f {
            "unread" => r.unread = true,
            "waiting" => r.state = ConversationState::WaitingForHuman as i32,
            "mine" => r.assigned_to_me = true,
            other => {
                return Err(ApiError::validation(format!(
                    "filter: unknown filter {other:?}; the filters are {FILTERS}"
                ))
                .with_field("filter"));
            }
        }
    }
    if let Some(state) = q.get("state").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let state = parse_state(state)?;
        if r.state != ConversationState::Unspecified as i32 && r.state != state as i32 {
            return Err(
                ApiError::validation("state: contradicts filter=waiting".to_string())
                    .with_field("state"),
            );
        }
        r.state = state as i32;
    }
    r.channel = match q.get("channel").map(|s| s.trim()) {
        None | Some("") => ConversationChannel::Unspecified,
        Some("whatsapp") => ConversationChannel::Whatsapp,
        Some("call") => ConversationChannel::Call,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "channel: expected whatsapp or call, got {other:?}"
            ))
            .with_field("channel"));
        }
    } as i32;
    Ok(r)
}

fn parse_state(s: &str) -> Result<ConversationState, ApiError> {
    match s {
        "open" => Ok(ConversationState::Open),
        "waiting_for_human" => Ok(ConversationState::WaitingForHuman),
        "done" => Ok(ConversationState::Done),
        other => Err(ApiError::validation(format!(
            "state: expected open, waiting_for_human or done, got {other:?}"
        ))
        .with_field("state")),
    }
}

/// `GET /api/inbox?cursor=&limit=&filter=unread,waiting,mine&state=&channel=`
#[utoipa::path(get, path = "/api/inbox", tag = "inbox", security(("bearer" = [])),
    params(("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
        ("limit" = Option<i64>, Query, description = "Default 25, at most 100"),
        ("filter" = Option<String>, Query, description = "Comma-separated, all must hold: unread (something I have not read), waiting (waiting for a human), mine (assigned to me)"),
        ("state" = Option<String>, Query, description = "open | waiting_for_human | done"),
        ("channel" = Option<String>, Query, description = "whatsapp | call")),
    responses((status = 200, body = InboxPage), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let mut r = list_request(&query.into_inner())?;
    r.business_id = user.business_id.clone();
    r.user_id = user.user_id.clone();
    let res = state
        .clients
        .crm
        .clone()
        .list_conversations(r)
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(InboxPage::from(res)))
}

/// `GET /api/inbox/{id}`: the conversation with its WhatsApp messages, or its call (transcript,
/// the agent's replies, the turns). Reading it does not mark it read.
#[utoipa::path(get, path = "/api/inbox/{id}", tag = "inbox", security(("bearer" = [])), params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = InboxThread), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let t = state
        .clients
        .crm
        .clone()
        .get_conversation(GetConversationRequest {
            business_id: user.business_id.clone(),
            user_id: user.user_id.clone(),
            id: id.into_inner(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(InboxThread::from(t)))
}

/// `POST /api/inbox/{id}/read`: the signed-in user has read the conversation (their unread count
/// of it becomes 0). Read-only users may mark what they read.
#[utoipa::path(post, path = "/api/inbox/{id}/read", tag = "inbox", security(("bearer" = [])), params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = InboxConversation), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn read(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let c = state
        .clients
        .crm
        .clone()
        .mark_conversation_read(MarkConversationReadRequest {
            business_id: user.business_id.clone(),
            user_id: user.user_id.clone(),
            id: id.into_inner(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(InboxConversation::from(c)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationPatch {
    /// A staff member of the business; `null` unassigns; absent leaves it.
    #[serde(default, deserialize_with = "crate::views::nullable")]
    #[schema(value_type = Option<String>)]
    assignee_id: Option<Option<String>>,
    /// open | waiting_for_human | done; absent leaves it.
    state: Option<String>,
}

/// `PUT /api/inbox/{id}`: assign (or unassign) the conversation, mark it done or reopen it.
/// Waiting for a human silences the AI agent in that WhatsApp conversation; open or done lets it
/// answer again.
#[utoipa::path(put, path = "/api/inbox/{id}", tag = "inbox", security(("bearer" = [])), params(("id" = String, Path, description = "Conversation id")), request_body = ConversationPatch,
    responses((status = 200, body = InboxConversation), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
    body: web::Json<ConversationPatch>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let p = body.into_inner();
    let conversation_state = match p.state.as_deref().map(str::trim) {
        None => ConversationState::Unspecified,
        Some(s) => parse_state(s)?,
    };
    let c = state
        .clients
        .crm
        .clone()
        .update_conversation(UpdateConversationRequest {
            business_id: user.business_id.clone(),
            user_id: user.user_id.clone(),
            id: id.into_inner(),
            assignee_id: p.assignee_id.map(Option::unwrap_or_default),
            state: conversation_state as i32,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(InboxConversation::from(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn filters_combine_and_bad_ones_name_their_field() {
        let r = list_request(&q(&[
            ("filter", "unread, mine,waiting"),
            ("channel", "whatsapp"),
            ("cursor", "c1"),
        ]))
        .unwrap();
        assert!(r.unread && r.assigned_to_me);
        assert_eq!(r.state, ConversationState::WaitingForHuman as i32);
        assert_eq!(r.channel, ConversationChannel::Whatsapp as i32);
        assert_eq!(r.after, "c1");
        assert_eq!(
            list_request(&q(&[])).unwrap(),
            ListConversationsRequest::default()
        );
        for (pairs, field) in [
            (&[("filter", "everything")][..], "filter"),
            (&[("channel", "sms")][..], "channel"),
            (&[("state", "closed")][..], "state"),
            (&[("filter", "waiting"), ("state", "done")][..], "state"),
            (&[("limit", "ten")][..], "limit"),
        ] {
            let err = list_request(&q(pairs)).unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{pairs:?}");
        }
    }
}
