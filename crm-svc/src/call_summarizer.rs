//! The call summariser: every [`POLL_INTERVAL`] it claims the summaries of completed calls that
//! are still pending ([`summary::claim`]), asks a [`Summarizer`] (speech-svc's `SummarizeCall`,
//! the configured LLM) for each — outside any transaction, at most [`SUMMARY_TIMEOUT`] — and
//! stores the result, or the deterministic [`summary::fallback`] when there is no model, it
//! fails or it answers nothing usable. A call is never left unsummarised because a provider
//! failed, and is summarised once: storing is conditioned on the row still being pending, so a
//! second replica (or a claim that expired) changes nothing.

use crate::{
    calls::summary::{self, Draft, Input, Source},
    db::Db,
    error::Result,
    time,
};
use agentlocator_proto::v1 as pb;
use std::{sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;

/// How often the summariser looks for completed calls.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Summaries claimed per pass.
pub const BATCH: i64 = 8;
/// Longest one summary may take the model.
pub const SUMMARY_TIMEOUT: Duration = Duration::from_secs(20);

/// Makes a call's summary with a language model.
#[async_trait::async_trait]
pub trait Summarizer: Send + Sync {
    /// The model's summary of `input`; `Ok(None)`: no model is configured.
    async fn summarize(&self, input: &Input) -> std::result::Result<Option<Draft>, String>;
}

/// No model: every summary is the fallback.
pub struct NoModel;

#[async_trait::async_trait]
impl Summarizer for NoModel {
    async fn summarize(&self, _: &Input) -> std::result::Result<Option<Draft>, String> {
        Ok(None)
    }
}

/// speech-svc's `SummarizeCall` (where the LLM client lives).
pub struct SpeechSummarizer {
    client: pb::speech_service_client::SpeechServiceClient<tonic::transport::Channel>,
}

impl SpeechSummarizer {
    /// A client of speech-svc at `url` (connected lazily).
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let channel = agentlocator_common::grpc::channel(url, SUMMARY_TIMEOUT)?;
        Ok(Self {
            client: pb::speech_service_client::SpeechServiceClient::new(channel),
        })
    }

    fn request(input: &Input) -> pb::SummarizeCallRequest {
        let mut turns = Vec::with_capacity(input.turns.len() * 2);
        for t in &input.turns {
            for (speaker, text) in [
                (pb::Speaker::Caller, &t.caller_text),
                (pb::Speaker::Assistant, &t.ai_reply),
            ] {
                if !text.trim().is_empty() {
                    turns.push(pb::ConversationTurn {
                        speaker: speaker as i32,
                        text: text.clone(),
                    });
                }
            }
        }
        // A call recorded before its turns were kept: its transcript, as the caller's words.
        if turns.is_empty()
            && let Some(t) = input
                .call
                .transcript
                .as_deref()
                .filter(|t| !t.trim().is_empty())
        {
            turns.push(pb::ConversationTurn {
                speaker: pb::Speaker::Caller as i32,
                text: t.to_owned(),
            });
        }
        pb::SummarizeCallRequest {
            business: Some(pb::BusinessContext {
                business_id: input.call.business_id.to_string(),
                name: input.business_name.clone(),
                ..Default::default()
            }),
            turns,
            agent_actions: input.actions.clone(),
        }
    }
}

#[async_trait::async_trait]
impl Summarizer for SpeechSummarizer {
    async fn summarize(&self, input: &Input) -> std::result::Result<Option<Draft>, String> {
        let request = Self::request(input);
        if request.turns.is_empty() {
            // Nothing was said: there is nothing for a model to summarise.
            return Ok(None);
        }
        let mut client = self.client.clone();
        let answer = tokio::time::timeout(SUMMARY_TIMEOUT, client.summarize_call(request))
            .await
            .map_err(|_| "timed out".to_owned())?
            .map_err(|s| format!("{:?}: {}", s.code(), s.message()))?
            .into_inner();
        if !answer.summarized {
            return Ok(None);
        }
        Draft::new(&answer.summary, &answer.follow_ups)
            .map(Some)
            .ok_or_else(|| format!("{} answered an empty summary", answer.engine))
    }
}

/// The summary of `input`: the model's, else the fallback.
pub async fn draft(summarizer: &dyn Summarizer, input: &Input) -> (Draft, Source) {
    let sid = &input.call.twilio_sid;
    match summarizer.summarize(input).await {
        Ok(Some(d)) => (d, Source::Llm),
        Ok(None) => (summary::fallback(input), Source::Fallback),
        Err(e) => {
            tracing::warn!(call_sid = %sid, error = %e, "call summary by the model failed; using the fallback");
            (summary::fallback(input), Source::Fallback)
        }
    }
}

/// One pass: claims up to [`BATCH`] pending summaries, makes and stores them. Returns how many
/// were stored.
pub async fn summarize_pending(db: &Db, summarizer: &dyn Summarizer) -> Result<usize> {
    let now = time::now();
    let inputs = db.run(move |conn| summary::claim(conn, now, BATCH)).await?;
    let mut stored = 0;
    for input in inputs {
        let (draft, source) = draft(summarizer, &input).await;
        let call_id = input.call.id.clone();
        let sid = input.call.twilio_sid.clone();
        let event = db
            .transaction(move |conn| summary::store(conn, &call_id, &draft, source))
            .await?;
        if event.is_some() {
            stored += 1;
            tracing::info!(call_sid = %sid, source = source.as_str(), "call summarised");
        }
    }
    if stored > 0 {
        db.poke_outbox();
    }
    Ok(stored)
}

/// Runs passes until `shutdown` is cancelled: one every [`POLL_INTERVAL`], back to back while
/// batches come back full. A failing pass (database unreachable) is logged and retried; the
/// claims it held expire and are taken again.
pub async fn run(
    db: Db,
    summarizer: Arc<dyn Summarizer>,
    shutdown: CancellationToken,
) -> Result<()> {
    tracing::info!("call summariser started");
    let mut failing = false;
    loop {
        let mut again = false;
        let pass = tokio::select! {
            _ = shutdown.cancelled() => break,
            pass = summarize_pending(&db, summarizer.as_ref()) => pass,
        };
        match pass {
            Ok(n) => {
                if failing {
                    tracing::info!("call summariser recovered");
                    failing = false;
                }
                again = n as i64 >= BATCH;
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "call summariser pass failed; retrying");
                    failing = true;
                }
            }
        }
        if again {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
    tracing::info!("call summariser stopped");
    Ok(())
}
