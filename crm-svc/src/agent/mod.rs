//! The AI agent of a business: one definition per business (persona and instructions in Hebrew,
//! the actions it may take, its WhatsApp behaviour, where a call is handed off), the tools it
//! calls ([`tools`], scoped to the business and to the conversation's customer), the free slots it
//! offers ([`slots`]) and its state per conversation (paused by staff, waiting for a person).
//!
//! A business that never saved a definition has [`AgentDefinition::defaults`]. The knowledge Q&A
//! the agent answers from is the business's own (`businesses.knowledge_qa`), not a copy.

pub mod convert;
pub mod queries;
pub mod slots;
pub mod speech;
pub mod tools;
pub mod whatsapp;

use crate::{
    businesses::queries as business,
    customers::queries as customer,
    db::Db,
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    time,
};
use agentlocator_common::{agent_tools::ToolName, phone::normalize_il};
use chrono::NaiveDateTime;
use queries::{ConversationRow, DefinitionRow};

pub const MAX_PERSONA_CHARS: usize = 2_000;
pub const MAX_INSTRUCTIONS_CHARS: usize = 5_000;
pub const MAX_STAFF_SILENCE_MINUTES: i32 = 24 * 60;
pub const DEFAULT_STAFF_SILENCE_MINUTES: i32 = 30;
pub const APPOINTMENT_MINUTES: std::ops::RangeInclusive<i32> = 5..=480;
pub const DEFAULT_APPOINTMENT_MINUTES: i32 = 30;

/// A business's agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentDefinition {
    pub business_id: BusinessId,
    pub persona: String,
    pub instructions: String,
    /// The tools it may call, in [`ToolName::ALL`] order.
    pub allowed_actions: Vec<ToolName>,
    /// It answers WhatsApp messages (off until the business turns it on).
    pub whatsapp_agent_enabled: bool,
    /// Silent in a WhatsApp conversation staff wrote in within this many minutes.
    pub staff_silence_minutes: i32,
    /// E.164, or empty: a call is not dialled through, a message is taken.
    pub handoff_phone: String,
    pub appointment_minutes: i32,
    /// `None` while the business keeps the defaults.
    pub updated_at: Option<NaiveDateTime>,
}

impl AgentDefinition {
    /// What a business has before it saves its own: every tool allowed, the WhatsApp agent off.
    pub fn defaults(business_id: BusinessId) -> Self {
        AgentDefinition {
            business_id,
            persona: String::new(),
            instructions: String::new(),
            allowed_actions: ToolName::ALL.to_vec(),
            whatsapp_agent_enabled: false,
            staff_silence_minutes: DEFAULT_STAFF_SILENCE_MINUTES,
            handoff_phone: String::new(),
            appointment_minutes: DEFAULT_APPOINTMENT_MINUTES,
            updated_at: None,
        }
    }

    pub fn allows(&self, tool: ToolName) -> bool {
        self.allowed_actions.contains(&tool)
    }

    fn from_row(row: DefinitionRow) -> Result<Self> {
        let names: Vec<String> = serde_json::from_str(&row.allowed_actions).map_err(|e| {
            Error::Internal(format!(
                "agent of business {} has malformed allowed_actions: {e}",
                row.business_id
            ))
        })?;
        // A tool removed from the product since is dropped rather than failing every read.
        let allowed: Vec<ToolName> = names.iter().filter_map(|n| ToolName::parse(n)).collect();
        Ok(AgentDefinition {
            business_id: row.business_id,
            persona: row.persona,
            instructions: row.instructions,
            allowed_actions: sorted(allowed),
            whatsapp_agent_enabled: row.whatsapp_agent_enabled,
            staff_silence_minutes: row.staff_silence_minutes,
            handoff_phone: row.handoff_phone,
            appointment_minutes: row.appointment_minutes,
            updated_at: Some(row.updated_at),
        })
    }
}

fn sorted(mut tools: Vec<ToolName>) -> Vec<ToolName> {
    tools.sort();
    tools.dedup();
    tools
}

/// A definition to save (every field is the new value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionInput {
    pub persona: String,
    pub instructions: String,
    /// Tool names; an unknown one is a validation error on `allowed_actions`.
    pub allowed_actions: Vec<String>,
    pub whatsapp_agent_enabled: bool,
    pub staff_silence_minutes: i32,
    /// Any Israeli format, or empty.
    pub handoff_phone: String,
    pub appointment_minutes: i32,
}

/// The agent of `business_id` (the defaults when it saved none); an unknown business is
/// [`Error::NotFound`].
pub async fn get(db: &Db, business_id: &BusinessId) -> Result<AgentDefinition> {
    let business_id = business_id.clone();
    db.run(move |conn| {
        if !business::exists(conn, &business_id)? {
            return Err(Error::NotFound("business"));
        }
        load(conn, &business_id)
    })
    .await
}

/// The definition of `business_id` on `conn` (the defaults when it saved none).
pub fn load(conn: &mut crate::DbConn, business_id: &BusinessId) -> Result<AgentDefinition> {
    match queries::find_definition(conn, business_id)? {
        Some(row) => AgentDefinition::from_row(row),
        None => Ok(AgentDefinition::defaults(business_id.clone())),
    }
}

/// Validates `input` and saves it as the agent of `business_id`; an invalid field is
/// [`Error::Validation`] naming it and nothing is saved.
pub async fn put(
    db: &Db,
    business_id: &BusinessId,
    input: DefinitionInput,
) -> Result<AgentDefinition> {
    let persona = input.persona.trim().to_owned();
    if persona.chars().count() > MAX_PERSONA_CHARS {
        return Err(Error::validation(
            "persona",
            format!("is longer than {MAX_PERSONA_CHARS} characters"),
        ));
    }
    let instructions = input.instructions.trim().to_owned();
    if instructions.chars().count() > MAX_INSTRUCTIONS_CHARS {
        return Err(Error::validation(
            "instructions",
            format!("is longer than {MAX_INSTRUCTIONS_CHARS} characters"),
        ));
    }
    let mut allowed = Vec::with_capacity(input.allowed_actions.len());
    for name in &input.allowed_actions {
        let tool = ToolName::parse(name.trim()).ok_or_else(|| {
            Error::validation(
                "allowed_actions",
                format!(
                    "unknown action {name:?}; the actions are {}",
                    ToolName::ALL.map(ToolName::as_str).join(", ")
                ),
            )
        })?;
        allowed.push(tool);
    }
    let allowed = sorted(allowed);
    if !(0..=MAX_STAFF_SILENCE_MINUTES).contains(&input.staff_silence_minutes) {
        return Err(Error::validation(
            "staff_silence_minutes",
            format!("must be from 0 to {MAX_STAFF_SILENCE_MINUTES}"),
        ));
    }
    if !APPOINTMENT_MINUTES.contains(&input.appointment_minutes) {
        return Err(Error::validation(
            "appointment_minutes",
            format!(
                "must be from {} to {}",
                APPOINTMENT_MINUTES.start(),
                APPOINTMENT_MINUTES.end()
            ),
        ));
    }
    let handoff_phone = match input.handoff_phone.trim() {
        "" => String::new(),
        n => normalize_il(n).map_err(|e| {
            Error::validation(
                "handoff_phone",
                format!("{n:?} is not a phone number ({e}); write it as 050-1234567"),
            )
        })?,
    };
    let row = DefinitionRow {
        business_id: business_id.clone(),
        persona,
        instructions,
        allowed_actions: serde_json::to_string(
            &allowed.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        )
        .map_err(|e| Error::Internal(format!("allowed_actions JSON: {e}")))?,
        whatsapp_agent_enabled: input.whatsapp_agent_enabled,
        staff_silence_minutes: input.staff_silence_minutes,
        handoff_phone,
        appointment_minutes: input.appointment_minutes,
        updated_at: time::now(),
    };
    db.transaction(move |conn| {
        if !business::exists(conn, &row.business_id)? {
            return Err(Error::NotFound("business"));
        }
        queries::save_definition(conn, &row)?;
        AgentDefinition::from_row(row)
    })
    .await
}

/// The agent's state in one customer's conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationState {
    pub business_id: BusinessId,
    pub customer_id: CustomerId,
    pub paused: bool,
    pub waiting_for_human: bool,
}

impl ConversationState {
    /// Whether the agent may answer here.
    pub fn agent_may_answer(&self) -> bool {
        !self.paused && !self.waiting_for_human
    }
}

fn state_on(
    conn: &mut crate::DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<ConversationState> {
    if customer::find(conn, business_id, customer_id)?.is_none() {
        return Err(Error::NotFound("customer"));
    }
    let row = queries::find_conversation(conn, business_id, customer_id)?;
    Ok(ConversationState {
        business_id: business_id.clone(),
        customer_id: customer_id.clone(),
        paused: row.as_ref().is_some_and(|r| r.paused),
        waiting_for_human: row.is_some_and(|r| r.waiting_for_human),
    })
}

/// The agent's state in the conversation of customer `customer_id` of `business_id` (another
/// business's customer is [`Error::NotFound`]).
pub async fn conversation(
    db: &Db,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<ConversationState> {
    let (business_id, customer_id) = (business_id.clone(), customer_id.clone());
    db.run(move |conn| state_on(conn, &business_id, &customer_id))
        .await
}

/// Staff pause (`true`) or resume (`false`) the agent in a customer's conversation; resuming
/// also ends waiting for a person.
pub async fn set_paused(
    db: &Db,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    paused: bool,
) -> Result<ConversationState> {
    let (business_id, customer_id) = (business_id.clone(), customer_id.clone());
    db.transaction(move |conn| {
        let mut state = state_on(conn, &business_id, &customer_id)?;
        state.paused = paused;
        if !paused {
            state.waiting_for_human = false;
        }
        save_state(conn, &state)?;
        Ok(state)
    })
    .await
}

/// Saves the agent's state in a conversation; the inbox conversation follows its "waiting for a
/// person" ([`crate::conversations::follow_agent`]).
fn save_state(conn: &mut crate::DbConn, state: &ConversationState) -> Result<()> {
    save_row(conn, state)?;
    crate::conversations::follow_agent(
        conn,
        &state.business_id,
        &state.customer_id,
        state.waiting_for_human,
    )
}

/// Staff moved the inbox conversation of `customer_id` into (`waiting`) or out of "waiting for a
/// human": the agent follows, silent while a person is needed. On the inbox change's connection.
pub(crate) fn follow_inbox(
    conn: &mut crate::DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    waiting: bool,
) -> Result<()> {
    let mut state = state_on(conn, business_id, customer_id)?;
    if state.waiting_for_human == waiting {
        return Ok(());
    }
    state.waiting_for_human = waiting;
    save_row(conn, &state)
}

fn save_row(conn: &mut crate::DbConn, state: &ConversationState) -> Result<()> {
    queries::save_conversation(
        conn,
        &ConversationRow {
            business_id: state.business_id.clone(),
            customer_id: state.customer_id.clone(),
            paused: state.paused,
            waiting_for_human: state.waiting_for_human,
            updated_at: time::now(),
        },
    )
}
