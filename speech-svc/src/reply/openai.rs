//! `LLM_ENGINE=openai`: OpenAI-compatible `POST {OPENAI_BASE_URL}/v1/chat/completions` with a
//! Hebrew system prompt built from the business's name, greeting and knowledge, the call so far,
//! short spoken-style answers, and a timeout of 8 s. For a live call the same request with
//! `"stream": true`, answered as server-sent events (`data: {chunk}` lines whose
//! `choices[0].delta.content` carry the text, ended by `data: [DONE]`).

use super::{Replier, Reply, ReplyContext, ReplyPiece, ReplyStream, Speaker};
use crate::{
    error::{Error, ProviderFailure, Result},
    http,
    settings::OpenAiSettings,
    strings,
};
use agentlocator_common::Secret;
use futures::{StreamExt, stream::BoxStream};
use serde_json::{Value, json};
use std::{collections::VecDeque, time::Duration};

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

    async fn send(&self, body: &Value) -> Result<reqwest::Response> {
        let mut req = self.client.post(&self.url).json(body);
        if let Some(key) = &self.api_key {
            req = req.bearer_auth(key.expose());
        }
        let resp = req.send().await.map_err(|e| http::transport(ENGINE, e))?;
        http::check(ENGINE, resp).await
    }
}

impl OpenAiReplier {
    /// The chat model asked.
    pub(super) fn model(&self) -> &str {
        &self.model
    }

    /// `choices[0].message` of a (non-streamed) chat completion of `body`.
    pub(super) async fn complete(&self, body: &Value) -> Result<Value> {
        let resp = self.send(body).await?;
        let mut answer: Value = resp.json().await.map_err(|e| bad_response(e.to_string()))?;
        match answer["choices"][0]["message"].take() {
            Value::Object(m) => Ok(Value::Object(m)),
            _ => Err(bad_response("no choices[0].message".into())),
        }
    }
}

fn bad_response(message: String) -> Error {
    Error::provider(ENGINE, ProviderFailure::BadResponse(message))
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

    async fn reply_as_agent(
        &self,
        ctx: &ReplyContext,
        profile: &super::agent::AgentProfile,
        runner: &dyn super::agent::ToolRunner,
    ) -> Result<super::agent::AgentReply> {
        self.agent_reply(ctx, profile, runner).await
    }

    async fn summarize(
        &self,
        digest: &super::summary::CallDigest,
    ) -> Result<Option<super::summary::CallSummary>> {
        Ok(Some(self.summarize_call(digest).await?))
    }

    async fn reply(&self, ctx: &ReplyContext) -> Result<Reply> {
        let resp = self.send(&self.request_body(ctx)).await?;
        let body: ChatResponse = resp.json().await.map_err(|e| bad_response(e.to_string()))?;
        let text = body
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| bad_response("no answer in choices[0].message.content".into()))?;
        Ok(Reply {
            text,
            needs_follow_up: false,
            matched_question: None,
        })
    }

    async fn reply_stream(&self, ctx: &ReplyContext) -> Result<ReplyStream> {
        let mut body = self.request_body(ctx);
        body["stream"] = json!(true);
        let resp = self.send(&body).await?;
        Ok(ChatStream::new(resp.bytes_stream().boxed()).into_stream())
    }
}

/// Server-sent events from a byte stream: the `data` of each event, as it completes. Comment
/// lines (`:`) and other fields are skipped; lines may end in CRLF; a line may arrive in pieces.
#[derive(Debug, Default)]
struct SseDecoder {
    line: Vec<u8>,
    data: Option<String>,
}

impl SseDecoder {
    fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut events = Vec::new();
        for &b in bytes {
            if b != b'\n' {
                self.line.push(b);
                continue;
            }
            let mut line = std::mem::take(&mut self.line);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            events.extend(self.line_done(&String::from_utf8_lossy(&line)));
        }
        events
    }

    /// The event still open when the body ends (a server that sent no last blank line).
    fn finish(&mut self) -> Option<String> {
        let line = std::mem::take(&mut self.line);
        let last = self.line_done(String::from_utf8_lossy(&line).trim_end_matches('\r'));
        last.or_else(|| self.data.take())
    }

    fn line_done(&mut self, line: &str) -> Option<String> {
        if line.is_empty() {
            return self.data.take();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        if field == "data" {
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            }
        }
        None
    }
}

/// A streamed chat completion read into [`ReplyPiece`]s.
struct ChatStream {
    body: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    sse: SseDecoder,
    ready: VecDeque<Result<ReplyPiece>>,
    got_text: bool,
    ended: bool,
}

impl ChatStream {
    fn new(body: BoxStream<'static, reqwest::Result<bytes::Bytes>>) -> Self {
        Self {
            body,
            sse: SseDecoder::default(),
            ready: VecDeque::new(),
            got_text: false,
            ended: false,
        }
    }

    fn into_stream(self) -> ReplyStream {
        futures::stream::unfold(self, |mut s| async move {
            loop {
                if let Some(piece) = s.ready.pop_front() {
                    return Some((piece, s));
                }
                if s.ended {
                    return None;
                }
                match s.body.next().await {
                    Some(Ok(bytes)) => {
                        for data in s.sse.push(&bytes) {
                            s.event(&data);
                        }
                    }
                    Some(Err(e)) => s.fail(http::transport(ENGINE, e)),
                    None => {
                        if let Some(data) = s.sse.finish() {
                            s.event(&data);
                        }
                        // Some compatible servers close the stream without `[DONE]`.
                        s.end();
                    }
                }
            }
        })
        .boxed()
    }

    fn event(&mut self, data: &str) {
        if self.ended {
            return;
        }
        let data = data.trim();
        if data == "[DONE]" {
            return self.end();
        }
        let chunk: Value = match serde_json::from_str(data) {
            Ok(v) => v,
            Err(e) => return self.fail(bad_response(format!("a stream chunk is not JSON: {e}"))),
        };
        if let Some(error) = chunk.get("error").filter(|e| !e.is_null()) {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| error.to_string(), str::to_string);
            return self.fail(bad_response(format!("error in the stream: {message}")));
        }
        let delta = chunk
            .pointer("/choices/0/delta/content")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !delta.is_empty() {
            self.got_text = true;
            self.ready
                .push_back(Ok(ReplyPiece::Text(delta.to_string())));
        }
    }

    fn end(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.ready.push_back(if self.got_text {
            Ok(ReplyPiece::Done {
                needs_follow_up: false,
                matched_question: None,
            })
        } else {
            Err(bad_response(
                "no answer in the stream's choices[0].delta.content".into(),
            ))
        });
    }

    fn fail(&mut self, e: Error) {
        self.ended = true;
        self.ready.push_back(Err(e));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(chunks: &[&[u8]]) -> Vec<Result<ReplyPiece>> {
        let body: Vec<reqwest::Result<bytes::Bytes>> = chunks
            .iter()
            .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
            .collect();
        let stream = ChatStream::new(futures::stream::iter(body).boxed()).into_stream();
        futures::executor::block_on(stream.collect())
    }

    fn text_of(pieces: &[Result<ReplyPiece>]) -> String {
        pieces
            .iter()
            .filter_map(|p| match p {
                Ok(ReplyPiece::Text(t)) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    fn chunk(content: &str) -> String {
        json!({"choices": [{"index": 0, "delta": {"content": content}}]}).to_string()
    }

    #[test]
    fn deltas_are_read_across_split_lines_crlf_and_comments() {
        let body = format!(
            ": keep-alive\r\n\r\ndata: {}\r\n\r\ndata: {}\n\n{}\n\ndata: {}\n\ndata: [DONE]\n\n",
            json!({"choices": [{"index": 0, "delta": {"role": "assistant"}}]}),
            chunk("שלום, "),
            format_args!("data: {}", chunk("")),
            chunk("אנחנו פתוחים."),
        );
        let bytes = body.as_bytes();
        // Cut inside a line and inside a Hebrew letter.
        let cut = body.find("אנחנו").unwrap() + 1;
        let got = pieces(&[&bytes[..7], &bytes[7..cut], &bytes[cut..]]);
        assert_eq!(text_of(&got), "שלום, אנחנו פתוחים.");
        assert_eq!(
            got.last().unwrap().as_ref().unwrap(),
            &ReplyPiece::Done {
                needs_follow_up: false,
                matched_question: None
            }
        );
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn an_error_object_in_the_stream_is_a_provider_failure() {
        let body = format!(
            "data: {}\n\ndata: {}\n\n",
            chunk("שלום"),
            json!({"error": {"message": "overloaded", "type": "server_error"}})
        );
        let got = pieces(&[body.as_bytes()]);
        assert_eq!(text_of(&got), "שלום");
        let e = got.last().unwrap().as_ref().unwrap_err();
        assert!(e.to_string().contains("overloaded"), "{e}");
    }

    #[test]
    fn a_stream_without_text_is_no_answer() {
        let got = pieces(&[b"data: [DONE]\n\n"]);
        assert_eq!(got.len(), 1);
        assert!(got[0].is_err());
        let got = pieces(&[b"data: not json\n\n"]);
        assert!(got[0].as_ref().unwrap_err().to_string().contains("JSON"));
    }

    #[test]
    fn a_stream_that_ends_without_done_or_a_blank_line_keeps_its_text() {
        let body = format!("data: {}", chunk("בסדר גמור"));
        let got = pieces(&[body.as_bytes()]);
        assert_eq!(text_of(&got), "בסדר גמור");
        assert!(matches!(got.last(), Some(Ok(ReplyPiece::Done { .. }))));
    }
}
