//! The gRPC face of speech-svc: thin methods that convert the request, call [`Speech`] and
//! convert the answer. Errors become statuses in one place (`From<Error> for Status`).

use crate::{
    error::Error,
    reply::{
        BusinessContext, QaEntry, ReplyContext, Speaker, Turn,
        agent::{Channel, Conversation},
    },
    service::{AgentTurn, AudioInput, Speech, SpokenPart, Synthesized, Timings},
    stt::Transcript,
};
use agentlocator_proto::v1::{
    self as pb, ServiceInfo, ServiceInfoRequest, speech_service_server::SpeechService,
};
use std::{pin::Pin, sync::Arc};
use tokio_stream::{Stream, StreamExt, wrappers::ReceiverStream};
use tonic::{Request, Response, Status};

/// The messages of a live reply, as tonic sends them.
pub type SpokenChunks = Pin<Box<dyn Stream<Item = Result<pb::SpokenReplyChunk, Status>> + Send>>;

pub struct SpeechGrpc {
    info: ServiceInfo,
    speech: Arc<Speech>,
}

impl SpeechGrpc {
    pub fn new(info: ServiceInfo, speech: Arc<Speech>) -> Self {
        Self { info, speech }
    }
}

fn timings(t: &Timings) -> Vec<pb::StageTiming> {
    t.stages()
        .iter()
        .map(|(stage, d)| pb::StageTiming {
            stage: (*stage).to_string(),
            millis: u32::try_from(d.as_millis()).unwrap_or(u32::MAX),
        })
        .collect()
}

fn audio(s: &Synthesized) -> pb::SynthesizedAudio {
    pb::SynthesizedAudio {
        file_name: s.audio.file_name.clone(),
        content_type: s.audio.format.content_type().into(),
        url: s.url.clone(),
        cached: s.audio.cached,
        voice: s.voice.clone(),
        size_bytes: s.audio.size,
    }
}

impl From<SpokenPart> for pb::SpokenReplyChunk {
    fn from(part: SpokenPart) -> Self {
        use pb::spoken_reply_chunk::Chunk;
        let chunk = match part {
            SpokenPart::Sentence {
                index,
                text,
                fallback,
            } => Chunk::Sentence(pb::SpokenSentence {
                index,
                text,
                fallback,
            }),
            SpokenPart::Audio {
                sentence_index,
                mulaw,
            } => Chunk::Audio(pb::SpokenAudio {
                sentence_index,
                mulaw,
            }),
            SpokenPart::Done(d) => Chunk::Done(pb::SpokenReplyDone {
                text: d.text,
                fallback: d.fallback,
                failure: d.failure.unwrap_or_default(),
                reply_engine: d.reply_engine.into(),
                tts_engine: d.tts_engine.into(),
                needs_follow_up: d.needs_follow_up,
                matched_question: d.matched_question.unwrap_or_default(),
                timings: timings(&d.timings),
                agent: d.agent.map(Into::into),
            }),
        };
        pb::SpokenReplyChunk { chunk: Some(chunk) }
    }
}

impl From<AgentTurn> for pb::AgentTurn {
    fn from(t: AgentTurn) -> Self {
        pb::AgentTurn {
            actions: t.actions,
            handoff_phone: t.handoff_phone.unwrap_or_default(),
            end_call: t.end_call,
        }
    }
}

/// The agent's conversation of a reply request, checked: it is the request's business's (or
/// names none), on a known channel, with the caller's phone and a conversation reference.
fn conversation(r: &pb::ReplyRequest) -> Result<Option<Conversation>, Error> {
    let Some(c) = &r.agent else {
        return Ok(None);
    };
    let business_id = r
        .business
        .as_ref()
        .map(|b| b.business_id.trim())
        .unwrap_or_default();
    if business_id.is_empty() {
        return Err(Error::InvalidRequest(
            "an agent turn needs business.business_id".into(),
        ));
    }
    if !c.business_id.trim().is_empty() && c.business_id.trim() != business_id {
        return Err(Error::InvalidRequest(
            "agent.business_id is not the request's business".into(),
        ));
    }
    let channel = match c.channel() {
        pb::AgentChannel::Call => Channel::Call,
        pb::AgentChannel::Whatsapp => Channel::Whatsapp,
        pb::AgentChannel::Unspecified => {
            return Err(Error::InvalidRequest("agent.channel is required".into()));
        }
    };
    for (field, value) in [
        ("agent.customer_phone", &c.customer_phone),
        ("agent.conversation_ref", &c.conversation_ref),
    ] {
        if value.trim().is_empty() {
            return Err(Error::InvalidRequest(format!("{field} is required")));
        }
    }
    Ok(Some(Conversation {
        business_id: business_id.to_owned(),
        channel,
        customer_phone: c.customer_phone.trim().to_owned(),
        conversation_ref: c.conversation_ref.trim().to_owned(),
        turn_ref: c.turn_ref.trim().to_owned(),
        turn_text: match c.turn_text.trim() {
            "" => r.caller_text.trim().to_owned(),
            t => t.to_owned(),
        },
    }))
}

impl TryFrom<pb::ReplyRequest> for ReplyContext {
    type Error = Error;

    fn try_from(r: pb::ReplyRequest) -> Result<Self, Error> {
        let b = r.business.unwrap_or_default();
        let history = turns(r.history, "history")?;
        Ok(ReplyContext {
            business: BusinessContext {
                business_id: b.business_id,
                name: b.name,
                greeting: b.greeting,
                knowledge: b
                    .knowledge
                    .into_iter()
                    .map(|e| QaEntry {
                        question: e.question,
                        answer: e.answer,
                    })
                    .collect(),
            },
            history,
            caller_text: r.caller_text,
        })
    }
}

/// The turns of a request (`field` names them in the error of a turn without a speaker).
fn turns(turns: Vec<pb::ConversationTurn>, field: &str) -> Result<Vec<Turn>, Error> {
    turns
        .into_iter()
        .map(|t| {
            let speaker = match t.speaker() {
                pb::Speaker::Caller => Speaker::Caller,
                pb::Speaker::Assistant => Speaker::Assistant,
                pb::Speaker::Unspecified => {
                    return Err(Error::InvalidRequest(format!(
                        "every {field} turn needs a speaker"
                    )));
                }
            };
            Ok(Turn {
                speaker,
                text: t.text,
            })
        })
        .collect()
}

impl TryFrom<pb::SummarizeCallRequest> for crate::reply::summary::CallDigest {
    type Error = Error;

    /// A call with no turn is not a call to summarise.
    fn try_from(r: pb::SummarizeCallRequest) -> Result<Self, Error> {
        let turns = turns(r.turns, "call")?;
        if turns.iter().all(|t| t.text.trim().is_empty()) {
            return Err(Error::InvalidRequest("turns: the call has no words".into()));
        }
        Ok(Self {
            business_name: r.business.map(|b| b.name).unwrap_or_default(),
            turns,
            actions: r.agent_actions,
        })
    }
}

impl TryFrom<pb::TranscribeRequest> for AudioInput {
    type Error = Error;

    fn try_from(r: pb::TranscribeRequest) -> Result<Self, Error> {
        use pb::transcribe_request::Source;
        match r.source {
            Some(Source::Audio(bytes)) => Ok(AudioInput::Bytes(bytes)),
            Some(Source::RecordingUrl(url)) => Ok(AudioInput::RecordingUrl(url)),
            None => Err(Error::InvalidRequest(
                "give either audio or recording_url".into(),
            )),
        }
    }
}

#[tonic::async_trait]
impl SpeechService for SpeechGrpc {
    async fn info(&self, _: Request<ServiceInfoRequest>) -> Result<Response<ServiceInfo>, Status> {
        Ok(Response::new(self.info.clone()))
    }

    async fn transcribe(
        &self,
        req: Request<pb::TranscribeRequest>,
    ) -> Result<Response<pb::TranscribeResponse>, Status> {
        let req = req.into_inner();
        let business_id = req.business_id.clone();
        let t = self.speech.transcribe(AudioInput::try_from(req)?).await?;
        let (status, text, notice) = match &t.transcript {
            Transcript::Done(text) => (pb::TranscriptStatus::Done, text.clone(), ""),
            Transcript::Pending => (pb::TranscriptStatus::Pending, String::new(), ""),
            Transcript::Unclear { raw } => {
                tracing::info!(%business_id, raw = %raw, "transcript unclear");
                (
                    pb::TranscriptStatus::Unclear,
                    String::new(),
                    crate::strings::UNCLEAR,
                )
            }
        };
        tracing::info!(%business_id, engine = t.engine, ?status, timings = ?t.timings, "transcribed");
        Ok(Response::new(pb::TranscribeResponse {
            status: status as i32,
            text,
            unclear_notice: notice.into(),
            engine: t.engine.into(),
            audio_seconds: t.audio_duration.as_secs_f64(),
            source_format: t.source_format.as_str().into(),
            timings: timings(&t.timings),
        }))
    }

    async fn reply(
        &self,
        req: Request<pb::ReplyRequest>,
    ) -> Result<Response<pb::ReplyResponse>, Status> {
        let req = req.into_inner();
        let conv = conversation(&req)?;
        let ctx = ReplyContext::try_from(req)?;
        let r = self.speech.reply_in(&ctx, conv.as_ref()).await?;
        Ok(Response::new(pb::ReplyResponse {
            text: r.reply.text,
            engine: r.engine.into(),
            needs_follow_up: r.reply.needs_follow_up,
            matched_question: r.reply.matched_question.unwrap_or_default(),
            timings: timings(&r.timings),
            agent: r.agent.map(Into::into),
        }))
    }

    async fn synthesize(
        &self,
        req: Request<pb::SynthesizeRequest>,
    ) -> Result<Response<pb::SynthesizeResponse>, Status> {
        let req = req.into_inner();
        let s = self
            .speech
            .synthesize(&req.text, Some(req.voice.as_str()))
            .await?;
        Ok(Response::new(pb::SynthesizeResponse {
            audio: Some(audio(&s)),
            engine: s.engine.into(),
            timings: timings(&s.timings),
        }))
    }

    async fn reply_and_speak(
        &self,
        req: Request<pb::ReplyAndSpeakRequest>,
    ) -> Result<Response<pb::ReplyAndSpeakResponse>, Status> {
        let req = req.into_inner();
        let reply = req.reply.unwrap_or_default();
        let conv = conversation(&reply)?;
        let ctx = ReplyContext::try_from(reply)?;
        let s = self
            .speech
            .reply_and_speak_in(&ctx, Some(req.voice.as_str()), conv.as_ref())
            .await?;
        Ok(Response::new(pb::ReplyAndSpeakResponse {
            text: s.text,
            audio: Some(audio(&s.audio)),
            fallback: s.fallback,
            failure: s.failure.unwrap_or_default(),
            reply_engine: s.reply_engine.into(),
            tts_engine: s.audio.engine.into(),
            needs_follow_up: s.needs_follow_up,
            matched_question: s.matched_question.unwrap_or_default(),
            timings: timings(&s.timings),
            agent: s.agent.map(Into::into),
        }))
    }

    type StreamReplyAndSpeakStream = SpokenChunks;

    async fn stream_reply_and_speak(
        &self,
        req: Request<pb::ReplyAndSpeakRequest>,
    ) -> Result<Response<SpokenChunks>, Status> {
        let req = req.into_inner();
        let reply = req.reply.unwrap_or_default();
        let conv = conversation(&reply)?;
        let ctx = ReplyContext::try_from(reply)?;
        let parts = self
            .speech
            .stream_reply_and_speak_in(ctx, Some(req.voice.as_str()), conv)?;
        // Tonic drops this stream when the client goes away, and with it the receiver: the
        // reply's task sees its channel closed and stops.
        let chunks = ReceiverStream::new(parts).map(|part| match part {
            Ok(part) => Ok(part.into()),
            Err(e) => Err(Status::from(e)),
        });
        Ok(Response::new(Box::pin(chunks)))
    }

    async fn summarize_call(
        &self,
        req: Request<pb::SummarizeCallRequest>,
    ) -> Result<Response<pb::SummarizeCallResponse>, Status> {
        let digest = crate::reply::summary::CallDigest::try_from(req.into_inner())?;
        let summary = self.speech.summarize_call(&digest).await?;
        Ok(Response::new(match summary {
            Some(s) => pb::SummarizeCallResponse {
                summarized: true,
                summary: s.summary,
                follow_ups: s.follow_ups,
                engine: self.speech.reply_engine().into(),
            },
            None => pb::SummarizeCallResponse {
                summarized: false,
                engine: self.speech.reply_engine().into(),
                ..Default::default()
            },
        }))
    }

    async fn get_audio(
        &self,
        req: Request<pb::GetAudioRequest>,
    ) -> Result<Response<pb::GetAudioResponse>, Status> {
        let (data, format) = self.speech.audio_file(&req.into_inner().file_name).await?;
        Ok(Response::new(pb::GetAudioResponse {
            data,
            content_type: format.content_type().into(),
        }))
    }
}
