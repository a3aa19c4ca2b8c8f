//! crm-svc's side of the agent: the business's agent definition (`GetAgentDefinition`) and its
//! tools (`RunAgentTool`, scoped by crm-svc to the conversation's business and customer). The
//! address is `CRM_SVC_URL` (default `http://` + `CRM_SVC_GRPC_ADDR`), like every other client.

use crate::{
    error::{Error, Result},
    reply::agent::{
        AgentBackend, AgentProfile, CALL_BACK_CALL_ID, Channel, Conversation, ToolAnswer,
        ToolInvocation, ToolRunner,
    },
};
use agentlocator_common::{agent_tools::ToolName, grpc::TracedChannel};
use agentlocator_proto::v1::{self as pb, crm_service_client::CrmServiceClient};
use std::time::Duration;

pub type CrmClient = CrmServiceClient<TracedChannel>;

/// Longest one crm-svc request may take (a tool is one database transaction).
pub const CRM_TIMEOUT: Duration = Duration::from_secs(5);

/// A client of crm-svc at `url`, connecting lazily.
pub fn client(url: &str) -> anyhow::Result<CrmClient> {
    Ok(CrmServiceClient::new(
        agentlocator_common::grpc::traced_channel(url, CRM_TIMEOUT)?,
    ))
}

/// The agent as crm-svc keeps it.
#[derive(Clone)]
pub struct CrmAgent {
    client: CrmClient,
}

impl CrmAgent {
    pub fn new(client: CrmClient) -> Self {
        CrmAgent { client }
    }
}

fn unavailable(status: tonic::Status) -> Error {
    Error::Crm(format!("{:?}: {}", status.code(), status.message()))
}

impl From<Channel> for pb::AgentChannel {
    fn from(c: Channel) -> Self {
        match c {
            Channel::Call => pb::AgentChannel::Call,
            Channel::Whatsapp => pb::AgentChannel::Whatsapp,
        }
    }
}

impl From<&Conversation> for pb::AgentConversation {
    fn from(c: &Conversation) -> Self {
        pb::AgentConversation {
            business_id: c.business_id.clone(),
            channel: pb::AgentChannel::from(c.channel) as i32,
            customer_phone: c.customer_phone.clone(),
            conversation_ref: c.conversation_ref.clone(),
            turn_ref: c.turn_ref.clone(),
            turn_text: c.turn_text.clone(),
        }
    }
}

impl From<pb::AgentDefinition> for AgentProfile {
    fn from(d: pb::AgentDefinition) -> Self {
        AgentProfile {
            persona: d.persona,
            instructions: d.instructions,
            // A name this build does not know is not offered (crm-svc would refuse it anyway).
            tools: d
                .allowed_actions
                .iter()
                .filter_map(|n| ToolName::parse(n))
                .collect(),
        }
    }
}

impl From<pb::RunAgentToolResponse> for ToolAnswer {
    fn from(r: pb::RunAgentToolResponse) -> Self {
        ToolAnswer {
            ok: r.ok,
            result_json: r.result_json,
            end_call: r.end_call,
            handoff_phone: Some(r.handoff_phone).filter(|p| !p.trim().is_empty()),
        }
    }
}

#[async_trait::async_trait]
impl AgentBackend for CrmAgent {
    async fn profile(&self, business_id: &str) -> Result<AgentProfile> {
        let d = self
            .client
            .clone()
            .get_agent_definition(pb::GetAgentDefinitionRequest {
                business_id: business_id.to_owned(),
            })
            .await
            .map_err(unavailable)?;
        Ok(d.into_inner().into())
    }

    fn runner(&self, conversation: Conversation) -> Box<dyn ToolRunner> {
        Box::new(CrmToolRunner {
            client: self.client.clone(),
            conversation: (&conversation).into(),
        })
    }
}

/// Runs one conversation's tool calls through `RunAgentTool`.
struct CrmToolRunner {
    client: CrmClient,
    conversation: pb::AgentConversation,
}

impl CrmToolRunner {
    /// The call's id within the conversation: the model's id prefixed by the turn, since some
    /// servers number their calls anew each turn (`call_0`) and crm-svc answers a repeated id in
    /// one conversation as a retry. A retried turn (the same webhook again) keeps its ids; the
    /// call-back task is one per conversation ([`CALL_BACK_CALL_ID`]).
    fn call_id(&self, model_id: &str) -> String {
        let turn = self.conversation.turn_ref.trim();
        let id = if turn.is_empty() || model_id == CALL_BACK_CALL_ID {
            model_id.to_owned()
        } else {
            format!("{turn}/{model_id}")
        };
        id.chars().take(MAX_CALL_ID_CHARS).collect()
    }
}

/// crm-svc's bound of a tool call id.
const MAX_CALL_ID_CHARS: usize = 200;

#[async_trait::async_trait]
impl ToolRunner for CrmToolRunner {
    async fn run(&self, call: &ToolInvocation) -> Result<ToolAnswer> {
        let answer = self
            .client
            .clone()
            .run_agent_tool(pb::RunAgentToolRequest {
                conversation: Some(self.conversation.clone()),
                tool_call_id: self.call_id(&call.id),
                name: call.name.clone(),
                arguments_json: call.arguments.clone(),
            })
            .await
            .map_err(unavailable)?;
        Ok(answer.into_inner().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn call_ids_are_per_turn_but_the_call_back_is_per_conversation() {
        let runner = |turn_ref: &str| CrmToolRunner {
            // Never reached.
            client: client("http://127.0.0.1:9").unwrap(),
            conversation: pb::AgentConversation {
                turn_ref: turn_ref.into(),
                ..Default::default()
            },
        };
        let r = runner("RE1");
        assert_eq!(r.call_id("call_0"), "RE1/call_0");
        assert_ne!(r.call_id("call_0"), runner("RE2").call_id("call_0"));
        assert_eq!(r.call_id(CALL_BACK_CALL_ID), CALL_BACK_CALL_ID);
        assert_eq!(runner("").call_id("call_0"), "call_0");
        let long = "x".repeat(300);
        assert_eq!(r.call_id(&long).chars().count(), MAX_CALL_ID_CHARS);
    }
}
