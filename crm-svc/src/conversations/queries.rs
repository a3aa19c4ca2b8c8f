use crate::{
    db::{DbConn, with_backend},
    enums::{AgentChannel, ConversationState},
    error::Result,
    ids::{BusinessId, CallId, ConversationId, CustomerId, UserId},
    schema::{calls, conversation_reads, conversations, customers, whatsapp_messages},
    whatsapp::WhatsAppMessage,
};
use chrono::NaiveDateTime;
use diesel::{
    dsl::sql,
    prelude::*,
    sql_types::{BigInt, Bool, Text, Timestamp},
};

/// One inbox conversation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = conversations)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub business_id: BusinessId,
    pub channel: AgentChannel,
    /// WhatsApp: the customer's id, else the counterpart's number; a call: the call's id.
    pub thread_key: String,
    pub customer_id: Option<CustomerId>,
    pub call_id: Option<CallId>,
    pub counterpart: String,
    pub state: ConversationState,
    pub assignee_id: Option<UserId>,
    pub last_activity_at: NaiveDateTime,
    pub last_preview: String,
    /// `inbound` or `outbound`.
    pub last_direction: String,
    /// Inbound items so far; a reader's unread count is this minus what they had seen.
    pub inbound_count: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A conversation as one user sees it in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub row: ConversationRow,
    pub customer_name: Option<String>,
    pub call_sid: Option<String>,
    /// Inbound items this user has not read.
    pub unread_count: i64,
}

/// What an inbox page is narrowed to (all AND-ed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationFilter {
    /// Only those with something the reader has not read.
    pub unread: bool,
    pub state: Option<ConversationState>,
    pub assignee_id: Option<UserId>,
    pub channel: Option<AgentChannel>,
    /// Keyset position: only conversations after `(last_activity_at, id)` in inbox order.
    pub after: Option<(NaiveDateTime, ConversationId)>,
}

/// `conversations.inbound_count - COALESCE(conversation_reads.inbound_seen, 0)` for the joined
/// reader (the same SQL on both backends).
const UNREAD_SQL: &str =
    "conversations.inbound_count - COALESCE(conversation_reads.inbound_seen, 0)";

type Item = (ConversationRow, Option<String>, Option<String>, i64);

/// The conversations of `business_id` matching `filter`, newest activity first (`last_activity_at
/// DESC, id DESC`), at most `limit`, with `reader`'s unread counts.
pub fn list(
    conn: &mut DbConn,
    business_id: &BusinessId,
    reader: &UserId,
    filter: &ConversationFilter,
    limit: i64,
) -> Result<Vec<Conversation>> {
    let mut query = conversations::table
        .left_join(customers::table.on(customers::id.nullable().eq(conversations::customer_id)))
        .left_join(calls::table.on(calls::id.nullable().eq(conversations::call_id)))
        .left_join(
            conversation_reads::table.on(conversation_reads::conversation_id
                .eq(conversations::id)
                .and(conversation_reads::user_id.eq(reader))),
        )
        .filter(conversations::business_id.eq(business_id))
        .into_boxed();
    if filter.unread {
        query = query.filter(sql::<Bool>(
            "conversations.inbound_count > COALESCE(conversation_reads.inbound_seen, 0)",
        ));
    }
    if let Some(state) = filter.state {
        query = query.filter(conversations::state.eq(state));
    }
    if let Some(assignee_id) = &filter.assignee_id {
        query = query.filter(conversations::assignee_id.eq(assignee_id));
    }
    if let Some(channel) = filter.channel {
        query = query.filter(conversations::channel.eq(channel));
    }
    if let Some((at, id)) = &filter.after {
        // A row-value comparison: one range of the (business_id, last_activity_at, id) index on
        // both backends, where the equivalent OR is read from the top of the list.
        query = query.filter(
            sql::<Bool>("(conversations.last_activity_at, conversations.id) < (")
                .bind::<Timestamp, _>(*at)
                .sql(", ")
                .bind::<Text, _>(id.as_str().to_owned())
                .sql(")"),
        );
    }
    let rows: Vec<Item> = query
        .order((
            conversations::last_activity_at.desc(),
            conversations::id.desc(),
        ))
        .limit(limit)
        .select((
            ConversationRow::as_select(),
            customers::name.nullable(),
            calls::twilio_sid.nullable(),
            sql::<BigInt>(UNREAD_SQL),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(item).collect())
}

fn item((row, customer_name, call_sid, unread): Item) -> Conversation {
    Conversation {
        row,
        customer_name,
        call_sid,
        unread_count: unread.max(0),
    }
}

/// Most unread conversations [`count_unread`] counts: a page title says "99+" beyond, and the
/// count stays as cheap as a page however large the inbox.
pub const MAX_UNREAD_COUNT: i64 = 100;

/// How many conversations of `business_id` have something `reader` has not read, up to
/// [`MAX_UNREAD_COUNT`] (the newest ones are looked at first).
pub fn count_unread(conn: &mut DbConn, business_id: &BusinessId, reader: &UserId) -> Result<i64> {
    let ids: Vec<ConversationId> = conversations::table
        .left_join(
            conversation_reads::table.on(conversation_reads::conversation_id
                .eq(conversations::id)
                .and(conversation_reads::user_id.eq(reader))),
        )
        .filter(conversations::business_id.eq(business_id))
        .filter(sql::<Bool>(
            "conversations.inbound_count > COALESCE(conversation_reads.inbound_seen, 0)",
        ))
        .order((
            conversations::last_activity_at.desc(),
            conversations::id.desc(),
        ))
        .limit(MAX_UNREAD_COUNT)
        .select(conversations::id)
        .load(conn)?;
    Ok(ids.len() as i64)
}

/// The conversation `id` of `business_id` as `reader` sees it; another business's is `None`.
pub fn find_for(
    conn: &mut DbConn,
    business_id: &BusinessId,
    reader: &UserId,
    id: &ConversationId,
) -> Result<Option<Conversation>> {
    let row: Option<Item> = conversations::table
        .left_join(customers::table.on(customers::id.nullable().eq(conversations::customer_id)))
        .left_join(calls::table.on(calls::id.nullable().eq(conversations::call_id)))
        .left_join(
            conversation_reads::table.on(conversation_reads::conversation_id
                .eq(conversations::id)
                .and(conversation_reads::user_id.eq(reader))),
        )
        .filter(conversations::business_id.eq(business_id))
        .filter(conversations::id.eq(id))
        .select((
            ConversationRow::as_select(),
            customers::name.nullable(),
            calls::twilio_sid.nullable(),
            sql::<BigInt>(UNREAD_SQL),
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(item))
}

/// The conversation `id` of `business_id`; another business's is `None`.
pub fn find(
    conn: &mut DbConn,
    business_id: &BusinessId,
    id: &ConversationId,
) -> Result<Option<ConversationRow>> {
    Ok(conversations::table
        .filter(conversations::business_id.eq(business_id))
        .filter(conversations::id.eq(id))
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()?)
}

/// The conversation of `business_id` on `channel` with `thread_key`, if there is one.
pub fn find_by_thread(
    conn: &mut DbConn,
    business_id: &BusinessId,
    channel: AgentChannel,
    thread_key: &str,
) -> Result<Option<ConversationRow>> {
    Ok(conversations::table
        .filter(conversations::business_id.eq(business_id))
        .filter(conversations::channel.eq(channel))
        .filter(conversations::thread_key.eq(thread_key))
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, row: &ConversationRow) -> Result<()> {
    diesel::insert_into(conversations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Writes the changing columns of `row` (matched by id and business).
pub fn save(conn: &mut DbConn, row: &ConversationRow) -> Result<usize> {
    Ok(diesel::update(
        conversations::table
            .filter(conversations::id.eq(&row.id))
            .filter(conversations::business_id.eq(&row.business_id)),
    )
    .set((
        conversations::customer_id.eq(&row.customer_id),
        conversations::counterpart.eq(&row.counterpart),
        conversations::state.eq(row.state),
        conversations::assignee_id.eq(&row.assignee_id),
        conversations::last_activity_at.eq(row.last_activity_at),
        conversations::last_preview.eq(&row.last_preview),
        conversations::last_direction.eq(&row.last_direction),
        conversations::inbound_count.eq(row.inbound_count),
        conversations::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?)
}

/// Records that `user_id` has read `row` up to now (its current inbound count).
pub fn mark_read(
    conn: &mut DbConn,
    user_id: &UserId,
    row: &ConversationRow,
    at: NaiveDateTime,
) -> Result<()> {
    let values = (
        conversation_reads::user_id.eq(user_id),
        conversation_reads::conversation_id.eq(&row.id),
        conversation_reads::last_read_at.eq(at),
        conversation_reads::inbound_seen.eq(row.inbound_count),
    );
    with_backend!(conn, |c| {
        diesel::insert_into(conversation_reads::table)
            .values(values)
            .on_conflict((
                conversation_reads::user_id,
                conversation_reads::conversation_id,
            ))
            .do_update()
            .set((
                conversation_reads::last_read_at.eq(at),
                conversation_reads::inbound_seen.eq(row.inbound_count),
            ))
            .execute(c)
    })?;
    Ok(())
}

/// The latest `limit` WhatsApp messages of the thread `row`, oldest first: the customer's, or
/// for a thread with no customer those to or from its number that have none.
pub fn thread_messages(
    conn: &mut DbConn,
    row: &ConversationRow,
    limit: i64,
) -> Result<Vec<WhatsAppMessage>> {
    let mut query = whatsapp_messages::table
        .filter(whatsapp_messages::business_id.eq(&row.business_id))
        .into_boxed();
    query = match &row.customer_id {
        Some(customer_id) => query.filter(whatsapp_messages::customer_id.eq(customer_id)),
        None => query
            .filter(whatsapp_messages::customer_id.is_null())
            .filter(
                whatsapp_messages::from_number
                    .eq(&row.counterpart)
                    .or(whatsapp_messages::to_number.eq(&row.counterpart)),
            ),
    };
    let mut messages = query
        .order((
            whatsapp_messages::created_at.desc(),
            whatsapp_messages::id.desc(),
        ))
        .limit(limit)
        .select(WhatsAppMessage::as_select())
        .load(conn)?;
    messages.reverse();
    Ok(messages)
}
