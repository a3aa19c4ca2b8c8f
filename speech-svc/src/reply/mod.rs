//! Reply engines behind one trait, chosen by `LLM_ENGINE`.

mod hebrew;
mod knowledge;
mod openai;

pub use knowledge::KnowledgeReplier;
pub use openai::OpenAiReplier;

use crate::{error::Result, settings::Settings};
use agentlocator_common::config::LlmEngine;
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

#[async_trait::async_trait]
pub trait Replier: Send + Sync {
    /// The engine's name in responses and logs (`openai`, `knowledge`).
    fn name(&self) -> &'static str;
    async fn reply(&self, ctx: &ReplyContext) -> Result<Reply>;
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
