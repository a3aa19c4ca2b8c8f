//! The agent's tables: its definition per business, what it did, its state per conversation.

use crate::{
    db::{DbConn, with_backend},
    enums::AgentChannel,
    error::Result,
    ids::{AgentActionId, BusinessId, CustomerId},
    schema::{agent_actions, agent_conversations, agent_definitions},
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
