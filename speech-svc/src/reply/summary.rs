//! A completed call's summary by the reply engine's LLM (`SummarizeCall`): the call's turns and
//! the agent's actions in, a short Hebrew summary and the follow-ups the agent promised out.
//!
//! `openai`: one chat completion asking for a JSON object `{"summary", "follow_ups"}`
//! (`response_format: json_object`; an answer wrapped in a Markdown code fence is accepted too).
//! An answer that is not such an object is a provider failure: the caller falls back. The
//! keyless `knowledge` engine has no model and summarises nothing ([`Replier::summarize`] is
//! `None`): crm-svc then writes its own deterministic summary.

use super::{Speaker, Turn, openai::OpenAiReplier};
use crate::{
    error::{Error, ProviderFailure, Result},
    strings,
};
use serde_json::{Value, json};

/// Longest call text sent to the model (characters); a longer call keeps its end.
const MAX_CALL_CHARS: usize = 12_000;

/// A completed call to summarise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallDigest {
    pub business_name: String,
    /// Oldest first.
    pub turns: Vec<Turn>,
    /// What the agent did, one Hebrew line each.
    pub actions: Vec<String>,
}

/// The model's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSummary {
    pub summary: String,
    pub follow_ups: Vec<String>,
}

/// The call as the model reads it: one line per turn, then the actions.
pub fn call_text(digest: &CallDigest) -> String {
    let lines: Vec<String> = digest
        .turns
        .iter()
        .filter(|t| !t.text.trim().is_empty())
        .map(|t| {
            let who = match t.speaker {
                Speaker::Caller => strings::SUMMARY_CALLER,
                Speaker::Assistant => strings::SUMMARY_AGENT,
            };
            format!("{who}: {}", t.text.trim())
        })
        .collect();
    let mut text = lines.join("\n");
    let count = text.chars().count();
    if count > MAX_CALL_CHARS {
        text = text.chars().skip(count - MAX_CALL_CHARS).collect();
    }
    let actions = if digest.actions.is_empty() {
        strings::SUMMARY_NO_ACTIONS.to_owned()
    } else {
        digest
            .actions
            .iter()
            .map(|a| format!("- {}", a.trim()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!("{text}\n\n{}:\n{actions}", strings::SUMMARY_ACTIONS)
}

/// The summary in the model's answer `content`: a JSON object (possibly in a code fence) with a
/// non-empty `summary` string and `follow_ups`, a list of strings (missing: none).
pub fn parse_answer(content: &str) -> Result<CallSummary> {
    let trimmed = content.trim();
    let json_text = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|t| t.strip_suffix("```"))
        .unwrap_or(trimmed)
        .trim();
    let value: Value = serde_json::from_str(json_text)
        .map_err(|e| bad_response(format!("the summary is not JSON: {e}")))?;
    let summary = value["summary"]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad_response("the summary has no \"summary\" text".into()))?
        .to_owned();
    let follow_ups = match &value["follow_ups"] {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(|s| s.trim().to_owned())
                    .ok_or_else(|| bad_response("a follow-up is not a string".into()))
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect(),
        _ => return Err(bad_response("\"follow_ups\" is not a list".into())),
    };
    Ok(CallSummary {
        summary,
        follow_ups,
    })
}

fn bad_response(message: String) -> Error {
    Error::provider("openai", ProviderFailure::BadResponse(message))
}

impl OpenAiReplier {
    /// The chat-completions request of `digest`'s summary.
    pub fn summary_request(&self, digest: &CallDigest) -> Value {
        json!({
            "model": self.model(),
            "messages": [
                {"role": "system", "content": strings::SUMMARY_PROMPT.replace("{name}", digest.business_name.trim())},
                {"role": "user", "content": call_text(digest)},
            ],
            "temperature": 0.2,
            "max_tokens": 400,
            "response_format": {"type": "json_object"},
        })
    }

    /// The model's summary of `digest`.
    pub async fn summarize_call(&self, digest: &CallDigest) -> Result<CallSummary> {
        let message = self.complete(&self.summary_request(digest)).await?;
        let content = message["content"]
            .as_str()
            .ok_or_else(|| bad_response("the summary answer has no content".into()))?;
        parse_answer(content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_a_json_object_perhaps_fenced() {
        let s = parse_answer(r#"{"summary": " לקוח ביקש תור. ", "follow_ups": ["לחזור", " "]}"#)
            .unwrap();
        assert_eq!(s.summary, "לקוח ביקש תור.");
        assert_eq!(s.follow_ups, vec!["לחזור".to_string()]);
        let s = parse_answer("```json\n{\"summary\": \"סיכום\"}\n```").unwrap();
        assert_eq!(s.summary, "סיכום");
        assert!(s.follow_ups.is_empty());
        for bad in [
            "סיכום חופשי",
            r#"{"summary": ""}"#,
            r#"{"summary": "x", "follow_ups": "לחזור"}"#,
            r#"{"summary": "x", "follow_ups": [1]}"#,
            r#"["x"]"#,
        ] {
            assert!(parse_answer(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_call_is_written_turn_by_turn_with_the_actions() {
        let digest = CallDigest {
            business_name: "מספרה".into(),
            turns: vec![
                Turn {
                    speaker: Speaker::Caller,
                    text: "אפשר תור?".into(),
                },
                Turn {
                    speaker: Speaker::Assistant,
                    text: "קבעתי".into(),
                },
            ],
            actions: vec!["הסוכן קבע תור".into()],
        };
        assert_eq!(
            call_text(&digest),
            "לקוח: אפשר תור?\nסוכן: קבעתי\n\nפעולות הסוכן במערכת:\n- הסוכן קבע תור"
        );
        let none = CallDigest {
            actions: vec![],
            ..digest
        };
        assert!(call_text(&none).ends_with("פעולות הסוכן במערכת:\n(אין)"));
    }
}
