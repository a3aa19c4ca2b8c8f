//! One realtime call: Twilio's WebSocket on one side, the realtime engine on the other. The
//! session checks the stream's token, starts the engine, forwards the caller's audio, paces the
//! agent's audio out at real time, decides barge-in with its own VAD (the same for every engine),
//! and logs each turn as the record loop does (`call.transcribed`, `call.answered`). When the
//! engine fails it closes the socket: Twilio then plays the TwiML after `<Connect>` — the fallback
//! sentence once, then the record loop. When its replica stops and the drain limit passes, the call
//! is handed to the record loop through Twilio's REST API once the agent has finished speaking
//! ([`Ending::HandedOver`]).

use super::{
    playback::{LEAD_FRAMES, Out, Playback, Reply},
    protocol::{self, Inbound, Outbound},
    sleep_until,
};
use crate::{
    realtime::{
        CallContext, EngineChannels, EngineCommand, EngineEvent, ReplyId,
        tools::{CallAgent, CrmAgentTools, allowed_tools},
        vad::{FrameVad, SpeechEvent, SpeechTracker},
    },
    service::Voice,
    stream_token::StreamClaims,
};
use agentlocator_proto::v1::{self as pb, CallEventKind};
use futures::{Sink, SinkExt, Stream, StreamExt};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::{sync::mpsc, time::MissedTickBehavior};
use tokio_tungstenite::tungstenite::{
    Message,
    protocol::{CloseFrame, frame::coding::CloseCode},
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Twilio sends a frame every 20 ms while the call is up; this long without one, the stream is
/// dead.
const IDLE: Duration = Duration::from_secs(10);
/// Longest the stream may take from the upgrade to its `start`.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest the engine may take to connect.
const ENGINE_START_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest the peer may take to answer our close.
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// Text frames that are not Twilio messages tolerated before the stream is closed.
const MAX_MALFORMED: u32 = 50;
/// At the hand-over, longest the agent's reply may go on playing before the call is handed over.
const HANDOVER_WAIT: Duration = Duration::from_secs(8);

/// Histogram: caller speech onset → Twilio `clear` sent.
pub const BARGE_IN_SECONDS: &str = "voice_realtime_barge_in_seconds";
/// Histogram: the caller's turn ended (our VAD) → the reply's first frame sent.
pub const FIRST_AUDIO_SECONDS: &str = "voice_realtime_first_audio_seconds";
/// Counter of realtime calls by `outcome`.
pub const CALLS_TOTAL: &str = "voice_realtime_calls_total";

/// How a stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Twilio stopped the stream (the call ended) or closed the socket.
    Stopped,
    /// Refused before anything was stored: bad token, unknown business, wrong format.
    Refused,
    /// The engine could not start or failed: Twilio falls back to the record loop.
    EngineFailed,
    /// Nothing came from Twilio for too long, or the socket broke.
    Lost,
    /// The replica is stopping and the drain limit passed: the call goes on in the record loop
    /// (handed over through Twilio's REST API, else by the TwiML after `<Connect>`).
    HandedOver,
    /// The agent put the caller through to a person or ended the call (through Twilio's REST
    /// API).
    AgentEnded,
}

impl Ending {
    fn label(self) -> &'static str {
        match self {
            Ending::Stopped => "stopped",
            Ending::Refused => "refused",
            Ending::EngineFailed => "engine_failed",
            Ending::Lost => "lost",
            Ending::HandedOver => "handed_over",
            Ending::AgentEnded => "agent_ended",
        }
    }
}

/// What the session knows once the stream has started.
struct Call {
    stream_sid: String,
    claims: StreamClaims,
    business_id: String,
}

/// Runs a stream to its end on a socket whose upgrade was verified; `hand_over` is cancelled at
/// the drain limit.
pub async fn run<S>(socket: S, voice: Voice, hand_over: &CancellationToken) -> Ending
where
    S: Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
        + Sink<Message, Error = tokio_tungstenite::tungstenite::Error>
        + Unpin,
{
    let (mut tx, mut rx) = socket.split();
    let ending = match started(&mut rx, &voice).await {
        Err(ending) => ending,
        Ok((call, business)) => {
            let span = tracing::info_span!("voice.realtime", call_sid = %call.claims.call_sid);
            talk(&mut tx, &mut rx, &voice, call, business, hand_over)
                .instrument(span)
                .await
        }
    };
    metrics::counter!(CALLS_TOTAL, "outcome" => ending.label()).increment(1);
    let (code, reason) = match ending {
        Ending::Stopped => (CloseCode::Normal, "call ended"),
        Ending::Refused => (CloseCode::Policy, "stream refused"),
        // A normal close: Twilio goes on with the TwiML after <Connect> (the fallback).
        Ending::EngineFailed => (CloseCode::Normal, "falling back to the record loop"),
        Ending::Lost => (CloseCode::Away, "stream lost"),
        Ending::HandedOver => (CloseCode::Normal, "handed over to the record loop"),
        Ending::AgentEnded => (CloseCode::Normal, "the agent ended the call"),
    };
    let _ = tx
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
    // The closing handshake: read on until the peer's close (frames it sent meanwhile are
    // dropped), so the connection is not reset under frames still in flight.
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(Ok(m)) = rx.next().await {
            if m.is_close() {
                break;
            }
        }
    })
    .await;
    let _ = tx.close().await;
    ending
}

/// Reads up to the `start` message and checks it: the token must be the one voice-svc made for
/// this call, the business must exist with voice on, the audio must be 8 kHz μ-law.
async fn started<R>(rx: &mut R, voice: &Voice) -> Result<(Call, pb::Business), Ending>
where
    R: Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let deadline = tokio::time::Instant::now() + START_TIMEOUT;
    let mut malformed = 0;
    let (stream_sid, start) = loop {
        let msg = match tokio::time::timeout_at(deadline, rx.next()).await {
            Err(_) => {
                tracing::warn!("media stream sent no start in time");
                return Err(Ending::Lost);
            }
            Ok(None | Some(Err(_))) => return Err(Ending::Lost),
            Ok(Some(Ok(m))) => m,
        };
        match text(&msg).map(protocol::parse) {
            Some(Ok(Inbound::Start { stream_sid, start })) => break (stream_sid, start),
            Some(Ok(Inbound::Stop { .. })) => return Err(Ending::Stopped),
            Some(Ok(_)) => {}
            Some(Err(_)) => {
                malformed += 1;
                if malformed > MAX_MALFORMED {
                    return Err(Ending::Refused);
                }
            }
            None if msg.is_close() => return Err(Ending::Stopped),
            None => {}
        }
    };
    let claims = match voice
        .stream_tokens()
        .verify(&start.call_sid, &start.custom_parameters)
    {
        Ok(c) => c,
        Err(why) => {
            tracing::warn!(call_sid = start.call_sid, %why, "media stream refused");
            metrics::counter!("voice_webhooks_refused_total").increment(1);
            return Err(Ending::Refused);
        }
    };
    if !start.media_format.is_phone_mulaw() {
        tracing::warn!(format = ?start.media_format, "media stream in an unexpected format");
        return Err(Ending::Refused);
    }
    let business = match voice.business_by_id(&claims.business_id).await {
        Ok(Some(b)) if crate::service::voice_enabled(&b) => b,
        Ok(_) => {
            tracing::warn!(
                business_id = claims.business_id,
                "media stream for a business that is gone or has voice off"
            );
            return Err(Ending::Refused);
        }
        Err(e) => {
            tracing::warn!(error = %e, "crm-svc unavailable at stream start");
            return Err(Ending::EngineFailed);
        }
    };
    Ok((
        Call {
            stream_sid,
            business_id: business.id.clone(),
            claims,
        },
        business,
    ))
}

fn text(msg: &Message) -> Option<&str> {
    match msg {
        Message::Text(t) => Some(t.as_str()),
        _ => None,
    }
}

/// The conversation, until the call ends or the engine fails.
async fn talk<T, R>(
    tx: &mut T,
    rx: &mut R,
    voice: &Voice,
    call: Call,
    business: pb::Business,
    hand_over: &CancellationToken,
) -> Ending
where
    T: Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
    R: Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let Some(engine) = voice.realtime_engine() else {
        return Ending::EngineFailed;
    };
    // Decided by `incoming_call` (the greeting said so); the same hours at the same instant.
    let closed = i64::try_from(call.claims.closed_at)
        .ok()
        .filter(|at| *at > 0)
        .and_then(|at| chrono::DateTime::from_timestamp(at, 0))
        .and_then(|at| voice.closed_at(&business, at));
    let context = CallContext {
        voice: business_voice(&business),
        agent: call_agent(voice, &business, &call.claims).await,
        closed: closed.clone(),
        business,
        call_sid: call.claims.call_sid.clone(),
        from: call.claims.from.clone(),
    };
    let EngineChannels {
        commands,
        mut events,
    } = match tokio::time::timeout(ENGINE_START_TIMEOUT, engine.start(context)).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "realtime engine did not start; falling back");
            return Ending::EngineFailed;
        }
        Err(_) => {
            tracing::warn!("realtime engine took too long to start; falling back");
            return Ending::EngineFailed;
        }
    };
    voice.start_recording(&call.business_id, &call.claims.call_sid);

    let turn_taking = voice.settings().turn_taking;
    let mut vad = FrameVad::default();
    let mut speech = SpeechTracker::new(turn_taking);
    let mut playback = Playback::default();
    let mut log = TurnLog::new(voice, &call);
    log.message_due_at = closed.map(|c| agentlocator_proto::to_timestamp(c.due_at));
    let mut pace = tokio::time::interval(crate::realtime::vad::FRAME);
    pace.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut onset: Option<Instant> = None;
    let mut turn_ended: Option<Instant> = None;
    let mut malformed = 0;
    let mut dropped_audio = 0u32;
    // Set at the drain limit: the call is handed over once the agent is silent, or at this time.
    let mut hand_over_by: Option<tokio::time::Instant> = None;
    // Set when the agent hands off or ends the call: done once its last words have played.
    let mut agent_ending: Option<AgentEnding> = None;

    let ending = loop {
        if hand_over_by.is_some() && !playback.audible() {
            break Ending::HandedOver;
        }
        if agent_ending.as_ref().is_some_and(|e| e.spoken) && !playback.audible() {
            break Ending::AgentEnded;
        }
        tokio::select! {
            biased;
            msg = tokio::time::timeout(IDLE, rx.next()) => {
                let msg = match msg {
                    Err(_) => {
                        tracing::warn!("media stream idle; ending it");
                        break Ending::Lost;
                    }
                    Ok(None | Some(Err(_))) => break Ending::Lost,
                    Ok(Some(Ok(m))) => m,
                };
                let Some(t) = text(&msg) else {
                    if msg.is_close() { break Ending::Stopped; }
                    continue;
                };
                match protocol::parse(t) {
                    Ok(Inbound::Media { media, .. }) => {
                        // Only the caller's side (an inbound-only stream has no other).
                        if !(media.track.is_empty() || media.track == "inbound") { continue; }
                        let Some(audio) = media.audio() else {
                            malformed += 1;
                            if malformed > MAX_MALFORMED { break Ending::Refused; }
                            continue;
                        };
                        match speech.push(vad.is_speech(&audio)) {
                            Some(SpeechEvent::Onset) => onset = Some(Instant::now()),
                            Some(SpeechEvent::Sustained) if playback.audible() => {
                                if let Some(cut) = playback.interrupt() {
                                    if send(tx, &Outbound::clear(&call.stream_sid)).await.is_err() {
                                        break Ending::Lost;
                                    }
                                    if let Some(t0) = onset {
                                        metrics::histogram!(BARGE_IN_SECONDS).record(t0.elapsed().as_secs_f64());
                                    }
                                    let heard = cut.interrupted_at.unwrap_or_default();
                                    tracing::info!(reply = cut.id, heard_ms = Reply::millis(heard), "caller barged in");
                                    let _ = commands.try_send(EngineCommand::Interrupt {
                                        reply: cut.id,
                                        heard_ms: Reply::millis(heard),
                                        heard_text: cut.text_heard(heard),
                                    });
                                }
                            }
                            Some(SpeechEvent::Ended { .. }) => turn_ended = Some(Instant::now()),
                            _ => {}
                        }
                        if commands.try_send(EngineCommand::Audio(audio)).is_err() {
                            // The engine is not keeping up (or gone): a few seconds of it is a
                            // failure, not a hiccup.
                            dropped_audio += 1;
                            if dropped_audio > 250 {
                                tracing::warn!("realtime engine stopped taking audio; falling back");
                                break Ending::EngineFailed;
                            }
                        } else {
                            dropped_audio = 0;
                        }
                    }
                    Ok(Inbound::Mark { mark, .. }) => {
                        if let Some(reply) = playback.marked(&mark.name) {
                            let _ = commands.try_send(EngineCommand::Played { reply });
                        }
                        log.publish_finished(&mut playback);
                    }
                    Ok(Inbound::Stop { .. }) => break Ending::Stopped,
                    Ok(Inbound::Dtmf { dtmf, .. }) => tracing::debug!(digit = dtmf.digit, "dtmf"),
                    Ok(Inbound::Start { .. } | Inbound::Connected { .. } | Inbound::Other) => {}
                    Err(e) => {
                        malformed += 1;
                        tracing::debug!(error = %e, "malformed media stream message ignored");
                        if malformed > MAX_MALFORMED { break Ending::Refused; }
                    }
                }
            }
            event = events.recv() => {
                let Some(event) = event else {
                    tracing::warn!("realtime engine ended; falling back");
                    break Ending::EngineFailed;
                };
                match event {
                    EngineEvent::Ready | EngineEvent::SpeechStarted => {}
                    EngineEvent::CallerSaid { text } => log.caller_said(text),
                    EngineEvent::ReplyAudio { reply, mulaw } => {
                        let starting = !playback.has_audio();
                        playback.push_audio(reply, log.caller_text(), &mulaw);
                        if starting && playback.has_audio() {
                            if let Some(t) = turn_ended.take() {
                                metrics::histogram!(FIRST_AUDIO_SECONDS).record(t.elapsed().as_secs_f64());
                            }
                            // A short lead so Twilio's buffer never runs dry between ticks.
                            for _ in 0..LEAD_FRAMES {
                                if send_frames(tx, &call.stream_sid, &mut playback).await.is_err() {
                                    break;
                                }
                            }
                            pace.reset();
                        }
                    }
                    EngineEvent::ReplyText { reply, text } => playback.push_text(reply, log.caller_text(), &text),
                    EngineEvent::ReplySentence { reply, text } => playback.push_sentence(reply, log.caller_text(), &text),
                    EngineEvent::HandOff { phone, after } => {
                        tracing::info!(after, "the agent hands the call to a person");
                        agent_ending = Some(AgentEnding::new(Transfer::Dial(phone), after));
                    }
                    EngineEvent::EndCall { after } => {
                        tracing::info!(after, "the agent ends the call");
                        agent_ending = Some(AgentEnding::new(Transfer::Hangup, after));
                    }
                    EngineEvent::ReplyDone { reply, needs_follow_up } => {
                        if let Some(e) = agent_ending.as_mut() && reply > e.after {
                            e.spoken = true;
                        }
                        playback.done(reply, log.caller_text(), needs_follow_up);
                        if let Some(Out::Mark(m)) = playback.closing_mark(reply)
                            && send(tx, &Outbound::mark(&call.stream_sid, m)).await.is_err()
                        {
                            break Ending::Lost;
                        }
                        log.publish_finished(&mut playback);
                    }
                    EngineEvent::Failed { reason } => {
                        tracing::warn!(reason, "realtime engine failed; falling back");
                        break Ending::EngineFailed;
                    }
                }
            }
            _ = pace.tick(), if playback.has_audio() => {
                if send_frames(tx, &call.stream_sid, &mut playback).await.is_err() {
                    break Ending::Lost;
                }
            }
            _ = hand_over.cancelled(), if hand_over_by.is_none() => {
                tracing::info!(speaking = playback.audible(), "drain limit: handing the call over");
                hand_over_by = Some(tokio::time::Instant::now() + HANDOVER_WAIT);
            }
            _ = sleep_until(hand_over_by) => break Ending::HandedOver,
            _ = sleep_until(agent_ending.as_ref().map(|e| e.by)) => break Ending::AgentEnded,
        }
    };
    if ending == Ending::AgentEnded
        && let Some(e) = &agent_ending
    {
        let twiml = match &e.what {
            Transfer::Dial(phone) => crate::twiml::Response::new().dial(phone, &call.claims.to),
            Transfer::Hangup => crate::twiml::Response::new().hangup(),
        };
        if !voice
            .redirect_live_call(&call.claims.call_sid, &twiml.to_xml())
            .await
        {
            tracing::warn!(
                "no Twilio REST API to end or transfer the call; the TwiML after <Connect> goes on"
            );
        }
    }
    if ending == Ending::HandedOver && !voice.hand_over_to_record_loop(&call.claims.call_sid).await
    {
        tracing::warn!("no handover through Twilio's REST API; the TwiML after <Connect> goes on");
    }
    drop(commands);
    for reply in playback.take_all() {
        log.publish_reply(&reply);
    }
    log.finish().await;
    tracing::info!(
        ending = ending.label(),
        business_id = call.business_id,
        "media stream ended"
    );
    ending
}

/// Longest the agent's last words may take after it handed off or ended the call.
const AGENT_ENDING_WAIT: Duration = Duration::from_secs(12);

/// Where the agent sends the call.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Transfer {
    Dial(String),
    Hangup,
}

/// The agent's decision to end its part of the call, waiting for its last reply to play.
struct AgentEnding {
    what: Transfer,
    /// The reply that called the tool; a later one says the last words.
    after: ReplyId,
    spoken: bool,
    by: tokio::time::Instant,
}

impl AgentEnding {
    fn new(what: Transfer, after: ReplyId) -> Self {
        Self {
            what,
            after,
            spoken: false,
            by: tokio::time::Instant::now() + AGENT_ENDING_WAIT,
        }
    }
}

/// The business's AI agent for this call, with its tools run in crm-svc for the caller; `None`
/// when the definition cannot be read (the engine then only answers, as before agents).
async fn call_agent(
    voice: &Voice,
    business: &pb::Business,
    claims: &StreamClaims,
) -> Option<CallAgent> {
    let mut crm = voice.crm();
    let request = pb::GetAgentDefinitionRequest {
        business_id: business.id.clone(),
    };
    let definition = match tokio::time::timeout(
        AGENT_LOOKUP_TIMEOUT,
        crm.get_agent_definition(request),
    )
    .await
    {
        Ok(Ok(d)) => d.into_inner(),
        Ok(Err(status)) => {
            tracing::warn!(error = %status.message(), "agent definition unavailable; answering without tools");
            return None;
        }
        Err(_) => {
            tracing::warn!("agent definition took too long; answering without tools");
            return None;
        }
    };
    Some(CallAgent {
        persona: definition.persona.clone(),
        instructions: definition.instructions.clone(),
        allowed: allowed_tools(&definition),
        tools: Arc::new(CrmAgentTools::new(
            crm,
            business.id.clone(),
            claims.from.clone(),
            claims.call_sid.clone(),
        )),
    })
}

/// Longest reading the agent's definition may take at the start of a stream.
const AGENT_LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// The business's own voice for the agent, if it named one.
fn business_voice(business: &pb::Business) -> String {
    business.agent_voice.trim().to_string()
}

async fn send<T>(tx: &mut T, msg: &Outbound) -> Result<(), tokio_tungstenite::tungstenite::Error>
where
    T: Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    tx.send(Message::text(msg.to_json())).await
}

/// Sends the next frame (and the mark due after it).
async fn send_frames<T>(
    tx: &mut T,
    stream_sid: &str,
    playback: &mut Playback,
) -> Result<(), tokio_tungstenite::tungstenite::Error>
where
    T: Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    for out in playback.next_frame() {
        let msg = match out {
            Out::Frame(f) => Outbound::media(stream_sid, &f),
            Out::Mark(m) => Outbound::mark(stream_sid, m),
        };
        // Frames go out one per tick; a feed() batches a frame with its mark into one flush.
        tx.feed(Message::text(msg.to_json())).await?;
    }
    tx.flush().await
}

/// The call's log: each turn as events, the way the record loop reports it. Events go out in
/// order from a task of their own, so the pacer never waits on the bus (a JetStream publish
/// waits for the server's ack).
struct TurnLog {
    business_id: String,
    claims: StreamClaims,
    /// What the caller said last: what the next reply answers.
    caller_text: String,
    /// The business is closed: what the caller says is their message for staff, due then.
    message_due_at: Option<prost_types::Timestamp>,
    events: mpsc::UnboundedSender<pb::CallEvent>,
    publisher: tokio::task::JoinHandle<()>,
}

impl TurnLog {
    fn new(voice: &Voice, call: &Call) -> Self {
        let (events, mut queue) = mpsc::unbounded_channel::<pb::CallEvent>();
        let (voice, business_id) = (voice.clone(), call.business_id.clone());
        let publisher = tokio::spawn(async move {
            while let Some(e) = queue.recv().await {
                // Logged when it fails; the call goes on.
                let _ = voice.publish(&business_id, e).await;
            }
        });
        TurnLog {
            business_id: call.business_id.clone(),
            claims: call.claims.clone(),
            caller_text: String::new(),
            message_due_at: None,
            events,
            publisher,
        }
    }

    fn publish(&self, e: pb::CallEvent) {
        // The receiver lives until `finish`.
        let _ = self.events.send(e);
    }

    /// Waits until every event of the call is published.
    async fn finish(self) {
        drop(self.events);
        if let Err(e) = self.publisher.await {
            tracing::error!(error = %e, business_id = self.business_id, "call event publisher failed");
        }
    }

    fn caller_text(&self) -> &str {
        &self.caller_text
    }

    fn event(&self, kind: CallEventKind) -> pb::CallEvent {
        pb::CallEvent {
            kind: kind as i32,
            call_sid: self.claims.call_sid.clone(),
            direction: "inbound".into(),
            from_number: self.claims.from.clone(),
            to_number: self.claims.to.clone(),
            ..Default::default()
        }
    }

    fn caller_said(&mut self, text: String) {
        let text = text.trim().to_string();
        if text.is_empty() {
            return;
        }
        let mut e = self.event(CallEventKind::Transcribed);
        e.transcript = text.clone();
        e.message_due_at = self.message_due_at;
        self.publish(e);
        self.caller_text = text;
    }

    fn publish_finished(&mut self, playback: &mut Playback) {
        for reply in playback.take_finished() {
            self.publish_reply(&reply);
        }
    }

    /// `call.answered` with what the caller heard of `reply`.
    fn publish_reply(&self, reply: &Reply) {
        let heard = match reply.interrupted_at {
            Some(bytes) => reply.text_heard(bytes),
            None if reply.done && reply.played >= reply.received => reply.text(),
            None => reply.text_heard(reply.played),
        };
        tracing::info!(
            reply = reply.id,
            interrupted = reply.interrupted_at.is_some(),
            heard_chars = heard.chars().count(),
            "reply logged"
        );
        if heard.is_empty() {
            return;
        }
        let mut e = self.event(CallEventKind::Answered);
        e.transcript = if reply.caller_text.is_empty() {
            self.caller_text.clone()
        } else {
            reply.caller_text.clone()
        };
        e.ai_reply = heard;
        e.needs_follow_up = reply.needs_follow_up;
        self.publish(e);
    }
}
