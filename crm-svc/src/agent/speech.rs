//! speech-svc answers the WhatsApp agent's turns: its `Reply` RPC with the conversation set runs
//! the business's agent (the same loop as a call's turn in record mode), its tools run back here
//! through `RunAgentTool`. The address is `SPEECH_SVC_URL` (default `http://` +
//! `SPEECH_SVC_GRPC_ADDR`), like every other client.

use super::whatsapp::{TurnAnswer, TurnReplier, TurnRequest};
use crate::enums::AgentChannel;
use agentlocator_common::grpc::TracedChannel;
use agentlocator_proto::v1::{self as pb, speech_service_client::SpeechServiceClient};
use futures::future::BoxFuture;
use std::time::Duration;

/// The engine of speech-svc that can call tools; any other answers without them.
const TOOL_ENGINE: &str = "openai";

/// speech-svc's agent, over gRPC.
#[derive(Clone)]
pub struct SpeechReplier {
    client: SpeechServiceClient<TracedChannel>,
}

impl SpeechReplier {
    /// A client of speech-svc at `url` (connecting lazily); one reply may take `timeout`.
    pub fn new(url: &str, timeout: Duration) -> anyhow::Result<Self> {
        Ok(SpeechReplier {
            client: SpeechServiceClient::new(agentlocator_common::grpc::traced_channel(
                url, timeout,
            )?),
        })
    }
}

impl From<TurnRequest> for pb::ReplyRequest {
    fn from(r: TurnRequest) -> Self {
        let c = r.conversation;
        pb::ReplyRequest {
            business: Some(pb::BusinessContext {
                business_id: r.business_id.to_string(),
                name: r.business_name,
                greeting: r.greeting,
                knowledge: r
                    .knowledge
                    .into_iter()
                    .map(|(question, answer)| pb::KnowledgeEntry { question, answer })
                    .collect(),
            }),
            history: r
                .history
                .into_iter()
                .map(|l| pb::ConversationTurn {
                    speaker: if l.inbound {
                        pb::Speaker::Caller
                    } else {
                        pb::Speaker::Assistant
                    } as i32,
                    text: l.text,
                })
                .collect(),
            caller_text: r.text,
            agent: Some(pb::AgentConversation {
                business_id: c.business_id.to_string(),
                channel: match c.channel {
                    AgentChannel::Call => pb::AgentChannel::Call,
                    AgentChannel::Whatsapp => pb::AgentChannel::Whatsapp,
                } as i32,
                customer_phone: c.customer_phone,
                conversation_ref: c.conversation_ref,
                turn_ref: c.turn_ref,
                turn_text: c.turn_text,
            }),
        }
    }
}

impl From<pb::ReplyResponse> for TurnAnswer {
    fn from(r: pb::ReplyResponse) -> Self {
        TurnAnswer {
            keyless: r.engine != TOOL_ENGINE,
            needs_follow_up: r.needs_follow_up,
            actions: r.agent.map(|a| a.actions).unwrap_or_default(),
            text: r.text,
        }
    }
}

impl TurnReplier for SpeechReplier {
    fn reply(&self, request: TurnRequest) -> BoxFuture<'_, Result<TurnAnswer, String>> {
        let mut client = self.client.clone();
        Box::pin(async move {
            let answer = client
                .reply(pb::ReplyRequest::from(request))
                .await
                .map_err(|s| format!("speech-svc Reply: {:?}: {}", s.code(), s.message()))?
                .into_inner();
            if answer.text.trim().is_empty() {
                return Err("speech-svc answered an empty reply".into());
            }
            Ok(answer.into())
        })
    }
}
