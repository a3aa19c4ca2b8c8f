//! The agent's reply: the reply engine with the business's tools (OpenAI-style function calling),
//! run by crm-svc through a [`ToolRunner`].
//!
//! `openai`: the chat-completions request carries the tools' schemas
//! ([`agentlocator_common::agent_tools::openai_tools`], the same definitions crm-svc validates
//! against); each `tool_calls` answer is run and its results sent back as `tool` messages, at most
//! [`MAX_TOOL_ROUNDS`] rounds per turn — a model that still asks for tools after that gets no more
//! and the customer hears [`strings::AGENT_TOO_MANY_STEPS`]. Every call and its outcome is logged
//! (tool name, ok, the refusal text; never the arguments, which hold the customer's details).
//!
//! `knowledge` (no LLM): answers from the Q&A and never pretends to act; when nothing answers it
//! says staff will call back and creates that task ([`knowledge_agent_reply`]).

use super::{Replier, ReplyContext, hebrew, openai::OpenAiReplier};
use crate::{
    error::{Error, ProviderFailure, Result},
    strings,
};
use agentlocator_common::agent_tools::{ToolName, openai_tools};
use serde_json::{Value, json};

/// Tool rounds one turn may take before the agent must answer in words.
pub const MAX_TOOL_ROUNDS: usize = 4;

/// The id of the call-back task the agent without tools writes: one per conversation (a runner
/// keeps it as is, and crm-svc answers its repeats in the same conversation as retries), so a
/// caller asking three things it cannot answer gets one call back, not three.
pub const CALL_BACK_CALL_ID: &str = "call-back";

/// Who the agent is and what it may do (the business's agent definition).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentProfile {
    pub persona: String,
    pub instructions: String,
    /// The tools offered to the model.
    pub tools: Vec<ToolName>,
}

/// One tool call of the model, as it sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolInvocation {
    pub id: String,
    pub name: String,
    /// JSON text, unvalidated (crm-svc validates).
    pub arguments: String,
}

/// What running a tool came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolAnswer {
    pub ok: bool,
    /// JSON for the model.
    pub result_json: String,
    pub end_call: bool,
    /// A call handed to this number.
    pub handoff_phone: Option<String>,
}

/// Runs the agent's tools (crm-svc's `RunAgentTool` for the conversation's business and customer).
#[async_trait::async_trait]
pub trait ToolRunner: Send + Sync {
    async fn run(&self, call: &ToolInvocation) -> Result<ToolAnswer>;
}

/// Where the agent talks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Call,
    Whatsapp,
}

/// Whom the agent talks with in one turn: crm-svc finds (or creates) the customer by
/// `customer_phone` and scopes every tool to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub business_id: String,
    pub channel: Channel,
    /// The caller's or sender's phone, any Israeli format.
    pub customer_phone: String,
    /// The call's SID, or the WhatsApp chat.
    pub conversation_ref: String,
    /// The turn that causes the tool calls, and what the customer said in it.
    pub turn_ref: String,
    pub turn_text: String,
}

/// The business's agent: its definition and its tools (crm-svc).
#[async_trait::async_trait]
pub trait AgentBackend: Send + Sync {
    /// The agent of `business_id` (its persona, instructions and allowed tools).
    async fn profile(&self, business_id: &str) -> Result<AgentProfile>;
    /// Runs tools for `conversation`.
    fn runner(&self, conversation: Conversation) -> Box<dyn ToolRunner>;
}

/// The agent's answer to one turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentReply {
    pub text: String,
    /// The tools that ran successfully, in order.
    pub actions: Vec<String>,
    pub tool_rounds: usize,
    pub end_call: bool,
    pub handoff_phone: Option<String>,
    /// Staff should call the customer back and no task says so yet.
    pub needs_follow_up: bool,
    /// The knowledge question that answered (the agent without tools), if any.
    pub matched_question: Option<String>,
}

impl AgentReply {
    fn new(text: String) -> Self {
        AgentReply {
            text,
            actions: Vec::new(),
            tool_rounds: 0,
            end_call: false,
            handoff_phone: None,
            needs_follow_up: false,
            matched_question: None,
        }
    }
}

fn bad_response(message: String) -> Error {
    Error::provider("openai", ProviderFailure::BadResponse(message))
}

/// The system prompt with the agent's persona, instructions and the time now.
fn agent_system_prompt(ctx: &ReplyContext, profile: &AgentProfile, now: &str) -> String {
    let mut prompt = OpenAiReplier::system_prompt(ctx);
    prompt.push('\n');
    prompt.push_str(
        &strings::AGENT_PROMPT
            .replace("{persona}", non_empty(&profile.persona))
            .replace("{instructions}", non_empty(&profile.instructions))
            .replace("{now}", now),
    );
    prompt
}

fn non_empty(s: &str) -> &str {
    if s.trim().is_empty() {
        strings::NO_GREETING
    } else {
        s.trim()
    }
}

impl OpenAiReplier {
    /// The agent's reply to `ctx`'s turn with `profile`'s tools run by `runner` (see the module
    /// documentation).
    pub async fn agent_reply(
        &self,
        ctx: &ReplyContext,
        profile: &AgentProfile,
        runner: &dyn ToolRunner,
    ) -> Result<AgentReply> {
        let now = chrono::Utc::now().to_rfc3339();
        let mut body = self.request_body(ctx);
        body["messages"][0]["content"] = json!(agent_system_prompt(ctx, profile, &now));
        let tools = openai_tools(&profile.tools);
        let mut reply = AgentReply::new(String::new());
        loop {
            let may_call = reply.tool_rounds < MAX_TOOL_ROUNDS && !profile.tools.is_empty();
            if may_call {
                body["tools"] = tools.clone();
            } else if let Some(map) = body.as_object_mut() {
                map.remove("tools");
            }
            let message = self.complete(&body).await?;
            let calls = tool_calls(&message)?;
            if calls.is_empty() {
                reply.text = message["content"]
                    .as_str()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| bad_response("no content and no tool calls".into()))?
                    .to_owned();
                return Ok(reply);
            }
            if !may_call {
                tracing::warn!(
                    rounds = reply.tool_rounds,
                    "agent: the model asks for more tools than a turn may use"
                );
                reply.text = strings::AGENT_TOO_MANY_STEPS.to_owned();
                return Ok(reply);
            }
            reply.tool_rounds += 1;
            let mut assistant =
                json!({"role": "assistant", "tool_calls": message["tool_calls"].clone()});
            if let Some(content) = message.get("content").filter(|c| !c.is_null()) {
                assistant["content"] = content.clone();
            }
            push_message(&mut body, assistant)?;
            for call in calls {
                let answer = match runner.run(&call).await {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(tool = %call.name, error = %e, "agent tool could not run");
                        ToolAnswer {
                            ok: false,
                            result_json: json!({"error": "the system is unavailable right now; offer that staff will call back"}).to_string(),
                            end_call: false,
                            handoff_phone: None,
                        }
                    }
                };
                tracing::info!(tool = %call.name, ok = answer.ok, round = reply.tool_rounds, "agent tool call");
                if answer.ok {
                    reply.actions.push(call.name.clone());
                }
                reply.end_call |= answer.end_call;
                if answer.handoff_phone.is_some() {
                    reply.handoff_phone = answer.handoff_phone.clone();
                }
                push_message(
                    &mut body,
                    json!({"role": "tool", "tool_call_id": call.id, "content": answer.result_json}),
                )?;
            }
        }
    }
}

fn push_message(body: &mut Value, message: Value) -> Result<()> {
    body["messages"]
        .as_array_mut()
        .ok_or_else(|| Error::Internal("request without messages".into()))?
        .push(message);
    Ok(())
}

/// The tool calls of an assistant message (`tool_calls: [{id, type: function, function: {name,
/// arguments}}]`); none when it has none.
fn tool_calls(message: &Value) -> Result<Vec<ToolInvocation>> {
    let Some(list) = message.get("tool_calls").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    list.iter()
        .enumerate()
        .map(|(i, c)| {
            let f = &c["function"];
            let name = f["name"]
                .as_str()
                .ok_or_else(|| bad_response(format!("tool_calls[{i}] has no function name")))?;
            // Arguments are a JSON string; a server that sends an object is taken at its word.
            let arguments = match &f["arguments"] {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            Ok(ToolInvocation {
                id: c["id"]
                    .as_str()
                    .map_or_else(|| format!("call-{i}"), str::to_owned),
                name: name.to_owned(),
                arguments,
            })
        })
        .collect()
}

/// The agent of an engine that cannot call tools (the keyless `knowledge`): `replier`'s answer,
/// and it never pretends to act. When nothing in the Q&A answers, or the customer asks for
/// something only a person can do here (book, move or cancel an appointment…), the customer hears
/// that staff will call back, and a task keeps that promise (when `create_task` is allowed; else
/// the turn is flagged for a follow-up, which the call's completion turns into a task).
pub async fn reply_without_tools<R: Replier + ?Sized>(
    replier: &R,
    ctx: &ReplyContext,
    profile: &AgentProfile,
    runner: &dyn ToolRunner,
) -> Result<AgentReply> {
    let answer = replier.reply(ctx).await?;
    let wants_action = hebrew::asks_to_act(&ctx.caller_text);
    let mut reply = AgentReply::new(answer.text);
    reply.matched_question = answer.matched_question;
    if !(answer.needs_follow_up || wants_action) {
        return Ok(reply);
    }
    let noted = profile.tools.contains(&ToolName::CreateTask) && {
        let call = ToolInvocation {
            id: CALL_BACK_CALL_ID.into(),
            name: ToolName::CreateTask.as_str().into(),
            arguments: json!({"title": strings::call_back_task_title(&ctx.caller_text)})
                .to_string(),
        };
        match runner.run(&call).await {
            Ok(done) => {
                tracing::info!(tool = %call.name, ok = done.ok, "agent tool call (no LLM)");
                if done.ok {
                    reply.actions.push(call.name);
                }
                done.ok
            }
            Err(e) => {
                tracing::warn!(tool = %call.name, error = %e, "agent tool could not run");
                false
            }
        }
    };
    reply.needs_follow_up = !noted;
    if wants_action {
        // The answer said is no longer the knowledge's.
        reply.matched_question = None;
        reply.text = if noted {
            strings::AGENT_CANNOT_ACT_NOTED
        } else {
            strings::AGENT_CANNOT_ACT
        }
        .to_owned();
    }
    Ok(reply)
}
