//! Reply engines behind one trait, chosen by `LLM_ENGINE`.

pub mod agent;
mod hebrew;
mod knowledge;
mod openai;
pub mod sentences;
pub mod summary;

pub use knowledge::KnowledgeReplier;
pub use openai::OpenAiReplier;

use crate::{error::Result, settings::Settings};
use agentlocator_common::config::LlmEngine;
use futures::{StreamExt, stream::BoxStream};
use std::sync::Arc;

/// One of the business's own answers (crm-svc's `knowledge_qa` `[{"q","a"}]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaEntry {
    pub question: String,
    pub answer: String,
}

/// What a reply needs to know about the business; passed in each request (no database here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessContext {
    pub business_id: String,
    pub name: String,
    pub greeting: String,
    pub knowledge: Vec<QaEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Caller,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub speaker: Speaker,
    pub text: String,
}

/// One turn to answer: the business, the call so far, and what the caller just said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyContext {
    pub business: BusinessContext,
    pub history: Vec<Turn>,
    pub caller_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    /// Nothing in the business's knowledge answered: staff should call back (a task).
    pub needs_follow_up: bool,
    /// The knowledge question that answered, when one did.
    pub matched_question: Option<String>,
}

/// A part of a reply as it is being made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyPiece {
    /// More of the reply's text, to append to what came before.
    Text(String),
    /// The reply is complete; the last piece.
    Done {
        needs_follow_up: bool,
        matched_question: Option<String>,
    },
}

/// A reply as it is being made; dropping it stops the engine's request.
pub type ReplyStream = BoxStream<'static, Result<ReplyPiece>>;

impl From<Reply> for ReplyStream {
    /// A reply made whole, as a stream of its text and the end.
    fn from(reply: Reply) -> Self {
        futures::stream::iter([
            Ok(ReplyPiece::Text(reply.text)),
            Ok(ReplyPiece::Done {
                needs_follow_up: reply.needs_follow_up,
                matched_question: reply.matched_question,
            }),
        ])
        .boxed()
    }
}

#[async_trait::async_trait]
pub trait Replier: Send + Sync {
    /// The engine's name in responses and logs (`openai`, `knowledge`).
    fn name(&self) -> &'static str;
    async fn reply(&self, ctx: &ReplyContext) -> Result<Reply>;
    /// The reply as it is made, for a live call. Engines that cannot stream give their whole
    /// [`Self::reply`] at once.
    async fn reply_stream(&self, ctx: &ReplyContext) -> Result<ReplyStream> {
        Ok(self.reply(ctx).await?.into())
    }
    /// The business's agent answering `ctx` with `profile`'s tools run by `runner`. Engines that
    /// cannot call tools answer as [`agent::reply_without_tools`]: never pretending to act.
    async fn reply_as_agent(
        &self,
        ctx: &ReplyContext,
        profile: &agent::AgentProfile,
        runner: &dyn agent::ToolRunner,
    ) -> Result<agent::AgentReply> {
        agent::reply_without_tools(self, ctx, profile, runner).await
    }
    /// The summary of a completed call by the engine's LLM; `None` for an engine without one
    /// (the caller makes its own fallback).
    async fn summarize(
        &self,
        _digest: &summary::CallDigest,
    ) -> Result<Option<summary::CallSummary>> {
        Ok(None)
    }
}

/// The engine `LLM_ENGINE` selects.
pub fn build(settings: &Settings) -> Result<Arc<dyn Replier>> {
    Ok(match settings.llm_engine {
        LlmEngine::Knowledge => Arc::new(KnowledgeReplier),
        LlmEngine::OpenAi => Arc::new(OpenAiReplier::new(
            &settings.openai,
            settings.reply_timeout,
        )?),
    })
}
