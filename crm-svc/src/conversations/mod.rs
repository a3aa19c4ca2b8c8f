//! The inbox: every conversation of a business in one list, newest activity first. A customer's
//! WhatsApp messages are one conversation; each call is a conversation of its own (with its
//! transcript and the agent's replies). A conversation carries its last activity and preview,
//! its state (open, waiting for a human, done) and assignee, and a running count of inbound
//! items; each staff member's read position (`conversation_reads`) turns that count into their
//! own unread count.
//!
//! Conversations are written where messages and calls are: [`record_whatsapp`] and
//! [`record_call`] run in the event consumer's transaction, and every change writes a
//! `conversation.updated` event to the outbox in the same transaction (notify-svc turns it into
//! the `inbox:updated` Socket.IO event).
//!
//! "Waiting for a human" has one meaning for the inbox and the agent: the agent's `hand_off`
//! (and staff pausing or resuming the agent) moves the WhatsApp conversation through
//! [`follow_agent`], and staff moving the conversation in the inbox moves the agent's
//! `agent_conversations.waiting_for_human` with it ([`crate::agent::follow_inbox`]), in the same
//! transaction: the agent stays silent exactly while the inbox says a person is needed.

pub mod convert;
pub mod queries;

pub use queries::{Conversation, ConversationFilter, ConversationRow};

use crate::{
    agent,
    calls::{self, Call, CallTurn},
    db::{Db, DbConn},
    enums::{AgentChannel, ConversationState},
    error::{Error, Result},
    ids::{BusinessId, ConversationId, CustomerId, UserId},
    outbox::queries as outbox,
    pagination::MAX_LIMIT,
    strings,
    tasks::queries::is_user_of,
    time,
    whatsapp::WhatsAppMessage,
};
use agentlocator_proto::{
    new_event, to_timestamp,
    v1::{ConversationEvent, ConversationEventKind, Event, event::Payload},
};
use chrono::NaiveDateTime;

/// Longest preview kept (in characters).
pub const PREVIEW_CHARS: usize = 200;
/// Most WhatsApp messages a thread shows (the latest ones).
pub const THREAD_MESSAGES: i64 = 200;
/// Most call turns a thread shows.
const THREAD_TURNS: i64 = 200;

/// A position in the inbox (newest activity first): the next page starts after it. Its text form
/// is `<last_activity_at RFC 3339>|<id>`, as the previous page's `next_cursor` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxCursor {
    pub last_activity_at: NaiveDateTime,
    pub id: ConversationId,
}

impl InboxCursor {
    /// The cursor of the page after `c`.
    pub fn after(c: &Conversation) -> Self {
        InboxCursor {
            last_activity_at: c.row.last_activity_at,
            id: c.row.id.clone(),
        }
    }
}

impl std::fmt::Display for InboxCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}|{}", time::rfc3339(self.last_activity_at), self.id)
    }
}

impl std::str::FromStr for InboxCursor {
    type Err = Error;

    /// Parses the text form; anything else is [`Error::Validation`] on `cursor`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::validation("cursor", "must be the next_cursor of a previous page");
        let (ts, id) = s.trim().split_once('|').ok_or_else(bad)?;
        let at = chrono::DateTime::parse_from_rfc3339(ts).map_err(|_| bad())?;
        if id.is_empty()
            || id.len() > 64
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(bad());
        }
        Ok(InboxCursor {
            last_activity_at: time::from_utc(at.to_utc()),
            id: ConversationId::from(id.to_owned()),
        })
    }
}

/// One page of the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxPage {
    pub limit: i64,
    pub items: Vec<Conversation>,
    /// `None` on the last page.
    pub next_cursor: Option<InboxCursor>,
    /// Conversations with something unread for the reader, all filters aside, up to
    /// [`queries::MAX_UNREAD_COUNT`]; first page only.
    pub unread_conversations: Option<i64>,
}

/// What the inbox list is asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxQuery {
    pub unread: bool,
    pub state: Option<ConversationState>,
    pub assigned_to_me: bool,
    pub channel: Option<AgentChannel>,
    pub after: Option<InboxCursor>,
    pub limit: i64,
}

/// A page of the conversations of `business_id` as `reader` (a staff member of it) sees them:
/// newest activity first, keyset-paged (as fast at any depth). `limit` is at least 1 and clamped
/// to [`MAX_LIMIT`].
pub async fn list(
    db: &Db,
    business_id: &BusinessId,
    reader: &UserId,
    q: InboxQuery,
) -> Result<InboxPage> {
    if q.limit < 1 {
        return Err(Error::validation("limit", "must be 1 or more"));
    }
    let limit = q.limit.min(MAX_LIMIT);
    let filter = ConversationFilter {
        unread: q.unread,
        state: q.state,
        assignee_id: q.assigned_to_me.then(|| reader.clone()),
        channel: q.channel,
        after: q.after.clone().map(|c| (c.last_activity_at, c.id)),
    };
    let first_page = q.after.is_none();
    let (business_id, reader) = (business_id.clone(), reader.clone());
    let (items, unread) = db
        .run(move |conn| {
            check_reader(conn, &business_id, &reader)?;
            let items = queries::list(conn, &business_id, &reader, &filter, limit)?;
            let unread = if first_page {
                Some(queries::count_unread(conn, &business_id, &reader)?)
            } else {
                None
            };
            Ok((items, unread))
        })
        .await?;
    let next_cursor = match items.last() {
        Some(last) if items.len() as i64 == limit => Some(InboxCursor::after(last)),
        _ => None,
    };
    Ok(InboxPage {
        limit,
        items,
        next_cursor,
        unread_conversations: unread,
    })
}

/// A conversation and what was said in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Thread {
    pub conversation: Conversation,
    /// WhatsApp: the latest [`THREAD_MESSAGES`] messages, oldest first.
    pub messages: Vec<WhatsAppMessage>,
    /// A call conversation's call and its answered turns.
    pub call: Option<Call>,
    pub turns: Vec<CallTurn>,
}

/// The conversation `id` of `business_id` with its messages or call, as `reader` sees it (it is
/// not marked read: that is [`mark_read`]). Another business's is [`Error::NotFound`].
pub async fn get(
    db: &Db,
    business_id: &BusinessId,
    reader: &UserId,
    id: &ConversationId,
) -> Result<Thread> {
    let (business_id, reader, id) = (business_id.clone(), reader.clone(), id.clone());
    db.run(move |conn| {
        check_reader(conn, &business_id, &reader)?;
        let conversation = queries::find_for(conn, &business_id, &reader, &id)?
            .ok_or(Error::NotFound("conversation"))?;
        let (messages, call, turns) = match conversation.row.channel {
            AgentChannel::Whatsapp => (
                queries::thread_messages(conn, &conversation.row, THREAD_MESSAGES)?,
                None,
                vec![],
            ),
            AgentChannel::Call => match &conversation.row.call_id {
                Some(call_id) => match calls::queries::find(conn, &business_id, call_id)? {
                    Some(call) => {
                        let turns = calls::turns(conn, &call, THREAD_TURNS)?;
                        (vec![], Some(call), turns)
                    }
                    None => (vec![], None, vec![]),
                },
                None => (vec![], None, vec![]),
            },
        };
        Ok(Thread {
            conversation,
            messages,
            call,
            turns,
        })
    })
    .await
}

/// A change of a conversation by staff: `None` leaves a field as it is; `Some(None)` unassigns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationPatch {
    /// A staff member of the same business.
    pub assignee_id: Option<Option<UserId>>,
    pub state: Option<ConversationState>,
}

/// Applies `patch` to the conversation `id` of `business_id` (by `reader`, whose view is
/// returned). Moving a WhatsApp conversation into or out of "waiting for a human" moves the
/// agent with it; a change writes `conversation.updated`.
pub async fn update(
    db: &Db,
    business_id: &BusinessId,
    reader: &UserId,
    id: &ConversationId,
    patch: ConversationPatch,
) -> Result<Conversation> {
    let (business_id, reader, id) = (business_id.clone(), reader.clone(), id.clone());
    let (conversation, changed) = db
        .transaction(move |conn| {
            check_reader(conn, &business_id, &reader)?;
            let mut row =
                queries::find(conn, &business_id, &id)?.ok_or(Error::NotFound("conversation"))?;
            let before = row.clone();
            if let Some(assignee_id) = patch.assignee_id {
                if let Some(a) = &assignee_id
                    && !is_user_of(conn, &business_id, a)?
                {
                    return Err(Error::validation(
                        "assignee_id",
                        "no such user in this business",
                    ));
                }
                row.assignee_id = assignee_id;
            }
            if let Some(state) = patch.state {
                row.state = state;
            }
            let changed = row != before;
            if changed {
                row.updated_at = time::now();
                queries::save(conn, &row)?;
                if row.state != before.state
                    && row.channel == AgentChannel::Whatsapp
                    && let Some(customer_id) = &row.customer_id
                {
                    agent::follow_inbox(
                        conn,
                        &business_id,
                        customer_id,
                        row.state == ConversationState::WaitingForHuman,
                    )?;
                }
                outbox::enqueue(conn, &event(&row, false))?;
            }
            let conversation = queries::find_for(conn, &business_id, &reader, &id)?
                .ok_or(Error::NotFound("conversation"))?;
            Ok((conversation, changed))
        })
        .await?;
    if changed {
        db.poke_outbox();
    }
    Ok(conversation)
}

/// `reader` has read the conversation `id` of `business_id` up to now: their unread count of it
/// is 0 until something new comes in. Returns the conversation as they now see it.
pub async fn mark_read(
    db: &Db,
    business_id: &BusinessId,
    reader: &UserId,
    id: &ConversationId,
) -> Result<Conversation> {
    let (business_id, reader, id) = (business_id.clone(), reader.clone(), id.clone());
    db.transaction(move |conn| {
        check_reader(conn, &business_id, &reader)?;
        let row = queries::find(conn, &business_id, &id)?.ok_or(Error::NotFound("conversation"))?;
        queries::mark_read(conn, &reader, &row, time::now())?;
        queries::find_for(conn, &business_id, &reader, &id)?.ok_or(Error::NotFound("conversation"))
    })
    .await
}

/// The reader must be a staff member of the business (read state and "assigned to me" are theirs).
fn check_reader(conn: &mut DbConn, business_id: &BusinessId, reader: &UserId) -> Result<()> {
    if is_user_of(conn, business_id, reader)? {
        Ok(())
    } else {
        Err(Error::NotFound("user"))
    }
}

/// Files the WhatsApp message `m` (just stored) into its conversation, creating that on the
/// first message: the newer activity becomes the preview, an inbound message counts as unread
/// and reopens a conversation marked done. On a connection inside the message's transaction
/// (call [`Db::poke_outbox`] after the commit).
pub fn record_whatsapp(conn: &mut DbConn, m: &WhatsAppMessage) -> Result<()> {
    let row = file_whatsapp(conn, m)?;
    outbox::enqueue(conn, &event(&row, m.direction != "outbound"))
}

/// [`record_whatsapp`] without the event (the demo's seeded history announces nothing).
pub fn file_whatsapp(conn: &mut DbConn, m: &WhatsAppMessage) -> Result<ConversationRow> {
    let inbound = m.direction != "outbound";
    let counterpart = if inbound {
        &m.from_number
    } else {
        &m.to_number
    };
    let thread_key = match &m.customer_id {
        Some(c) => c.to_string(),
        None => counterpart.clone(),
    };
    let activity = Activity {
        at: m.created_at,
        preview: cut(&m.body),
        direction: m.direction.clone(),
        inbound,
    };
    let row =
        match queries::find_by_thread(conn, &m.business_id, AgentChannel::Whatsapp, &thread_key)? {
            Some(mut row) => {
                if row.customer_id.is_none() {
                    row.customer_id = m.customer_id.clone();
                }
                activity.apply(&mut row);
                row.updated_at = time::now();
                queries::save(conn, &row)?;
                row
            }
            None => {
                let row = new_row(
                    &m.business_id,
                    AgentChannel::Whatsapp,
                    thread_key,
                    m.customer_id.clone(),
                    None,
                    counterpart.clone(),
                    &activity,
                );
                queries::insert(conn, &row)?;
                row
            }
        };
    Ok(row)
}

/// Files the call `call` (just inserted or updated) as its conversation, at `at` (when the event
/// happened): created with the call (an inbound call counts as one unread item), then kept at the
/// call's latest activity, its preview the last transcribed line (or what kind of call it was).
/// On a connection inside the call's transaction (call [`Db::poke_outbox`] after the commit).
pub fn record_call(conn: &mut DbConn, call: &Call, at: NaiveDateTime) -> Result<()> {
    match file_call(conn, call, at)? {
        Some((row, new_inbound)) => outbox::enqueue(conn, &event(&row, new_inbound)),
        None => Ok(()),
    }
}

/// [`record_call`] without the event: the conversation if it changed, and whether it is a new
/// inbound call.
pub fn file_call(
    conn: &mut DbConn,
    call: &Call,
    at: NaiveDateTime,
) -> Result<Option<(ConversationRow, bool)>> {
    let inbound = !call.direction.starts_with("outbound");
    let activity = Activity {
        at,
        preview: call_preview(call, inbound),
        direction: if inbound { "inbound" } else { "outbound" }.to_owned(),
        inbound: false,
    };
    let thread_key = call.id.to_string();
    match queries::find_by_thread(conn, &call.business_id, AgentChannel::Call, &thread_key)? {
        Some(mut row) => {
            let before = row.clone();
            row.customer_id = call.customer_id.clone();
            activity.apply(&mut row);
            // The call's preview is always its latest state, whatever the event's time.
            row.last_preview = activity.preview;
            if row == before {
                return Ok(None);
            }
            row.updated_at = time::now();
            queries::save(conn, &row)?;
            Ok(Some((row, false)))
        }
        None => {
            let counterpart = if inbound {
                &call.from_number
            } else {
                &call.to_number
            };
            let mut row = new_row(
                &call.business_id,
                AgentChannel::Call,
                thread_key,
                call.customer_id.clone(),
                Some(call.id.clone()),
                counterpart.clone(),
                &activity,
            );
            row.inbound_count = i64::from(inbound);
            queries::insert(conn, &row)?;
            Ok(Some((row, inbound)))
        }
    }
}

/// The agent's "waiting for a person" in the WhatsApp conversation of `customer_id` changed to
/// `waiting` (its `hand_off`, or staff pausing or resuming it): the inbox conversation follows —
/// waiting, or back to open when it was waiting. No conversation yet: nothing to move.
pub fn follow_agent(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    waiting: bool,
) -> Result<()> {
    let Some(mut row) = queries::find_by_thread(
        conn,
        business_id,
        AgentChannel::Whatsapp,
        customer_id.as_str(),
    )?
    else {
        return Ok(());
    };
    let state = match (waiting, row.state) {
        (true, _) => ConversationState::WaitingForHuman,
        (false, ConversationState::WaitingForHuman) => ConversationState::Open,
        (false, other) => other,
    };
    if state == row.state {
        return Ok(());
    }
    row.state = state;
    row.updated_at = time::now();
    queries::save(conn, &row)?;
    outbox::enqueue(conn, &event(&row, false))
}

/// New activity in a conversation.
struct Activity {
    at: NaiveDateTime,
    preview: String,
    direction: String,
    /// Counts as one unread item.
    inbound: bool,
}

impl Activity {
    /// Moves `row` to this activity: newer activity becomes its last one (older, e.g. history
    /// synced late, only counts); inbound reopens a conversation marked done.
    fn apply(&self, row: &mut ConversationRow) {
        if self.at >= row.last_activity_at {
            row.last_activity_at = self.at;
            row.last_preview = self.preview.clone();
            row.last_direction = self.direction.clone();
        }
        if self.inbound {
            row.inbound_count += 1;
            if row.state == ConversationState::Done {
                row.state = ConversationState::Open;
            }
        }
    }
}

fn new_row(
    business_id: &BusinessId,
    channel: AgentChannel,
    thread_key: String,
    customer_id: Option<CustomerId>,
    call_id: Option<crate::ids::CallId>,
    counterpart: String,
    activity: &Activity,
) -> ConversationRow {
    let now = time::now();
    ConversationRow {
        id: ConversationId::generate(),
        business_id: business_id.clone(),
        channel,
        thread_key,
        customer_id,
        call_id,
        counterpart,
        state: ConversationState::Open,
        assignee_id: None,
        last_activity_at: activity.at,
        last_preview: activity.preview.clone(),
        last_direction: activity.direction.clone(),
        inbound_count: i64::from(activity.inbound),
        created_at: now,
        updated_at: now,
    }
}

/// What an inbox row says of a call: its last transcribed line, else what kind of call it was.
pub fn call_preview(call: &Call, inbound: bool) -> String {
    if let Some(line) = call
        .transcript
        .as_deref()
        .and_then(|t| t.lines().rev().find(|l| !l.trim().is_empty()))
    {
        return cut(line);
    }
    let missed = matches!(
        call.status.as_str(),
        "no-answer" | "busy" | "failed" | "canceled"
    );
    match (missed, inbound) {
        (true, _) => strings::CALL_PREVIEW_MISSED,
        (false, true) => strings::CALL_PREVIEW_INBOUND,
        (false, false) => strings::CALL_PREVIEW_OUTBOUND,
    }
    .to_owned()
}

/// `text` trimmed and cut to [`PREVIEW_CHARS`] characters (with an ellipsis when cut).
fn cut(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= PREVIEW_CHARS {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(PREVIEW_CHARS - 1).collect();
    s.push('…');
    s
}

/// The `conversation.updated` event of `row`; `inbound`: the change is something new to read.
pub fn event(row: &ConversationRow, inbound: bool) -> Event {
    let mut event = new_event(
        row.business_id.as_str(),
        Payload::Conversation(ConversationEvent {
            kind: ConversationEventKind::Updated as i32,
            conversation_id: row.id.to_string(),
            customer_id: row
                .customer_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            channel: row.channel.to_string(),
            state: row.state.to_string(),
            assignee_id: row
                .assignee_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            inbound,
        }),
    );
    event.occurred_at = Some(to_timestamp(time::to_utc(row.updated_at)));
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{enums::TranscriptStatus, ids::CallId};
    use agentlocator_proto::subject_for;

    fn call(status: &str, transcript: Option<&str>) -> Call {
        let now = time::now();
        Call {
            id: CallId::from("c1"),
            business_id: BusinessId::from("b1"),
            twilio_sid: "CA1".into(),
            customer_id: None,
            direction: "inbound".into(),
            from_number: "+972501234567".into(),
            to_number: "+97231234567".into(),
            status: status.into(),
            started_at: now,
            ended_at: None,
            duration_seconds: 0,
            recording_url: None,
            transcript: transcript.map(Into::into),
            transcript_status: TranscriptStatus::None,
            ai_replies: "[]".into(),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_call_previews_its_last_line_or_its_kind() {
        assert_eq!(
            call_preview(&call("completed", Some("שלום\nאפשר תור?\n")), true),
            "אפשר תור?"
        );
        assert_eq!(
            call_preview(&call("no-answer", None), true),
            strings::CALL_PREVIEW_MISSED
        );
        assert_eq!(
            call_preview(&call("completed", None), false),
            strings::CALL_PREVIEW_OUTBOUND
        );
    }

    #[test]
    fn previews_are_cut_by_characters() {
        let long = "א".repeat(PREVIEW_CHARS + 5);
        let cut = cut(&long);
        assert_eq!(cut.chars().count(), PREVIEW_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn cursors_round_trip_and_reject_anything_else() {
        let c = InboxCursor {
            last_activity_at: time::now(),
            id: ConversationId::generate(),
        };
        assert_eq!(c.to_string().parse::<InboxCursor>().unwrap(), c);
        for bad in [
            "",
            "x",
            "2026-01-01T00:00:00Z|",
            "nope|abc",
            "2026-01-01T00:00:00Z|a;b",
        ] {
            assert!(
                matches!(
                    bad.parse::<InboxCursor>(),
                    Err(Error::Validation {
                        field: "cursor",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn older_activity_counts_but_does_not_become_the_preview() {
        let now = time::now();
        let mut row = new_row(
            &BusinessId::from("b1"),
            AgentChannel::Whatsapp,
            "k".into(),
            None,
            None,
            "972500000000".into(),
            &Activity {
                at: now,
                preview: "חדש".into(),
                direction: "outbound".into(),
                inbound: false,
            },
        );
        row.state = ConversationState::Done;
        Activity {
            at: now - chrono::Duration::minutes(5),
            preview: "ישן".into(),
            direction: "inbound".into(),
            inbound: true,
        }
        .apply(&mut row);
        assert_eq!(row.last_preview, "חדש");
        assert_eq!(row.inbound_count, 1);
        assert_eq!(row.state, ConversationState::Open);
        let e = event(&row, true);
        assert_eq!(subject_for(&e).unwrap(), "al.b1.conversation.updated");
    }
}
