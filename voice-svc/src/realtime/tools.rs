//! The business's AI agent inside a realtime call: which tools the model may call, and the
//! runner that executes each call in crm-svc (`RunAgentTool`), scoped to this call's business
//! and to the caller's own customer record, whatever the model asks.

use crate::service::CrmClient;
use agentlocator_common::agent_tools::ToolName;
use agentlocator_proto::v1 as pb;
use std::{sync::Arc, time::Duration};

/// Most tool rounds one caller turn may cause; then the model must answer without tools.
pub const MAX_TOOL_ROUNDS: u32 = 4;
/// Longest one tool call may take before the model hears that it failed.
const TOOL_TIMEOUT: Duration = Duration::from_secs(5);

/// One function call of the model, as the Realtime API sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolInvocation {
    pub call_id: String,
    pub name: String,
    pub arguments_json: String,
    /// What the caller said in the turn that caused it.
    pub turn_text: String,
}

/// What a tool call answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOutcome {
    /// The JSON the model reads (`{"error": …}` on a refusal).
    pub output_json: String,
    /// `hand_off`: the number to put the caller through to (`None` when a message was taken).
    pub handoff_phone: Option<String>,
    /// `end_call`: the caller is done.
    pub end_call: bool,
}

/// Runs the agent's tool calls of one call.
#[async_trait::async_trait]
pub trait AgentTools: Send + Sync {
    async fn run(&self, call: &ToolInvocation) -> ToolOutcome;
}

/// The agent of this call: its definition and the runner of its tools.
#[derive(Clone)]
pub struct CallAgent {
    /// Hebrew, from the business's agent definition.
    pub persona: String,
    pub instructions: String,
    pub allowed: Vec<ToolName>,
    pub tools: Arc<dyn AgentTools>,
}

impl std::fmt::Debug for CallAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallAgent")
            .field("allowed", &self.allowed)
            .finish_non_exhaustive()
    }
}

/// The tools of `definition` a call may use: the allowed ones this engine knows (unknown names
/// from a newer definition are skipped).
pub fn allowed_tools(definition: &pb::AgentDefinition) -> Vec<ToolName> {
    definition
        .allowed_actions
        .iter()
        .filter_map(|name| ToolName::parse(name))
        .collect()
}

/// `RunAgentTool` in crm-svc for the call `call_sid` from `caller` to `business_id`.
pub struct CrmAgentTools {
    crm: CrmClient,
    business_id: String,
    caller: String,
    call_sid: String,
}

impl CrmAgentTools {
    pub fn new(crm: CrmClient, business_id: String, caller: String, call_sid: String) -> Self {
        Self {
            crm,
            business_id,
            caller,
            call_sid,
        }
    }

    fn request(&self, call: &ToolInvocation) -> pb::RunAgentToolRequest {
        pb::RunAgentToolRequest {
            conversation: Some(pb::AgentConversation {
                business_id: self.business_id.clone(),
                channel: pb::AgentChannel::Call as i32,
                customer_phone: self.caller.clone(),
                conversation_ref: self.call_sid.clone(),
                turn_ref: call.call_id.clone(),
                turn_text: call.turn_text.clone(),
            }),
            tool_call_id: call.call_id.clone(),
            name: call.name.clone(),
            arguments_json: call.arguments_json.clone(),
        }
    }
}

/// What the model hears when the CRM could not run the tool.
fn unavailable() -> ToolOutcome {
    ToolOutcome {
        output_json: serde_json::json!({
            "error": "the system is unavailable right now; offer that someone will call back"
        })
        .to_string(),
        handoff_phone: None,
        end_call: false,
    }
}

#[async_trait::async_trait]
impl AgentTools for CrmAgentTools {
    async fn run(&self, call: &ToolInvocation) -> ToolOutcome {
        let mut crm = self.crm.clone();
        let answer = tokio::time::timeout(TOOL_TIMEOUT, crm.run_agent_tool(self.request(call)));
        match answer.await {
            Ok(Ok(r)) => {
                let r = r.into_inner();
                tracing::info!(tool = call.name, ok = r.ok, "agent tool call");
                ToolOutcome {
                    output_json: r.result_json,
                    // Empty: a message was taken instead; the call goes on.
                    handoff_phone: Some(r.handoff_phone).filter(|p| !p.is_empty()),
                    end_call: r.end_call,
                }
            }
            Ok(Err(status)) => {
                tracing::warn!(tool = call.name, error = %status.message(), "agent tool call failed");
                unavailable()
            }
            Err(_) => {
                tracing::warn!(tool = call.name, "agent tool call timed out");
                unavailable()
            }
        }
    }
}
