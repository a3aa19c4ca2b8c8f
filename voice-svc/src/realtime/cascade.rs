//! `REALTIME_ENGINE=cascade`: our own pipeline for self-hosting. The caller's audio goes through
//! the WebRTC VAD here; when a turn ends (600 ms of silence) its audio goes to speech-svc's
//! `Transcribe` (the configured STT engine), and the transcript to `StreamReplyAndSpeak`, which
//! streams the reply sentence by sentence as 8 kHz μ-law while the LLM is still writing. A
//! barge-in drops that stream (speech-svc stops the LLM and the synthesis) and keeps in the
//! conversation only what the caller heard.
//!
//! With the business's agent ([`CallContext::agent`]) each turn names its conversation (the
//! caller's number, the call's SID, the turn) and speech-svc answers as the agent: the same
//! tool loop as a recorded turn (its tools run in crm-svc's `RunAgentTool`, at most 4 rounds),
//! then its answer is spoken sentence by sentence. What the agent did comes back with the reply:
//! `hand_off` to a number and `end_call` wait for that reply to play, as with the `openai`
//! engine ([`EngineEvent::HandOff`], [`EngineEvent::EndCall`]).

use super::{
    CallContext, EngineChannels, EngineCommand, EngineEnds, EngineEvent, RealtimeEngine, ReplyId,
    channels,
    vad::{FrameVad, SpeechEvent, SpeechTracker},
};
use crate::{
    error::{Error, Result},
    service::SpeechClient,
    settings::TurnTaking,
    strings,
};
use agentlocator_common::mulaw;
use agentlocator_proto::v1::{
    AgentChannel, AgentConversation, AgentTurn, BusinessContext, ConversationTurn,
    ReplyAndSpeakRequest, ReplyRequest, Speaker, TranscribeRequest, TranscriptStatus,
    spoken_reply_chunk::Chunk, transcribe_request::Source,
};
use std::{collections::VecDeque, time::Duration};
use tokio::{sync::mpsc, task::JoinHandle};

const ENGINE: &str = "cascade";
/// Audio kept from before the VAD's onset, so a turn's first syllable is not cut.
const PRE_ROLL: usize = 10;
/// Speech shorter than this is a click or a breath, not a turn.
const MIN_TURN: Duration = Duration::from_millis(100);
/// Longest turn kept (a caller who talks for a minute is answered on the last 30 s).
const MAX_TURN_BYTES: usize = 30 * mulaw::RATE as usize;
/// Earlier turns sent with each reply.
const MAX_HISTORY: usize = 20;

pub struct Cascade {
    speech: SpeechClient,
    turn_taking: TurnTaking,
}

impl Cascade {
    pub fn new(speech: SpeechClient, turn_taking: TurnTaking) -> Self {
        Cascade {
            speech,
            turn_taking,
        }
    }
}

#[async_trait::async_trait]
impl RealtimeEngine for Cascade {
    fn name(&self) -> &'static str {
        ENGINE
    }

    async fn start(&self, call: CallContext) -> Result<EngineChannels> {
        let (session_ends, ends) = channels();
        ends.events
            .send(EngineEvent::Ready)
            .await
            .map_err(|_| Error::Realtime {
                engine: ENGINE,
                message: "the call's session is gone".into(),
            })?;
        let state = Conversation {
            speech: self.speech.clone(),
            turn_taking: self.turn_taking,
            call,
            history: Vec::new(),
            next_reply: 1,
        };
        tokio::spawn(state.run(ends));
        Ok(session_ends)
    }
}

/// A turn being answered: its task and what it answers.
struct InFlight {
    reply: ReplyId,
    task: JoinHandle<Option<Answered>>,
    /// The turn's audio, in case the caller goes on before the answer starts.
    audio: Vec<u8>,
    /// Whether any of its audio reached the session (from then on the caller can hear it).
    speaking: tokio::sync::watch::Receiver<bool>,
}

/// A turn answered in full.
struct Answered {
    caller_text: String,
    reply_text: String,
}

struct Conversation {
    speech: SpeechClient,
    turn_taking: TurnTaking,
    call: CallContext,
    history: Vec<ConversationTurn>,
    next_reply: ReplyId,
}

impl Conversation {
    async fn run(mut self, mut ends: EngineEnds) {
        let mut vad = FrameVad::default();
        let mut tracker = SpeechTracker::new(self.turn_taking);
        let mut pre_roll: VecDeque<Vec<u8>> = VecDeque::with_capacity(PRE_ROLL);
        let mut utterance: Vec<u8> = Vec::new();
        let mut in_flight: Option<InFlight> = None;
        // The reply whose audio the caller may still be hearing.
        let mut audible: Option<ReplyId> = None;
        loop {
            tokio::select! {
                command = ends.commands.recv() => match command {
                    None => break,
                    Some(EngineCommand::Audio(frame)) => {
                        let event = tracker.push(vad.is_speech(&frame));
                        if tracker.in_speech() || matches!(event, Some(SpeechEvent::Ended { .. })) {
                            if matches!(event, Some(SpeechEvent::Onset)) {
                                utterance = pre_roll.drain(..).flatten().collect();
                                let _ = ends.events.send(EngineEvent::SpeechStarted).await;
                            }
                            if utterance.len() < MAX_TURN_BYTES {
                                utterance.extend_from_slice(&frame);
                            }
                        } else {
                            if pre_roll.len() == PRE_ROLL {
                                pre_roll.pop_front();
                            }
                            pre_roll.push_back(frame);
                        }
                        let Some(SpeechEvent::Ended { speech }) = event else { continue };
                        let mut audio = std::mem::take(&mut utterance);
                        if speech < MIN_TURN {
                            continue;
                        }
                        // "כן" while the agent talks is listening, not a turn.
                        if audible.is_some() && speech < self.turn_taking.barge_in {
                            continue;
                        }
                        if let Some(prev) = in_flight.take() {
                            prev.task.abort();
                            if *prev.speaking.borrow() {
                                let _ = ends.events.send(EngineEvent::ReplyDone { reply: prev.reply, needs_follow_up: false }).await;
                            } else {
                                // The caller went on before the answer began: one turn of both.
                                let mut both = prev.audio;
                                both.extend_from_slice(&audio);
                                audio = both;
                            }
                        }
                        in_flight = Some(self.answer(audio, ends.events.clone()));
                    }
                    Some(EngineCommand::Played { reply }) => {
                        if audible == Some(reply) {
                            audible = None;
                        }
                    }
                    Some(EngineCommand::Interrupt { reply, heard_text, .. }) => {
                        if audible == Some(reply) {
                            audible = None;
                        }
                        if let Some(f) = in_flight.take_if(|f| f.reply == reply) {
                            f.task.abort();
                            let _ = ends.events.send(EngineEvent::ReplyDone { reply, needs_follow_up: false }).await;
                            // Only what was heard stays in the conversation.
                            self.remember(Speaker::Assistant, heard_text);
                        } else if let Some(last) = self.history.last_mut()
                            && last.speaker() == Speaker::Assistant
                        {
                            last.text = heard_text;
                        }
                    }
                },
                finished = async {
                    match in_flight.as_mut() {
                        Some(f) => Some((f.reply, (&mut f.task).await)),
                        None => std::future::pending().await,
                    }
                } => {
                    let Some((reply, result)) = finished else { continue };
                    in_flight = None;
                    match result {
                        Ok(Some(answered)) => {
                            audible = Some(reply);
                            self.remember(Speaker::Caller, answered.caller_text);
                            self.remember(Speaker::Assistant, answered.reply_text);
                        }
                        Ok(None) => {}
                        Err(e) if e.is_cancelled() => {}
                        Err(e) => tracing::error!(error = %e, "cascade turn task failed"),
                    }
                },
            }
            if let Some(f) = &in_flight
                && *f.speaking.borrow()
            {
                audible = Some(f.reply);
            }
        }
        if let Some(f) = in_flight {
            f.task.abort();
        }
    }

    fn remember(&mut self, speaker: Speaker, text: String) {
        if text.trim().is_empty() {
            return;
        }
        self.history.push(ConversationTurn {
            speaker: speaker as i32,
            text,
        });
        let extra = self.history.len().saturating_sub(MAX_HISTORY);
        self.history.drain(..extra);
    }

    /// Starts answering a turn of `audio` in a task of its own.
    fn answer(&mut self, audio: Vec<u8>, events: mpsc::Sender<EngineEvent>) -> InFlight {
        let reply = self.next_reply;
        self.next_reply += 1;
        let (speaking_tx, speaking) = tokio::sync::watch::channel(false);
        let turn = Turn {
            speech: self.speech.clone(),
            call: self.call.clone(),
            history: self.history.clone(),
            reply,
            events,
            speaking: speaking_tx,
        };
        InFlight {
            reply,
            task: tokio::spawn(turn.run(mulaw::wav(&audio))),
            audio,
            speaking,
        }
    }
}

/// One caller turn: transcribe it, then stream the reply's speech to the session.
struct Turn {
    speech: SpeechClient,
    call: CallContext,
    history: Vec<ConversationTurn>,
    reply: ReplyId,
    events: mpsc::Sender<EngineEvent>,
    speaking: tokio::sync::watch::Sender<bool>,
}

impl Turn {
    async fn run(self, wav: Vec<u8>) -> Option<Answered> {
        let business_id = self.call.business.id.clone();
        let transcribed = self
            .speech
            .clone()
            .transcribe(TranscribeRequest {
                source: Some(Source::Audio(wav)),
                business_id,
            })
            .await;
        let t = match transcribed {
            Ok(t) => t.into_inner(),
            Err(s) => {
                self.fail(format!("transcription failed: {}", s.message()))
                    .await;
                return None;
            }
        };
        let caller_text = match t.status() {
            TranscriptStatus::Done if !t.text.trim().is_empty() => t.text.trim().to_string(),
            TranscriptStatus::Pending => {
                self.fail("no speech-to-text engine is configured (STT_ENGINE=none)".into())
                    .await;
                return None;
            }
            // Noise or a lone syllable: nothing to answer.
            _ => return None,
        };
        self.send(EngineEvent::CallerSaid {
            text: caller_text.clone(),
        })
        .await;
        let b = &self.call.business;
        let request = ReplyAndSpeakRequest {
            reply: Some(ReplyRequest {
                business: Some(BusinessContext {
                    business_id: b.id.clone(),
                    name: b.name.clone(),
                    // What the caller heard first: while closed, why and until when.
                    greeting: match &self.call.closed {
                        Some(c) => strings::closed_answer_realtime(&b.name, &c.sentence),
                        None => b.greeting_text.clone(),
                    },
                    knowledge: b.knowledge.clone(),
                }),
                history: self.history.clone(),
                caller_text: caller_text.clone(),
                agent: self.conversation(&caller_text),
            }),
            voice: self.call.voice.clone(),
        };
        let mut stream = match self.speech.clone().stream_reply_and_speak(request).await {
            Ok(s) => s.into_inner(),
            Err(s) => {
                self.fail(format!("reply failed: {}", s.message())).await;
                return None;
            }
        };
        let mut spoken = Vec::new();
        loop {
            let chunk = match stream.message().await {
                Ok(Some(c)) => c.chunk,
                Ok(None) => {
                    self.fail("the reply stream ended early".into()).await;
                    return None;
                }
                Err(s) => {
                    self.fail(format!("reply stream failed: {}", s.message()))
                        .await;
                    return None;
                }
            };
            match chunk {
                Some(Chunk::Sentence(s)) => {
                    if s.fallback {
                        // speech-svc could not answer: the record loop's TwiML says the same
                        // fallback sentence once, so it is not said here too.
                        self.fail("the reply engine failed; speech-svc spoke the fallback".into())
                            .await;
                        return None;
                    }
                    self.send(EngineEvent::ReplySentence {
                        reply: self.reply,
                        text: s.text.clone(),
                    })
                    .await;
                    spoken.push(s.text);
                }
                Some(Chunk::Audio(a)) if !a.mulaw.is_empty() => {
                    self.speaking.send_replace(true);
                    self.send(EngineEvent::ReplyAudio {
                        reply: self.reply,
                        mulaw: a.mulaw,
                    })
                    .await;
                }
                Some(Chunk::Audio(_)) => {}
                Some(Chunk::Done(d)) => {
                    if d.fallback {
                        self.fail(format!("speech-svc fell back: {}", d.failure))
                            .await;
                        return None;
                    }
                    if !d.failure.is_empty() {
                        tracing::warn!(failure = d.failure, "reply ended early");
                    }
                    if let Some(ending) = d.agent.as_ref().and_then(|a| self.ending(a)) {
                        self.send(ending).await;
                    }
                    self.send(EngineEvent::ReplyDone {
                        reply: self.reply,
                        needs_follow_up: d.needs_follow_up,
                    })
                    .await;
                    return Some(Answered {
                        caller_text,
                        reply_text: spoken.join(" "),
                    });
                }
                None => {}
            }
        }
    }

    async fn send(&self, event: EngineEvent) {
        let _ = self.events.send(event).await;
    }

    /// The agent's conversation of this turn, when the business's agent serves the call. The
    /// turn's reference is unique in the call (speech-svc prefixes the model's tool call ids
    /// with it, so a model numbering its calls anew each turn is not taken for a retry).
    fn conversation(&self, caller_text: &str) -> Option<AgentConversation> {
        self.call.agent.as_ref()?;
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        Some(AgentConversation {
            business_id: self.call.business.id.clone(),
            channel: AgentChannel::Call as i32,
            customer_phone: self.call.from.clone(),
            conversation_ref: self.call.call_sid.clone(),
            turn_ref: format!("cascade-{started}-{}", self.reply),
            turn_text: caller_text.to_owned(),
        })
    }

    /// What follows this reply when the agent handed the call off or ended it: once this reply
    /// has played (it holds the agent's last words, so `after` is the one before it).
    fn ending(&self, agent: &AgentTurn) -> Option<EngineEvent> {
        let after = self.reply.saturating_sub(1);
        if !agent.handoff_phone.trim().is_empty() {
            Some(EngineEvent::HandOff {
                phone: agent.handoff_phone.trim().to_owned(),
                after,
            })
        } else if agent.end_call {
            Some(EngineEvent::EndCall { after })
        } else {
            None
        }
    }

    async fn fail(&self, reason: String) {
        tracing::warn!(engine = ENGINE, reason, "realtime turn failed");
        self.send(EngineEvent::Failed { reason }).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_is_sent_as_a_mulaw_wav() {
        let wav = mulaw::wav(&[mulaw::SILENCE; 1600]);
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(u16::from_le_bytes([wav[20], wav[21]]), 7);
        assert_eq!(wav.len(), 1600 + 58);
    }
}
