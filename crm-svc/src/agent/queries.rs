//! The agent's tables: its definition per business, what it did, its state per conversation.

use crate::{
    db::{DbConn, with_backend},
    enums::AgentChannel,
    error::Result,
    ids::{AgentActionId, BusinessId, CustomerId},
    schema::{
        agent_actions, agent_conversations, agent_definitions, agent_sent_messages, agent_turns,
    },
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A business's agent definition as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = agent_definitions)]
pub struct DefinitionRow {
    pub business_id: BusinessId,
    pub persona: String,
    pub instructions: String,
    /// JSON array of tool names.
    pub allowed_actions: String,
    pub whatsapp_agent_enabled: bool,
    pub staff_silence_minutes: i32,
    pub handoff_phone: String,
    pub appointment_minutes: i32,
    pub updated_at: NaiveDateTime,
}

pub fn find_definition(
    conn: &mut DbConn,
    business_id: &BusinessId,
) -> Result<Option<DefinitionRow>> {
    Ok(agent_definitions::table
        .find(business_id)
        .select(DefinitionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Writes `row`, replacing the business's definition if it has one.
pub fn save_definition(conn: &mut DbConn, row: &DefinitionRow) -> Result<()> {
    with_backend!(conn, |c| {
        diesel::insert_into(agent_definitions::table)
            .values(row)
            .on_conflict(agent_definitions::business_id)
            .do_update()
            .set((
                agent_definitions::persona.eq(&row.persona),
                agent_definitions::instructions.eq(&row.instructions),
                agent_definitions::allowed_actions.eq(&row.allowed_actions),
                agent_definitions::whatsapp_agent_enabled.eq(row.whatsapp_agent_enabled),
                agent_definitions::staff_silence_minutes.eq(row.staff_silence_minutes),
                agent_definitions::handoff_phone.eq(&row.handoff_phone),
                agent_definitions::appointment_minutes.eq(row.appointment_minutes),
                agent_definitions::updated_at.eq(row.updated_at),
            ))
            .execute(c)
    })?;
    Ok(())
}

/// Something the agent did: shown on the customer's timeline as done by the agent, with the turn
/// that caused it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = agent_actions)]
pub struct AgentAction {
    pub id: AgentActionId,
    pub business_id: BusinessId,
    pub customer_id: Option<CustomerId>,
    pub channel: AgentChannel,
    pub conversation_ref: String,
    pub turn_ref: String,
    pub turn_text: String,
    pub tool_call_id: String,
    pub tool: String,
    /// JSON object: the arguments as validated.
    #[serde(serialize_with = "crate::text::json_text")]
    pub arguments: String,
    /// JSON object: what the tool answered the model.
    #[serde(serialize_with = "crate::text::json_text")]
    pub result: String,
    /// Hebrew, for staff.
    pub summary: String,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
}

pub fn insert_action(conn: &mut DbConn, action: &AgentAction) -> Result<()> {
    diesel::insert_into(agent_actions::table)
        .values(action)
        .execute(conn)?;
    Ok(())
}

/// The action of tool call `tool_call_id` in conversation `conversation_ref`, if it ran.
pub fn find_action_by_call(
    conn: &mut DbConn,
    business_id: &BusinessId,
    conversation_ref: &str,
    tool_call_id: &str,
) -> Result<Option<AgentAction>> {
    Ok(agent_actions::table
        .filter(agent_actions::business_id.eq(business_id))
        .filter(agent_actions::conversation_ref.eq(conversation_ref))
        .filter(agent_actions::tool_call_id.eq(tool_call_id))
        .select(AgentAction::as_select())
        .first(conn)
        .optional()?)
}

/// The agent's actions for a customer, newest first.
pub fn actions_of_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<AgentAction>> {
    Ok(agent_actions::table
        .filter(agent_actions::business_id.eq(business_id))
        .filter(agent_actions::customer_id.eq(customer_id))
        .order((agent_actions::created_at.desc(), agent_actions::id.desc()))
        .select(AgentAction::as_select())
        .load(conn)?)
}

/// The agent's state in one customer's conversation.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = agent_conversations)]
pub struct ConversationRow {
    pub business_id: BusinessId,
    pub customer_id: CustomerId,
    pub paused: bool,
    pub waiting_for_human: bool,
    pub updated_at: NaiveDateTime,
}

pub fn find_conversation(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Option<ConversationRow>> {
    Ok(agent_conversations::table
        .find((business_id, customer_id))
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Writes `row`, replacing the conversation's state if it has one.
pub fn save_conversation(conn: &mut DbConn, row: &ConversationRow) -> Result<()> {
    with_backend!(conn, |c| {
        diesel::insert_into(agent_conversations::table)
            .values(row)
            .on_conflict((
                agent_conversations::business_id,
                agent_conversations::customer_id,
            ))
            .do_update()
            .set((
                agent_conversations::paused.eq(row.paused),
                agent_conversations::waiting_for_human.eq(row.waiting_for_human),
                agent_conversations::updated_at.eq(row.updated_at),
            ))
            .execute(c)
    })?;
    Ok(())
}

/// The WhatsApp agent's burst in one conversation, as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = agent_turns)]
pub struct TurnRow {
    pub business_id: BusinessId,
    pub customer_id: CustomerId,
    /// The burst's newest inbound message (`whatsapp_messages.id`).
    pub last_message_id: String,
    /// When crm-svc stored it: the burst is quiet from then on.
    pub last_inbound_at: NaiveDateTime,
    /// Not answered (nor passed over in silence) yet.
    pub pending: bool,
    /// The claim's token while a scheduler works on it.
    pub claimed_by: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    /// Failed tries at this burst.
    pub attempts: i32,
    pub updated_at: NaiveDateTime,
}

/// A new inbound message in a conversation: its burst becomes pending with `message_id` as its
/// newest message, quiet from `at` (a claim held on an older burst stays, and is not answered).
pub fn touch_turn(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    message_id: &str,
    at: NaiveDateTime,
) -> Result<()> {
    let row = TurnRow {
        business_id: business_id.clone(),
        customer_id: customer_id.clone(),
        last_message_id: message_id.to_owned(),
        last_inbound_at: at,
        pending: true,
        claimed_by: None,
        lease_until: None,
        attempts: 0,
        updated_at: at,
    };
    with_backend!(conn, |c| {
        diesel::insert_into(agent_turns::table)
            .values(&row)
            .on_conflict((agent_turns::business_id, agent_turns::customer_id))
            .do_update()
            .set((
                agent_turns::last_message_id.eq(&row.last_message_id),
                agent_turns::last_inbound_at.eq(row.last_inbound_at),
                agent_turns::pending.eq(true),
                agent_turns::attempts.eq(0),
                agent_turns::updated_at.eq(row.updated_at),
            ))
            .execute(c)
    })?;
    Ok(())
}

/// The keys of pending turns quiet since `quiet_since` and not held by a live claim at `now`,
/// oldest first (a macro: the query is finished differently per backend).
macro_rules! due_turns {
    ($quiet_since:expr, $now:expr, $limit:expr) => {
        agent_turns::table
            .filter(agent_turns::pending.eq(true))
            .filter(agent_turns::last_inbound_at.le($quiet_since))
            .filter(
                agent_turns::lease_until
                    .is_null()
                    .or(agent_turns::lease_until.le($now)),
            )
            .select((agent_turns::business_id, agent_turns::customer_id))
            .order(agent_turns::last_inbound_at.asc())
            .limit($limit)
    };
}

/// Claims the due turns (see [`due_turns`]) for `token` until `lease_until`, inside the caller's
/// transaction: on PostgreSQL the rows are taken `FOR UPDATE SKIP LOCKED`, on SQLite the
/// transaction is the single writer. Returns the turns claimed.
pub fn claim_turns(
    conn: &mut DbConn,
    quiet_since: NaiveDateTime,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    token: &str,
    limit: i64,
) -> Result<Vec<TurnRow>> {
    let keys: Vec<(BusinessId, CustomerId)> = match conn {
        DbConn::Postgres(pg) => due_turns!(quiet_since, now, limit)
            .for_update()
            .skip_locked()
            .load(pg)?,
        DbConn::Sqlite(sqlite) => due_turns!(quiet_since, now, limit).load(sqlite)?,
    };
    let mut claimed = Vec::with_capacity(keys.len());
    for (business_id, customer_id) in keys {
        let target = agent_turns::table
            .find((&business_id, &customer_id))
            .filter(agent_turns::pending.eq(true))
            .filter(
                agent_turns::lease_until
                    .is_null()
                    .or(agent_turns::lease_until.le(now)),
            );
        let n = diesel::update(target)
            .set((
                agent_turns::claimed_by.eq(token),
                agent_turns::lease_until.eq(lease_until),
                agent_turns::updated_at.eq(now),
            ))
            .execute(conn)?;
        if n == 1 {
            claimed.push(find_turn(conn, &business_id, &customer_id)?.ok_or(
                crate::error::Error::Internal("a claimed agent turn vanished".into()),
            )?);
        }
    }
    Ok(claimed)
}

pub fn find_turn(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Option<TurnRow>> {
    Ok(agent_turns::table
        .find((business_id, customer_id))
        .select(TurnRow::as_select())
        .first(conn)
        .optional()?)
}

/// Locks the turn row for the rest of the transaction (PostgreSQL; SQLite has one writer).
pub fn lock_turn(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Option<TurnRow>> {
    match conn {
        DbConn::Postgres(pg) => Ok(agent_turns::table
            .find((business_id, customer_id))
            .select(TurnRow::as_select())
            .for_update()
            .first(pg)
            .optional()?),
        DbConn::Sqlite(_) => find_turn(conn, business_id, customer_id),
    }
}

/// Ends the claim `token` on a turn: `answered` marks its burst done (only while
/// `message_id` is still its newest message); otherwise the claim is let go, and the turn may be
/// taken again at `retry_at` (with one more failed attempt when `failed`); a turn `answered`
/// whose newest message is no longer `message_id` is let go like that too. Returns whether the
/// turn was answered or released as asked (false: the claim was lost, or a newer message came
/// in).
#[allow(clippy::too_many_arguments)]
pub fn release_turn(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    token: &str,
    message_id: &str,
    answered: bool,
    failed: bool,
    retry_at: Option<NaiveDateTime>,
) -> Result<bool> {
    let mine = || {
        agent_turns::table
            .find((business_id, customer_id))
            .filter(agent_turns::claimed_by.eq(token))
    };
    let now = time::now();
    if answered {
        let n = diesel::update(mine().filter(agent_turns::last_message_id.eq(message_id)))
            .set((
                agent_turns::pending.eq(false),
                agent_turns::claimed_by.eq(None::<String>),
                agent_turns::lease_until.eq(None::<NaiveDateTime>),
                agent_turns::attempts.eq(0),
                agent_turns::updated_at.eq(now),
            ))
            .execute(conn)?;
        if n == 1 {
            return Ok(true);
        }
        // A newer message came in: let go of the claim, the newer burst is answered later.
        diesel::update(mine())
            .set((
                agent_turns::claimed_by.eq(None::<String>),
                agent_turns::lease_until.eq(None::<NaiveDateTime>),
                agent_turns::updated_at.eq(now),
            ))
            .execute(conn)?;
        return Ok(false);
    }
    let n = {
        diesel::update(mine())
            .set((
                agent_turns::claimed_by.eq(None::<String>),
                agent_turns::lease_until.eq(retry_at),
                agent_turns::attempts.eq(agent_turns::attempts + i32::from(failed)),
                agent_turns::updated_at.eq(now),
            ))
            .execute(conn)?
    };
    Ok(n == 1)
}

/// Notes that the outbound message `provider_message_id` was the agent's action `action_id`.
pub fn record_sent_by_agent(
    conn: &mut DbConn,
    business_id: &BusinessId,
    provider_message_id: &str,
    action_id: &str,
) -> Result<()> {
    with_backend!(conn, |c| {
        diesel::insert_into(agent_sent_messages::table)
            .values((
                agent_sent_messages::business_id.eq(business_id),
                agent_sent_messages::provider_message_id.eq(provider_message_id),
                agent_sent_messages::action_id.eq(action_id),
                agent_sent_messages::created_at.eq(time::now()),
            ))
            .on_conflict_do_nothing()
            .execute(c)
    })?;
    Ok(())
}

/// Whether staff wrote to the customer since `since`: an outbound message the agent did not send.
pub fn staff_wrote_since(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    since: NaiveDateTime,
) -> Result<bool> {
    use crate::schema::whatsapp_messages as m;
    let by_agent = agent_sent_messages::table
        .filter(agent_sent_messages::business_id.eq(business_id))
        .select(agent_sent_messages::provider_message_id);
    let n: i64 = m::table
        .filter(m::business_id.eq(business_id))
        .filter(m::customer_id.eq(customer_id))
        .filter(m::direction.eq("outbound"))
        .filter(m::created_at.ge(since))
        .filter(m::provider_message_id.ne_all(by_agent))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// When the pending turns went quiet and until when they are leased, the oldest first.
pub fn pending_turn_times(
    conn: &mut DbConn,
    limit: i64,
) -> Result<Vec<(NaiveDateTime, Option<NaiveDateTime>)>> {
    Ok(agent_turns::table
        .filter(agent_turns::pending.eq(true))
        .order(agent_turns::last_inbound_at.asc())
        .limit(limit)
        .select((agent_turns::last_inbound_at, agent_turns::lease_until))
        .load(conn)?)
}
