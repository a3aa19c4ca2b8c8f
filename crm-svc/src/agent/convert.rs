//! The agent's proto messages ↔ domain types.

use super::{AgentDefinition, ConversationState, DefinitionInput, tools};
use crate::{
    convert::required,
    enums::AgentChannel,
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    time,
};
use agentlocator_proto::{to_timestamp, v1 as pb};

impl From<AgentDefinition> for pb::AgentDefinition {
    fn from(d: AgentDefinition) -> Self {
        pb::AgentDefinition {
            business_id: d.business_id.into(),
            persona: d.persona,
            instructions: d.instructions,
            allowed_actions: d
                .allowed_actions
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
            whatsapp_agent_enabled: d.whatsapp_agent_enabled,
            staff_silence_minutes: d.staff_silence_minutes,
            handoff_phone: d.handoff_phone,
            appointment_minutes: d.appointment_minutes,
            updated_at: d.updated_at.map(|t| to_timestamp(time::to_utc(t))),
        }
    }
}

/// A `PutAgentDefinition` request as domain arguments.
pub fn put_request(r: pb::PutAgentDefinitionRequest) -> Result<(BusinessId, DefinitionInput)> {
    let d = r
        .definition
        .ok_or_else(|| Error::validation("definition", "is required"))?;
    Ok((
        required("business_id", d.business_id)?,
        DefinitionInput {
            persona: d.persona,
            instructions: d.instructions,
            allowed_actions: d.allowed_actions,
            whatsapp_agent_enabled: d.whatsapp_agent_enabled,
            staff_silence_minutes: d.staff_silence_minutes,
            handoff_phone: d.handoff_phone,
            appointment_minutes: d.appointment_minutes,
        },
    ))
}

fn channel(value: i32) -> Result<AgentChannel> {
    match pb::AgentChannel::try_from(value) {
        Ok(pb::AgentChannel::Call) => Ok(AgentChannel::Call),
        Ok(pb::AgentChannel::Whatsapp) => Ok(AgentChannel::Whatsapp),
        _ => Err(Error::validation("channel", "must be call or whatsapp")),
    }
}

impl TryFrom<pb::RunAgentToolRequest> for tools::ToolRequest {
    type Error = Error;

    fn try_from(r: pb::RunAgentToolRequest) -> Result<Self> {
        let c = r
            .conversation
            .ok_or_else(|| Error::validation("conversation", "is required"))?;
        Ok(tools::ToolRequest {
            conversation: tools::Conversation {
                business_id: required("business_id", c.business_id)?,
                channel: channel(c.channel)?,
                customer_phone: c.customer_phone,
                conversation_ref: c.conversation_ref,
                turn_ref: c.turn_ref,
                turn_text: c.turn_text,
            },
            tool_call_id: r.tool_call_id,
            name: r.name,
            arguments: r.arguments_json,
        })
    }
}

impl From<tools::ToolOutcome> for pb::RunAgentToolResponse {
    fn from(o: tools::ToolOutcome) -> Self {
        pb::RunAgentToolResponse {
            ok: o.ok,
            result_json: o.result.to_string(),
            customer_id: o.customer_id.map(String::from).unwrap_or_default(),
            handoff_phone: o.handoff_phone.unwrap_or_default(),
            end_call: o.end_call,
        }
    }
}

impl From<ConversationState> for pb::AgentConversationState {
    fn from(s: ConversationState) -> Self {
        pb::AgentConversationState {
            business_id: s.business_id.into(),
            customer_id: s.customer_id.into(),
            paused: s.paused,
            waiting_for_human: s.waiting_for_human,
        }
    }
}

/// A business id and a customer id of a conversation request.
pub fn conversation_ids(
    business_id: String,
    customer_id: String,
) -> Result<(BusinessId, CustomerId)> {
    Ok((
        required("business_id", business_id)?,
        required("customer_id", customer_id)?,
    ))
}
