//! `LLM_ENGINE=openai`: OpenAI-compatible `POST {OPENAI_BASE_URL}/v1/chat/completions` with a
//! Hebrew system prompt built from the business's name, greeting and knowledge, the call so far,
//! short spoken-style answers, and a timeout of 8 s.

use super::{Replier, Reply, ReplyContext, Speaker};
use crate::{
    error::{Error, ProviderFailure, Result},
    http,
    settings::OpenAiSettings,
    strings,
};
use agentlocator_common::Secret;
use serde_json::{Value, json};
use std::time::Duration;

const ENGINE: &str = "openai";
/// Earlier turns sent along; a call of many turns keeps its most recent ones.
const MAX_HISTORY: usize = 20;

pub struct OpenAiReplier {
    client: reqwest::Client,
    url: String,
    api_key: Option<Secret>,
    model: String,
}

impl OpenAiReplier {
    pub fn new(settings: &OpenAiSettings, timeout: Duration) -> Result<Self> {
        Ok(Self {
            client: http::client(timeout)?,
            url: http::openai_url(&settings.base_url, "/chat/completions"),
            api_key: settings.api_key.clone(),
            model: settings.chat_model.clone(),
        })
    }

    /// The Hebrew system prompt for `ctx`'s business.
    pub fn system_prompt(ctx: &ReplyContext) -> String {
        let b = &ctx.business;
        let knowledge = if b.knowledge.is_empty() {
            strings::NO_KNOWLEDGE.to_string()
        } else {
            b.knowledge
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}\n{}: {}",
                        strings::PROMPT_QUESTION,
                        e.question.trim(),
                        strings::PROMPT_ANSWER,
                        e.answer.trim()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let greeting = if b.greeting.trim().is_empty() {
            strings::NO_GREETING
        } else {
            b.greeting.trim()
        };
        strings::SYSTEM_PROMPT
            .replace("{name}", b.name.trim())
            .replace("{greeting}", greeting)
            .replace("{knowledge}", &knowledge)
    }

    /// The chat-completions request body.
    pub fn request_body(&self, ctx: &ReplyContext) -> Value {
        let mut messages = vec![json!({"role": "system", "content": Self::system_prompt(ctx)})];
        let skip = ctx.history.len().saturating_sub(MAX_HISTORY);
        for turn in &ctx.history[skip..] {
            let role = match turn.speaker {
                Speaker::Caller => "user",
                Speaker::Assistant => "assistant",
            };
            messages.push(json!({"role": role, "content": turn.text}));
        }
        messages.push(json!({"role": "user", "content": ctx.caller_text}));
        json!({
            "model": self.model,
            "messages": messages,
            "temperature": 0.3,
            "max_tokens": 200,
        })
    }
}

#[derive(serde::Deserialize)]
struct ChatResponse {
    choices: Vec<Choice>,
}

#[derive(serde::Deserialize)]
struct Choice {
    message: Message,
}

#[derive(serde::Deserialize)]
struct Message {
    content: Option<String>,
}

#[async_trait::async_trait]
impl Replier for OpenAiReplier {
    fn name(&self) -> &'static str {
        ENGINE
    }

    async fn reply(&self, ctx: &ReplyContext) -> Result<Reply> {
        let mut req = self.client.post(&self.url).json(&self.request_body(ctx));
        if let Some(key) = &self.api_key {
            req = req.bearer_auth(key.expose());
        }
        let resp = req.send().await.map_err(|e| http::transport(ENGINE, e))?;
        let resp = http::check(ENGINE, resp).await?;
        let bad = |m: String| Error::provider(ENGINE, ProviderFailure::BadResponse(m));
        let body: ChatResponse = resp.json().await.map_err(|e| bad(e.to_string()))?;
        let text = body
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| bad("no answer in choices[0].message.content".into()))?;
        Ok(Reply {
            text,
            needs_follow_up: false,
            matched_question: None,
        })
    }
}
