//! `REALTIME_ENGINE=openai`: speech to speech over the OpenAI Realtime API (its GA WebSocket
//! interface). The caller's μ-law goes up as it came from Twilio and the reply's μ-law comes back
//! the same way (`audio/pcmu` both ways, nothing transcoded).
//!
//! The server's VAD only ends turns: it neither answers nor interrupts by itself
//! (`create_response` and `interrupt_response` off). The session decides barge-in and tells us
//! ([`EngineCommand::Interrupt`]); we ask for each answer (`response.create`) so that a short
//! "כן" over the agent's speech — a backchannel — is dropped instead of answered.
//!
//! [`Conversation`] is the protocol without the socket (what to send, what to tell the session,
//! for every command and server event); [`OpenAiRealtime`] connects and runs it in a task.

use super::{
    CallContext, EngineChannels, EngineCommand, EngineEnds, EngineEvent, RealtimeEngine, ReplyId,
    tools::{AgentTools, MAX_TOOL_ROUNDS, ToolInvocation},
};
use crate::{
    error::{Error, Result},
    settings::{OpenAiRealtimeSettings, TurnTaking},
    strings,
};
use agentlocator_proto::v1 as pb;
use base64::Engine as _;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration,
};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{
        Message,
        client::IntoClientRequest,
        http::{HeaderValue, header::AUTHORIZATION},
    },
};
use tracing::Instrument;

const ENGINE: &str = "openai";
/// Longest the connection, and then the session's configuration, may take.
const START_TIMEOUT: Duration = Duration::from_secs(5);
/// The model transcribing the caller (the realtime model itself only hears audio).
pub const TRANSCRIPTION_MODEL: &str = "gpt-4o-mini-transcribe";
pub const TRANSCRIPTION_LANGUAGE: &str = "he";
/// Audio the server VAD keeps before the detected start of speech.
pub const PREFIX_PADDING_MS: u32 = 300;
/// Error codes that need no attention: the session's barge-in can race a response's end, and
/// cancelling a response that already ended is answered with this.
const HARMLESS_ERRORS: &[&str] = &["response_cancel_not_active"];

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The `openai` realtime engine: one WebSocket to the Realtime API per call.
pub struct OpenAiRealtime {
    settings: OpenAiRealtimeSettings,
    turn_taking: TurnTaking,
}

impl OpenAiRealtime {
    pub fn new(settings: &OpenAiRealtimeSettings, turn_taking: TurnTaking) -> Self {
        Self {
            settings: settings.clone(),
            turn_taking,
        }
    }

    /// Connects to the Realtime API and configures the session; returns once `session.updated`
    /// confirms it.
    async fn connect(&self, call: &CallContext) -> Result<Socket> {
        let mut request = self
            .settings
            .url
            .as_str()
            .into_client_request()
            .map_err(|e| failure(format!("invalid URL: {e}")))?;
        if let Some(key) = &self.settings.api_key {
            let bearer = HeaderValue::from_str(&format!("Bearer {}", key.expose()))
                .map_err(|_| failure("the API key is not a valid header value"))?;
            request.headers_mut().insert(AUTHORIZATION, bearer);
        }
        let (mut socket, _) =
            tokio::time::timeout(START_TIMEOUT, tokio_tungstenite::connect_async(request))
                .await
                .map_err(|_| failure("no connection within 5 s"))?
                .map_err(|e| failure(format!("connecting: {e}")))?;
        let update = session_update(call, &self.settings, self.turn_taking);
        socket
            .send(Message::Text(update.to_string().into()))
            .await
            .map_err(|e| failure(format!("sending session.update: {e}")))?;
        tokio::time::timeout(START_TIMEOUT, session_updated(&mut socket))
            .await
            .map_err(|_| failure("no session.updated within 5 s"))??;
        Ok(socket)
    }
}

fn failure(message: impl Into<String>) -> Error {
    Error::Realtime {
        engine: ENGINE,
        message: message.into(),
    }
}

/// Reads until the server confirms the session's configuration.
async fn session_updated(socket: &mut Socket) -> Result<()> {
    while let Some(message) = socket.next().await {
        let text = match message.map_err(|e| failure(format!("before session.updated: {e}")))? {
            Message::Text(text) => text,
            Message::Close(frame) => {
                return Err(failure(format!("closed before session.updated: {frame:?}")));
            }
            _ => continue,
        };
        match parse_server_event(&text) {
            Ok((_, ServerEvent::SessionUpdated {})) => return Ok(()),
            Ok((_, ServerEvent::Error { error })) => {
                return Err(failure(format!("session.update refused: {error}")));
            }
            Ok((kind, _)) => tracing::debug!(event = kind, "before session.updated"),
            Err(e) => tracing::warn!(error = %e, "unreadable server event"),
        }
    }
    Err(failure("closed before session.updated"))
}

#[async_trait::async_trait]
impl RealtimeEngine for OpenAiRealtime {
    fn name(&self) -> &'static str {
        ENGINE
    }

    async fn start(&self, call: CallContext) -> Result<EngineChannels> {
        let socket = self.connect(&call).await?;
        let (channels, ends) = super::channels();
        // The session holds the receiver, so this cannot fail.
        let _ = ends.events.send(EngineEvent::Ready).await;
        let span = tracing::info_span!("realtime", engine = ENGINE, call_sid = %call.call_sid);
        let tools = call.agent.as_ref().map(|a| a.tools.clone());
        tokio::spawn(
            run(socket, Conversation::new(self.turn_taking), ends, tools).instrument(span),
        );
        Ok(channels)
    }
}

/// Why the engine's task stopped early.
enum Stop {
    /// The session dropped its receiver: nobody listens any more.
    SessionGone,
    /// The provider's socket failed.
    Failed(String),
}

/// The engine's task: commands up, server events down, until the session drops its sender
/// (the socket is closed) or the socket fails (one `Failed`).
/// Longest a tool call waits for the transcript of the turn that caused it.
const TRANSCRIPT_WAIT: Duration = Duration::from_millis(1_500);

async fn run(
    mut socket: Socket,
    mut conversation: Conversation,
    mut ends: EngineEnds,
    tools: Option<Arc<dyn AgentTools>>,
) {
    let mut release_at: Option<tokio::time::Instant> = None;
    let stop = loop {
        if !conversation.holding_tools() {
            release_at = None;
        } else if release_at.is_none() {
            release_at = Some(tokio::time::Instant::now() + TRANSCRIPT_WAIT);
        }
        let actions = tokio::select! {
            _ = crate::media_stream::sleep_until(release_at) => {
                tracing::debug!("no transcript in time; running the held tool calls");
                release_at = None;
                conversation.release_tools()
            }
            command = ends.commands.recv() => match command {
                Some(command) => conversation.on_command(command),
                None => {
                    let _ = socket.close(None).await;
                    return;
                }
            },
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => match parse_server_event(&text) {
                    Ok((kind, event)) => {
                        if matches!(event, ServerEvent::AudioDelta { .. }) {
                            tracing::trace!(event = kind, "server event");
                        } else {
                            tracing::debug!(event = kind, "server event");
                        }
                        conversation.on_server(event)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "unreadable server event");
                        Vec::new()
                    }
                },
                Some(Ok(Message::Close(frame))) => {
                    break Stop::Failed(format!("closed by the provider: {frame:?}"));
                }
                Some(Ok(_)) => Vec::new(),
                Some(Err(e)) => break Stop::Failed(format!("socket failed: {e}")),
                None => break Stop::Failed("the provider closed the connection".into()),
            },
        };
        if let Err(stop) = perform(&mut socket, &ends, tools.as_deref(), actions).await {
            break stop;
        }
    };
    if let Stop::Failed(reason) = stop {
        tracing::warn!(%reason, "realtime engine failed");
        let _ = ends.events.send(EngineEvent::Failed { reason }).await;
    }
}

async fn send(socket: &mut Socket, event: Value) -> std::result::Result<(), Stop> {
    let kind = event["type"].as_str().unwrap_or_default();
    if kind != "input_audio_buffer.append" {
        tracing::debug!(event = kind, "client event");
    }
    socket
        .send(Message::Text(event.to_string().into()))
        .await
        .map_err(|e| Stop::Failed(format!("sending: {e}")))
}

async fn perform(
    socket: &mut Socket,
    ends: &EngineEnds,
    tools: Option<&dyn AgentTools>,
    actions: Vec<Action>,
) -> std::result::Result<(), Stop> {
    for action in actions {
        match action {
            Action::Send(event) => send(socket, event).await?,
            // In order: the output is in the conversation before the response that called the
            // tool is done, and so before the `response.create` that speaks its result.
            Action::RunTool { reply, call } => {
                let output = match tools {
                    Some(tools) => {
                        let outcome = tools.run(&call).await;
                        let ending = match outcome.handoff_phone {
                            Some(phone) => Some(EngineEvent::HandOff {
                                phone,
                                after: reply,
                            }),
                            None => outcome
                                .end_call
                                .then_some(EngineEvent::EndCall { after: reply }),
                        };
                        if let Some(event) = ending {
                            ends.events
                                .send(event)
                                .await
                                .map_err(|_| Stop::SessionGone)?;
                        }
                        outcome.output_json
                    }
                    None => json!({"error": "no tools in this call"}).to_string(),
                };
                send(socket, function_call_output(&call.call_id, &output)).await?;
            }
            Action::Emit(event) => ends
                .events
                .send(event)
                .await
                .map_err(|_| Stop::SessionGone)?,
        }
    }
    Ok(())
}

/// The `session.update` that configures a call: Hebrew instructions, μ-law both ways, the
/// caller transcribed, server VAD that ends turns but neither answers nor interrupts.
pub fn session_update(
    call: &CallContext,
    settings: &OpenAiRealtimeSettings,
    turn_taking: TurnTaking,
) -> Value {
    let voice = match call.voice.trim() {
        "" => settings.default_voice.as_str(),
        voice => voice,
    };
    let tools = call
        .agent
        .as_ref()
        .map_or(Vec::new(), |a| a.allowed.clone());
    json!({
        "type": "session.update",
        "session": {
            "type": "realtime",
            "output_modalities": ["audio"],
            "instructions": instructions(call),
            "tools": agentlocator_common::agent_tools::realtime_tools(&tools),
            "tool_choice": if tools.is_empty() { "none" } else { "auto" },
            "audio": {
                "input": {
                    "format": {"type": "audio/pcmu"},
                    "transcription": {
                        "model": TRANSCRIPTION_MODEL,
                        "language": TRANSCRIPTION_LANGUAGE,
                    },
                    "turn_detection": {
                        "type": "server_vad",
                        "silence_duration_ms": millis(turn_taking.end_of_turn),
                        "prefix_padding_ms": PREFIX_PADDING_MS,
                        "create_response": false,
                        "interrupt_response": false,
                    },
                },
                "output": {
                    "format": {"type": "audio/pcmu"},
                    "voice": voice,
                },
            },
        },
    })
}

/// The `function_call_output` item that answers the model's call `call_id`.
pub fn function_call_output(call_id: &str, output: &str) -> Value {
    json!({
        "type": "conversation.item.create",
        "item": {"type": "function_call_output", "call_id": call_id, "output": output},
    })
}

/// The Hebrew instructions of `call`: the business's name, greeting and knowledge, short spoken
/// answers, the call-back sentence when the knowledge has no answer, that the business is closed
/// (why, until when, and to take a message) when it is, and the business's agent (its persona and
/// instructions, and that actions go through the tools) when it has one.
pub fn instructions(call: &CallContext) -> String {
    let mut base = business_instructions(&call.business);
    if let Some(closed) = &call.closed {
        base.push('\n');
        base.push_str(&strings::REALTIME_CLOSED_INSTRUCTIONS.replace("{closed}", &closed.sentence));
    }
    match &call.agent {
        None => base,
        Some(agent) => {
            let mut text = base;
            for part in [agent.persona.trim(), agent.instructions.trim()] {
                if !part.is_empty() {
                    text.push('\n');
                    text.push_str(part);
                }
            }
            if !agent.allowed.is_empty() {
                text.push('\n');
                text.push_str(strings::REALTIME_TOOLS_INSTRUCTIONS);
            }
            text
        }
    }
}

fn business_instructions(business: &pb::Business) -> String {
    let knowledge = if business.knowledge.is_empty() {
        strings::NO_KNOWLEDGE.to_string()
    } else {
        business
            .knowledge
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
    let greeting = match business.greeting_text.trim() {
        "" => strings::NO_GREETING,
        greeting => greeting,
    };
    strings::REALTIME_INSTRUCTIONS
        .replace("{name}", business.name.trim())
        .replace("{greeting}", greeting)
        .replace("{follow_up}", strings::FOLLOW_UP)
        .replace("{knowledge}", &knowledge)
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// The server events the engine acts on (the GA names); every other type is [`Self::Other`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type")]
pub enum ServerEvent {
    #[serde(rename = "session.updated")]
    SessionUpdated {},
    #[serde(rename = "error")]
    Error { error: ServerError },
    #[serde(rename = "input_audio_buffer.speech_started")]
    SpeechStarted { audio_start_ms: u32 },
    #[serde(rename = "input_audio_buffer.speech_stopped")]
    SpeechStopped { audio_end_ms: u32, item_id: String },
    #[serde(rename = "conversation.item.input_audio_transcription.completed")]
    TranscriptionCompleted { item_id: String, transcript: String },
    #[serde(rename = "conversation.item.input_audio_transcription.failed")]
    TranscriptionFailed { item_id: String },
    #[serde(rename = "response.created")]
    ResponseCreated { response: ResponseRef },
    #[serde(rename = "response.output_audio.delta")]
    AudioDelta {
        response_id: String,
        item_id: String,
        delta: String,
    },
    #[serde(rename = "response.output_audio_transcript.done")]
    TranscriptDone {
        response_id: String,
        transcript: String,
    },
    #[serde(rename = "response.done")]
    ResponseDone { response: ResponseRef },
    #[serde(rename = "response.function_call_arguments.done")]
    FunctionCallArgumentsDone {
        response_id: String,
        call_id: String,
        name: String,
        arguments: String,
    },
    #[serde(other)]
    Other,
}

/// The `error` of an `error` event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServerError {
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: String,
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The `response` of `response.created` / `response.done`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ResponseRef {
    pub id: String,
    #[serde(default)]
    pub status: String,
    /// The response's items; a cancelled response's audio item carries the transcript of what
    /// was generated, when no `response.output_audio_transcript.done` came.
    #[serde(default)]
    pub output: Vec<OutputItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct OutputItem {
    #[serde(default)]
    pub content: Vec<OutputContent>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct OutputContent {
    #[serde(default)]
    pub transcript: Option<String>,
}

impl ResponseRef {
    /// The transcript of the response's audio, if its items carry one.
    fn transcript(&self) -> String {
        self.output
            .iter()
            .flat_map(|i| &i.content)
            .filter_map(|c| c.transcript.as_deref())
            .collect::<Vec<_>>()
            .join(" ")
            .trim()
            .to_string()
    }
}

/// A server event's type (for logs) and the event.
pub fn parse_server_event(text: &str) -> serde_json::Result<(String, ServerEvent)> {
    let value: Value = serde_json::from_str(text)?;
    let kind = value["type"].as_str().unwrap_or_default().to_string();
    Ok((kind, ServerEvent::deserialize(value)?))
}

/// What the conversation wants done.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A client event to the server.
    Send(Value),
    /// An event to the call's session.
    Emit(EngineEvent),
    /// Run the model's tool call (made in `reply`) and put its output in the conversation.
    RunTool {
        reply: ReplyId,
        call: ToolInvocation,
    },
}

/// Whether an utterance of `spoken` is a backchannel: short speech while the agent is audible
/// ("כן", "אהה") acknowledges it and gets no answer. Once the agent is silent, any speech is a
/// turn.
pub fn is_backchannel(spoken: Duration, barge_in: Duration, agent_audible: bool) -> bool {
    agent_audible && spoken < barge_in
}

/// One reply, by the response that produces it.
#[derive(Debug)]
struct Reply {
    id: ReplyId,
    /// The assistant message item its audio belongs to (from its first delta).
    item_id: Option<String>,
    audio_bytes: usize,
    transcript: String,
    done: bool,
    interrupted: bool,
    /// Tool calls it made (their outputs are in the conversation: the model speaks next).
    tool_calls: u32,
}

impl Reply {
    /// Milliseconds of audio received (μ-law: 8 bytes a millisecond).
    fn audio_ms(&self) -> u32 {
        u32::try_from(self.audio_bytes / 8).unwrap_or(u32::MAX)
    }
}

/// The state of one call's Realtime conversation: which response is which reply, what the
/// caller can hear, where the caller's utterance began.
#[derive(Debug)]
pub struct Conversation {
    turn_taking: TurnTaking,
    last_reply: ReplyId,
    /// By response id.
    replies: HashMap<String, Reply>,
    /// Response id by reply.
    responses: HashMap<ReplyId, String>,
    /// Replies whose audio has begun and that were neither played out nor interrupted.
    audible: HashSet<ReplyId>,
    /// The response being generated, if any.
    generating: Option<String>,
    /// `response.create` was sent and its `response.created` has not come yet.
    requested: bool,
    /// A turn ended while a response was still being generated: answer once it is done.
    create_when_done: bool,
    /// A turn ended before the requested response was created: cancel it when it is.
    cancel_on_create: bool,
    speech_start_ms: Option<u32>,
    /// Caller items deleted as backchannels (their transcripts are not turns).
    backchannels: HashSet<String>,
    /// What the caller said last: the turn a tool call is made in.
    caller_text: String,
    /// The caller item of the turn being answered, while its transcript has not come: a tool
    /// call made meanwhile is held so that it is recorded with the words that caused it.
    transcript_pending: Option<String>,
    /// Tool calls held for the transcript, in order, with the reply that made them.
    held_tools: Vec<(ReplyId, ToolInvocation)>,
    /// A response whose tool calls are held has ended: speak their results once they ran.
    speak_after_held: bool,
    /// Responses with tool calls since the caller's last turn.
    tool_rounds: u32,
}

impl Conversation {
    pub fn new(turn_taking: TurnTaking) -> Self {
        Self {
            turn_taking,
            last_reply: 0,
            replies: HashMap::new(),
            responses: HashMap::new(),
            audible: HashSet::new(),
            generating: None,
            requested: false,
            create_when_done: false,
            cancel_on_create: false,
            speech_start_ms: None,
            backchannels: HashSet::new(),
            caller_text: String::new(),
            transcript_pending: None,
            held_tools: Vec::new(),
            speak_after_held: false,
            tool_rounds: 0,
        }
    }

    pub fn on_command(&mut self, command: EngineCommand) -> Vec<Action> {
        match command {
            EngineCommand::Audio(mulaw) => vec![Action::Send(json!({
                "type": "input_audio_buffer.append",
                "audio": base64::engine::general_purpose::STANDARD.encode(mulaw),
            }))],
            EngineCommand::Played { reply } => {
                self.audible.remove(&reply);
                Vec::new()
            }
            EngineCommand::Interrupt {
                reply, heard_ms, ..
            } => self.interrupt(reply, heard_ms),
        }
    }

    /// Stops `reply` and keeps only its first `heard_ms` in the conversation.
    fn interrupt(&mut self, reply: ReplyId, heard_ms: u32) -> Vec<Action> {
        self.audible.remove(&reply);
        let Some(response_id) = self.responses.get(&reply) else {
            return Vec::new();
        };
        let Some(r) = self.replies.get_mut(response_id) else {
            return Vec::new();
        };
        r.interrupted = true;
        let mut actions = Vec::new();
        if !r.done {
            actions.push(Action::Send(json!({
                "type": "response.cancel",
                "response_id": response_id,
            })));
        }
        if let Some(item_id) = &r.item_id {
            // Past the audio received the server answers with an error.
            actions.push(Action::Send(json!({
                "type": "conversation.item.truncate",
                "item_id": item_id,
                "content_index": 0,
                "audio_end_ms": heard_ms.min(r.audio_ms()),
            })));
        }
        actions
    }

    pub fn on_server(&mut self, event: ServerEvent) -> Vec<Action> {
        match event {
            ServerEvent::SpeechStarted { audio_start_ms } => {
                self.speech_start_ms = Some(audio_start_ms);
                vec![Action::Emit(EngineEvent::SpeechStarted)]
            }
            ServerEvent::SpeechStopped {
                audio_end_ms,
                item_id,
            } => self.turn_ended(audio_end_ms, item_id),
            ServerEvent::TranscriptionCompleted {
                item_id,
                transcript,
            } => {
                let text = transcript.trim();
                if self.backchannels.contains(&item_id) {
                    return Vec::new();
                }
                let mut actions = Vec::new();
                if !text.is_empty() {
                    self.caller_text = text.to_string();
                    actions.push(Action::Emit(EngineEvent::CallerSaid { text: text.into() }));
                }
                if self.transcript_pending.as_deref() == Some(item_id.as_str()) {
                    actions.extend(self.release_tools());
                }
                actions
            }
            ServerEvent::TranscriptionFailed { item_id } => {
                if self.transcript_pending.as_deref() == Some(item_id.as_str()) {
                    return self.release_tools();
                }
                Vec::new()
            }
            ServerEvent::ResponseCreated { response } => {
                self.last_reply += 1;
                self.responses.insert(self.last_reply, response.id.clone());
                self.replies.insert(
                    response.id.clone(),
                    Reply {
                        id: self.last_reply,
                        item_id: None,
                        audio_bytes: 0,
                        transcript: String::new(),
                        done: false,
                        interrupted: false,
                        tool_calls: 0,
                    },
                );
                self.requested = false;
                self.generating = Some(response.id.clone());
                if std::mem::take(&mut self.cancel_on_create) {
                    return self.supersede(&response.id);
                }
                Vec::new()
            }
            ServerEvent::AudioDelta {
                response_id,
                item_id,
                delta,
            } => {
                let Some(r) = self.replies.get_mut(&response_id) else {
                    return Vec::new();
                };
                if r.interrupted {
                    return Vec::new();
                }
                let mulaw = match base64::engine::general_purpose::STANDARD.decode(delta) {
                    Ok(mulaw) => mulaw,
                    Err(e) => {
                        tracing::warn!(error = %e, "audio delta is not base64");
                        return Vec::new();
                    }
                };
                r.item_id.get_or_insert(item_id);
                r.audio_bytes += mulaw.len();
                self.audible.insert(r.id);
                vec![Action::Emit(EngineEvent::ReplyAudio { reply: r.id, mulaw })]
            }
            ServerEvent::TranscriptDone {
                response_id,
                transcript,
            } => {
                let Some(r) = self.replies.get_mut(&response_id) else {
                    return Vec::new();
                };
                r.transcript = transcript.trim().to_string();
                // Also for an interrupted reply: the session keeps the share the caller heard.
                if r.transcript.is_empty() {
                    return Vec::new();
                }
                vec![Action::Emit(EngineEvent::ReplyText {
                    reply: r.id,
                    text: r.transcript.clone(),
                })]
            }
            ServerEvent::FunctionCallArgumentsDone {
                response_id,
                call_id,
                name,
                arguments,
            } => {
                let Some(r) = self.replies.get_mut(&response_id) else {
                    return Vec::new();
                };
                // A response cancelled for a later turn (or spoken over) decided on stale words.
                if r.interrupted {
                    return Vec::new();
                }
                r.tool_calls += 1;
                let reply = r.id;
                let call = ToolInvocation {
                    call_id,
                    name,
                    arguments_json: arguments,
                    turn_text: self.caller_text.clone(),
                };
                if self.transcript_pending.is_some() {
                    self.held_tools.push((reply, call));
                    return Vec::new();
                }
                vec![Action::RunTool { reply, call }]
            }
            ServerEvent::ResponseDone { response } => {
                if self.generating.as_ref() == Some(&response.id) {
                    self.generating = None;
                }
                let mut actions = Vec::new();
                let mut speak_results = false;
                if let Some(r) = self.replies.get_mut(&response.id) {
                    r.done = true;
                    speak_results = r.tool_calls > 0 && !r.interrupted;
                    if r.transcript.is_empty() {
                        r.transcript = response.transcript();
                        if !r.transcript.is_empty() {
                            actions.push(Action::Emit(EngineEvent::ReplyText {
                                reply: r.id,
                                text: r.transcript.clone(),
                            }));
                        }
                    }
                    let needs_follow_up = strings::FOLLOW_UP_SIGNS
                        .iter()
                        .any(|sign| r.transcript.contains(sign));
                    actions.push(Action::Emit(EngineEvent::ReplyDone {
                        reply: r.id,
                        needs_follow_up,
                    }));
                }
                if self.create_when_done && self.generating.is_none() {
                    self.create_when_done = false;
                    actions.push(self.response_create());
                } else if speak_results && !self.held_tools.is_empty() {
                    self.speak_after_held = true;
                } else if speak_results {
                    actions.extend(self.speak_tool_results());
                }
                actions
            }
            ServerEvent::Error { error } => {
                if error
                    .code
                    .as_deref()
                    .is_some_and(|c| HARMLESS_ERRORS.contains(&c))
                {
                    tracing::debug!(%error, "provider error (harmless)");
                } else {
                    tracing::warn!(%error, "provider error");
                }
                Vec::new()
            }
            ServerEvent::SessionUpdated {} | ServerEvent::Other => Vec::new(),
        }
    }

    /// The tools answered: the model speaks their results — with more tools only while the
    /// turn has rounds left.
    fn speak_tool_results(&mut self) -> Option<Action> {
        if self.generating.is_some() || self.requested {
            return None;
        }
        self.tool_rounds += 1;
        Some(if self.tool_rounds < MAX_TOOL_ROUNDS {
            self.response_create()
        } else {
            self.requested = true;
            Action::Send(json!({
                "type": "response.create",
                "response": {"tool_choice": "none"},
            }))
        })
    }

    /// Whether tool calls wait for the turn's transcript (the run loop bounds the wait and then
    /// calls [`Self::release_tools`]).
    pub fn holding_tools(&self) -> bool {
        !self.held_tools.is_empty()
    }

    /// Runs the held tool calls with the words known now (the transcript came, failed or took too
    /// long), then lets the model speak their results if their response has ended.
    pub fn release_tools(&mut self) -> Vec<Action> {
        self.transcript_pending = None;
        let text = self.caller_text.clone();
        let mut actions: Vec<Action> = std::mem::take(&mut self.held_tools)
            .into_iter()
            .map(|(reply, mut call)| {
                call.turn_text.clone_from(&text);
                Action::RunTool { reply, call }
            })
            .collect();
        if std::mem::take(&mut self.speak_after_held) {
            actions.extend(self.speak_tool_results());
        }
        actions
    }

    /// The server VAD ended an utterance: answer it, or drop it as a backchannel.
    fn turn_ended(&mut self, audio_end_ms: u32, item_id: String) -> Vec<Action> {
        // Both ends as the server reports them include its padding: the prefix before the
        // speech and the silence that ended it.
        let start = self.speech_start_ms.take().unwrap_or(audio_end_ms);
        let padding = PREFIX_PADDING_MS + millis(self.turn_taking.end_of_turn);
        let spoken = audio_end_ms.saturating_sub(start).saturating_sub(padding);
        let spoken = Duration::from_millis(u64::from(spoken));
        if is_backchannel(spoken, self.turn_taking.barge_in, !self.audible.is_empty()) {
            self.backchannels.insert(item_id.clone());
            return vec![Action::Send(json!({
                "type": "conversation.item.delete",
                "item_id": item_id,
            }))];
        }
        self.tool_rounds = 0;
        self.transcript_pending = Some(item_id);
        // Only one response runs at a time. One asked for or in progress answers an
        // unfinished turn (the caller went on speaking), or was interrupted and is ending: the
        // new answer is asked for once it is over.
        if self.requested {
            self.create_when_done = true;
            self.cancel_on_create = true;
            return Vec::new();
        }
        match self.generating.clone() {
            Some(response_id) => {
                self.create_when_done = true;
                self.supersede(&response_id)
            }
            None => vec![self.response_create()],
        }
    }

    /// Cancels a response that a later turn made stale. Unless the caller already hears it
    /// (then the session decides on barge-in), none of its audio goes to the session.
    fn supersede(&mut self, response_id: &str) -> Vec<Action> {
        let Some(r) = self.replies.get_mut(response_id) else {
            return Vec::new();
        };
        if r.interrupted {
            return Vec::new();
        }
        if r.audio_bytes == 0 {
            r.interrupted = true;
        }
        vec![Action::Send(json!({
            "type": "response.cancel",
            "response_id": response_id,
        }))]
    }

    fn response_create(&mut self) -> Action {
        self.requested = true;
        Action::Send(json!({"type": "response.create"}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn_taking() -> TurnTaking {
        TurnTaking {
            end_of_turn: Duration::from_millis(600),
            barge_in: Duration::from_millis(240),
        }
    }

    fn call(voice: &str) -> CallContext {
        CallContext {
            business: pb::Business {
                name: "מספרת הדגמה".into(),
                greeting_text: "שלום, הגעתם למספרה".into(),
                knowledge: vec![pb::KnowledgeEntry {
                    question: "מה שעות הפעילות?".into(),
                    answer: "א׳ עד ה׳ מתשע עד שש".into(),
                }],
                ..Default::default()
            },
            call_sid: "CA1".into(),
            from: "+972501234567".into(),
            voice: voice.into(),
            agent: None,
            closed: None,
        }
    }

    fn settings() -> OpenAiRealtimeSettings {
        OpenAiRealtimeSettings {
            url: "ws://127.0.0.1:1/v1/realtime?model=gpt-realtime".into(),
            api_key: None,
            model: "gpt-realtime".into(),
            default_voice: "marin".into(),
        }
    }

    fn event(v: Value) -> ServerEvent {
        parse_server_event(&v.to_string()).unwrap().1
    }

    fn sent_types(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Send(v) => Some(v["type"].as_str().unwrap().to_string()),
                Action::Emit(_) | Action::RunTool { .. } => None,
            })
            .collect()
    }

    fn emitted(actions: &[Action]) -> Vec<EngineEvent> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Emit(e) => Some(e.clone()),
                Action::Send(_) | Action::RunTool { .. } => None,
            })
            .collect()
    }

    /// A response created and `audio` bytes of it received; returns its reply id.
    fn reply_with_audio(c: &mut Conversation, response: &str, audio: usize) -> ReplyId {
        c.on_server(event(
            json!({"type": "response.created", "response": {"id": response}}),
        ));
        let delta = base64::engine::general_purpose::STANDARD.encode(vec![0x7Fu8; audio]);
        let out = c.on_server(event(json!({
            "type": "response.output_audio.delta", "response_id": response,
            "item_id": format!("item_{response}"), "output_index": 0, "content_index": 0,
            "delta": delta,
        })));
        match emitted(&out).as_slice() {
            [EngineEvent::ReplyAudio { reply, mulaw }] => {
                assert_eq!(mulaw.len(), audio);
                *reply
            }
            other => panic!("{other:?}"),
        }
    }

    /// An utterance from `start` to `end` as the server reports them (padding included).
    fn utterance(c: &mut Conversation, item: &str, start: u32, end: u32) -> Vec<Action> {
        let started = c.on_server(event(json!({
            "type": "input_audio_buffer.speech_started", "audio_start_ms": start, "item_id": item,
        })));
        assert_eq!(emitted(&started), vec![EngineEvent::SpeechStarted]);
        c.on_server(event(json!({
            "type": "input_audio_buffer.speech_stopped", "audio_end_ms": end, "item_id": item,
        })))
    }

    #[test]
    fn session_update_configures_mulaw_hebrew_and_vad_without_responses() {
        let mut tt = turn_taking();
        tt.end_of_turn = Duration::from_millis(700);
        let body = session_update(&call(""), &settings(), tt);
        assert_eq!(body["type"], "session.update");
        let s = &body["session"];
        assert_eq!(s["type"], "realtime");
        assert_eq!(s["output_modalities"], json!(["audio"]));
        assert_eq!(s["audio"]["input"]["format"], json!({"type": "audio/pcmu"}));
        assert_eq!(
            s["audio"]["output"]["format"],
            json!({"type": "audio/pcmu"})
        );
        assert_eq!(s["audio"]["output"]["voice"], "marin");
        assert_eq!(
            s["audio"]["input"]["transcription"],
            json!({"model": "gpt-4o-mini-transcribe", "language": "he"})
        );
        assert_eq!(
            s["audio"]["input"]["turn_detection"],
            json!({"type": "server_vad", "silence_duration_ms": 700, "prefix_padding_ms": 300,
                   "create_response": false, "interrupt_response": false})
        );
        let instructions = s["instructions"].as_str().unwrap();
        for part in [
            "מספרת הדגמה",
            "שלום, הגעתם למספרה",
            "ש: מה שעות הפעילות?",
            "ת: א׳ עד ה׳ מתשע עד שש",
            strings::FOLLOW_UP,
            "בעברית",
        ] {
            assert!(instructions.contains(part), "{part} not in {instructions}");
        }
        assert!(!instructions.contains('{'), "{instructions}");
        let body = session_update(&call("cedar"), &settings(), tt);
        assert_eq!(body["session"]["audio"]["output"]["voice"], "cedar");
    }

    fn function_call(response: &str, call_id: &str) -> ServerEvent {
        event(json!({
            "type": "response.function_call_arguments.done", "response_id": response,
            "item_id": format!("item_{call_id}"), "output_index": 0, "call_id": call_id,
            "name": "list_free_slots", "arguments": "{}",
        }))
    }

    fn done(response: &str) -> ServerEvent {
        event(json!({"type": "response.done", "response": {"id": response, "status": "completed"}}))
    }

    #[test]
    fn tool_calls_run_with_the_callers_words_and_their_results_are_spoken_within_the_rounds() {
        let mut c = Conversation::new(turn_taking());
        assert_eq!(
            sent_types(&utterance(&mut c, "item_u1", 0, 2_000)),
            ["response.create"]
        );
        c.on_server(event(json!({
            "type": "conversation.item.input_audio_transcription.completed",
            "item_id": "item_u1", "content_index": 0, "transcript": " מתי יש תור פנוי? ",
        })));
        let mut last = None;
        for round in 1..=MAX_TOOL_ROUNDS {
            let response = format!("resp_{round}");
            c.on_server(event(
                json!({"type": "response.created", "response": {"id": response}}),
            ));
            let run = c.on_server(function_call(&response, &format!("call_{round}")));
            let [Action::RunTool { reply, call }] = run.as_slice() else {
                panic!("{run:?}");
            };
            assert_eq!(*reply, ReplyId::from(round));
            assert_eq!(call.call_id, format!("call_{round}"));
            assert_eq!(call.turn_text, "מתי יש תור פנוי?");
            last = Some(c.on_server(done(&response)));
            let speak = last.as_ref().unwrap();
            assert_eq!(sent_types(speak), ["response.create"], "round {round}");
            let tools_left = round < MAX_TOOL_ROUNDS;
            let Action::Send(create) = speak.last().unwrap() else {
                unreachable!()
            };
            assert_eq!(
                create["response"]["tool_choice"].is_null(),
                tools_left,
                "round {round}: {create}"
            );
        }
        assert!(last.is_some());
        // The answer after the tools: nothing more is asked for.
        c.on_server(event(
            json!({"type": "response.created", "response": {"id": "resp_answer"}}),
        ));
        assert!(sent_types(&c.on_server(done("resp_answer"))).is_empty());

        // A new turn has its rounds again. Its tool call comes before its transcript: held
        // until the words that caused it are known, then run, then its result is spoken.
        utterance(&mut c, "item_u2", 10_000, 12_000);
        c.on_server(event(
            json!({"type": "response.created", "response": {"id": "resp_b"}}),
        ));
        assert!(c.on_server(function_call("resp_b", "call_b")).is_empty());
        assert!(c.holding_tools());
        assert!(sent_types(&c.on_server(done("resp_b"))).is_empty());
        let released = c.on_server(event(json!({
            "type": "conversation.item.input_audio_transcription.completed",
            "item_id": "item_u2", "content_index": 0, "transcript": "ומחר?",
        })));
        let [
            Action::Emit(EngineEvent::CallerSaid { .. }),
            Action::RunTool { call, .. },
            Action::Send(create),
        ] = released.as_slice()
        else {
            panic!("{released:?}");
        };
        assert_eq!(call.turn_text, "ומחר?");
        assert_eq!(create["type"], "response.create");
        assert!(create["response"].is_null(), "{create}");
        assert!(!c.holding_tools());
    }

    #[test]
    fn held_tool_calls_run_when_the_transcript_fails_or_is_late() {
        let mut c = Conversation::new(turn_taking());
        utterance(&mut c, "item_u1", 0, 2_000);
        c.on_server(event(
            json!({"type": "response.created", "response": {"id": "resp_1"}}),
        ));
        assert!(c.on_server(function_call("resp_1", "call_1")).is_empty());
        let failed = c.on_server(event(json!({
            "type": "conversation.item.input_audio_transcription.failed",
            "item_id": "item_u1", "content_index": 0,
            "error": {"type": "transcription_error", "message": "x"},
        })));
        assert!(
            matches!(failed.as_slice(), [Action::RunTool { call, .. }] if call.turn_text.is_empty())
        );
        // Late: the run loop's timer releases them, the response having ended meanwhile.
        utterance(&mut c, "item_u2", 5_000, 7_000);
        c.on_server(done("resp_1"));
        c.on_server(event(
            json!({"type": "response.created", "response": {"id": "resp_2"}}),
        ));
        assert!(c.on_server(function_call("resp_2", "call_2")).is_empty());
        assert!(
            c.on_server(done("resp_2"))
                .iter()
                .all(|a| !matches!(a, Action::Send(_)))
        );
        assert_eq!(sent_types(&c.release_tools()), ["response.create"]);
    }

    #[test]
    fn a_tool_call_of_a_superseded_response_is_not_run() {
        let mut c = Conversation::new(turn_taking());
        utterance(&mut c, "item_u1", 0, 2_000);
        c.on_server(event(
            json!({"type": "response.created", "response": {"id": "resp_1"}}),
        ));
        // The caller goes on: the response (no audio yet) is cancelled as stale…
        assert_eq!(
            sent_types(&utterance(&mut c, "item_u2", 2_500, 4_000)),
            ["response.cancel"]
        );
        // …so its function call, still reported, does nothing; the new turn is answered.
        assert!(c.on_server(function_call("resp_1", "call_1")).is_empty());
        assert_eq!(
            sent_types(&c.on_server(done("resp_1"))),
            ["response.create"]
        );
    }

    #[test]
    fn instructions_say_the_business_is_closed_why_and_until_when() {
        let mut c = call("");
        assert!(!instructions(&c).contains("העסק סגור כעת"));
        let sentence = "אנחנו סגורים לרגל שבת. נשמח לחזור אליך במוצאי שבת, אחרי 17:19.";
        c.closed = Some(crate::hours::Closed {
            sentence: sentence.into(),
            due_at: chrono::Utc::now(),
        });
        let text = instructions(&c);
        assert!(text.contains("העסק סגור כעת"), "{text}");
        assert!(text.contains(sentence), "{text}");
        assert!(text.contains("להשאיר הודעה"), "{text}");
        assert!(!text.contains("{closed}"), "{text}");
    }

    #[test]
    fn instructions_say_when_there_is_no_greeting_or_knowledge() {
        let mut c = call("");
        c.business.greeting_text = "  ".into();
        c.business.knowledge.clear();
        let text = instructions(&c);
        assert!(text.contains(strings::NO_GREETING), "{text}");
        assert!(text.contains(strings::NO_KNOWLEDGE), "{text}");
    }

    #[test]
    fn server_events_parse_by_their_ga_names() {
        let (kind, ev) =
            parse_server_event(r#"{"type":"session.updated","event_id":"e1","session":{}}"#)
                .unwrap();
        assert_eq!(kind, "session.updated");
        assert_eq!(ev, ServerEvent::SessionUpdated {});
        assert_eq!(
            event(
                json!({"type": "response.output_audio.delta", "response_id": "r", "item_id": "i", "delta": "AAE=", "event_id": "e"})
            ),
            ServerEvent::AudioDelta {
                response_id: "r".into(),
                item_id: "i".into(),
                delta: "AAE=".into()
            }
        );
        assert_eq!(
            event(
                json!({"type": "response.done", "response": {"id": "r", "status": "cancelled", "output": []}})
            ),
            ServerEvent::ResponseDone {
                response: ResponseRef {
                    id: "r".into(),
                    status: "cancelled".into(),
                    output: Vec::new(),
                }
            }
        );
        assert_eq!(
            event(
                json!({"type": "error", "error": {"type": "invalid_request_error", "code": "response_cancel_not_active", "message": "no active response"}})
            ),
            ServerEvent::Error {
                error: ServerError {
                    kind: "invalid_request_error".into(),
                    code: Some("response_cancel_not_active".into()),
                    message: "no active response".into()
                }
            }
        );
        // The beta name is not the GA one; unknown types are Other.
        assert_eq!(
            event(json!({"type": "response.audio.delta", "delta": "AAE="})),
            ServerEvent::Other
        );
        assert_eq!(
            event(json!({"type": "rate_limits.updated", "rate_limits": []})),
            ServerEvent::Other
        );
        // A known type without its fields is an error, not a panic.
        assert!(parse_server_event(r#"{"type":"response.created"}"#).is_err());
        assert!(parse_server_event("not json").is_err());
    }

    #[test]
    fn backchannel_is_short_speech_while_the_agent_is_audible() {
        let barge_in = Duration::from_millis(240);
        assert!(is_backchannel(Duration::from_millis(160), barge_in, true));
        assert!(!is_backchannel(Duration::from_millis(240), barge_in, true));
        assert!(!is_backchannel(Duration::from_millis(160), barge_in, false));
    }

    #[test]
    fn a_turn_gets_a_response_and_the_reply_flows_to_the_session() {
        let mut c = Conversation::new(turn_taking());
        // 1.2 s of speech: 300 ms prefix + 1200 + 600 ms silence.
        let out = utterance(&mut c, "item_u1", 1000, 3100);
        assert_eq!(sent_types(&out), ["response.create"]);
        let said = c.on_server(event(json!({
            "type": "conversation.item.input_audio_transcription.completed",
            "item_id": "item_u1", "content_index": 0, "transcript": " מה שעות הפעילות? ",
        })));
        assert_eq!(
            emitted(&said),
            vec![EngineEvent::CallerSaid {
                text: "מה שעות הפעילות?".into()
            }]
        );
        let reply = reply_with_audio(&mut c, "resp_1", 800);
        assert_eq!(reply, 1);
        let text = c.on_server(event(json!({
            "type": "response.output_audio_transcript.done", "response_id": "resp_1",
            "item_id": "item_resp_1", "transcript": "אנחנו פתוחים מתשע עד שש.",
        })));
        assert_eq!(
            emitted(&text),
            vec![EngineEvent::ReplyText {
                reply,
                text: "אנחנו פתוחים מתשע עד שש.".into()
            }]
        );
        let done = c.on_server(event(
            json!({"type": "response.done", "response": {"id": "resp_1", "status": "completed"}}),
        ));
        assert_eq!(
            emitted(&done),
            vec![EngineEvent::ReplyDone {
                reply,
                needs_follow_up: false
            }]
        );
        // The next response is the next reply; a call-back answer needs follow-up.
        let second = reply_with_audio(&mut c, "resp_2", 80);
        assert_eq!(second, 2);
        c.on_server(event(json!({
            "type": "response.output_audio_transcript.done", "response_id": "resp_2",
            "item_id": "item_resp_2", "transcript": strings::FOLLOW_UP,
        })));
        let done = c.on_server(event(
            json!({"type": "response.done", "response": {"id": "resp_2", "status": "completed"}}),
        ));
        assert_eq!(
            emitted(&done),
            vec![EngineEvent::ReplyDone {
                reply: second,
                needs_follow_up: true
            }]
        );
        // Empty transcripts are no turns.
        let empty = c.on_server(event(json!({
            "type": "conversation.item.input_audio_transcription.completed",
            "item_id": "item_u2", "content_index": 0, "transcript": "  ",
        })));
        assert!(empty.is_empty());
    }

    #[test]
    fn short_speech_over_audible_agent_is_deleted_not_answered() {
        let mut c = Conversation::new(turn_taking());
        let reply = reply_with_audio(&mut c, "resp_1", 8000);
        // 160 ms of speech (plus the server's 300 + 600 ms padding) while the reply is audible.
        let out = utterance(&mut c, "item_u2", 5000, 6060);
        assert_eq!(
            out,
            vec![Action::Send(
                json!({"type": "conversation.item.delete", "item_id": "item_u2"})
            )]
        );
        // Its transcript is not a turn.
        let said = c.on_server(event(json!({
            "type": "conversation.item.input_audio_transcription.completed",
            "item_id": "item_u2", "content_index": 0, "transcript": "כן",
        })));
        assert!(said.is_empty());
        c.on_server(event(
            json!({"type": "response.done", "response": {"id": "resp_1", "status": "completed"}}),
        ));
        // Played out: the agent is silent, the same short speech is a turn.
        assert!(c.on_command(EngineCommand::Played { reply }).is_empty());
        let out = utterance(&mut c, "item_u3", 9000, 10060);
        assert_eq!(sent_types(&out), ["response.create"]);
    }

    #[test]
    fn interrupt_cancels_a_generating_reply_and_truncates_to_what_was_heard() {
        let mut c = Conversation::new(turn_taking());
        let reply = reply_with_audio(&mut c, "resp_1", 8000); // 1 s received
        let out = c.on_command(EngineCommand::Interrupt {
            reply,
            heard_ms: 400,
            heard_text: "אנחנו".into(),
        });
        assert_eq!(
            out,
            vec![
                Action::Send(json!({"type": "response.cancel", "response_id": "resp_1"})),
                Action::Send(
                    json!({"type": "conversation.item.truncate", "item_id": "item_resp_1",
                                     "content_index": 0, "audio_end_ms": 400})
                ),
            ]
        );
        // Late audio of the interrupted reply is dropped; its end is still reported.
        let late = c.on_server(event(json!({
            "type": "response.output_audio.delta", "response_id": "resp_1",
            "item_id": "item_resp_1", "delta": "f39/",
        })));
        assert!(late.is_empty());
        // The caller's turn ends before the cancelled response does: answered after it.
        assert!(utterance(&mut c, "item_u1", 1000, 3100).is_empty());
        // A cancelled response's transcript comes in its output item: the session keeps
        // the heard share of it.
        let done = c.on_server(event(json!({"type": "response.done", "response": {
            "id": "resp_1", "status": "cancelled",
            "output": [{"type": "message", "role": "assistant", "content": [
                {"type": "output_audio", "transcript": "אנחנו פתוחים מתשע"}]}]}})));
        assert_eq!(
            emitted(&done),
            vec![
                EngineEvent::ReplyText {
                    reply,
                    text: "אנחנו פתוחים מתשע".into()
                },
                EngineEvent::ReplyDone {
                    reply,
                    needs_follow_up: false
                }
            ]
        );
        assert_eq!(sent_types(&done), ["response.create"]);
        for kind in ["response.created", "response.done"] {
            c.on_server(event(json!({"type": kind, "response": {"id": "resp_2"}})));
        }
        // Not audible any more: short speech is a turn.
        let out = utterance(&mut c, "item_u2", 5000, 6060);
        assert_eq!(sent_types(&out), ["response.create"]);
    }

    #[test]
    fn interrupt_after_the_reply_is_done_only_truncates_within_its_audio() {
        let mut c = Conversation::new(turn_taking());
        let reply = reply_with_audio(&mut c, "resp_1", 800); // 100 ms received
        c.on_server(event(
            json!({"type": "response.done", "response": {"id": "resp_1", "status": "completed"}}),
        ));
        let out = c.on_command(EngineCommand::Interrupt {
            reply,
            heard_ms: 250,
            heard_text: String::new(),
        });
        assert_eq!(
            out,
            vec![Action::Send(
                json!({"type": "conversation.item.truncate", "item_id": "item_resp_1",
                       "content_index": 0, "audio_end_ms": 100})
            )]
        );
        // An unknown reply is nothing to stop.
        assert!(
            c.on_command(EngineCommand::Interrupt {
                reply: 9,
                heard_ms: 10,
                heard_text: String::new()
            })
            .is_empty()
        );
    }

    #[test]
    fn a_turn_during_generation_is_answered_after_the_old_response_ends() {
        let mut c = Conversation::new(turn_taking());
        c.on_server(event(
            json!({"type": "response.created", "response": {"id": "resp_1"}}),
        ));
        let out = utterance(&mut c, "item_u2", 1000, 3100);
        assert_eq!(
            out,
            vec![Action::Send(
                json!({"type": "response.cancel", "response_id": "resp_1"})
            )]
        );
        let done = c.on_server(event(
            json!({"type": "response.done", "response": {"id": "resp_1", "status": "cancelled"}}),
        ));
        assert_eq!(sent_types(&done), ["response.create"]);
        assert_eq!(emitted(&done).len(), 1);
    }

    #[test]
    fn a_turn_before_the_requested_response_exists_cancels_it_once_created() {
        let mut c = Conversation::new(turn_taking());
        assert_eq!(
            sent_types(&utterance(&mut c, "item_u1", 1000, 3100)),
            ["response.create"]
        );
        // The caller goes on before response.created: no second response.create yet.
        assert!(utterance(&mut c, "item_u2", 3500, 5600).is_empty());
        let created = c.on_server(event(
            json!({"type": "response.created", "response": {"id": "resp_1"}}),
        ));
        assert_eq!(
            created,
            vec![Action::Send(
                json!({"type": "response.cancel", "response_id": "resp_1"})
            )]
        );
        // Its audio is stale: not sent to the session.
        let late = c.on_server(event(json!({
            "type": "response.output_audio.delta", "response_id": "resp_1",
            "item_id": "item_resp_1", "delta": "f39/",
        })));
        assert!(late.is_empty());
        let done = c.on_server(event(
            json!({"type": "response.done", "response": {"id": "resp_1", "status": "cancelled"}}),
        ));
        assert_eq!(sent_types(&done), ["response.create"]);
    }

    #[test]
    fn audio_commands_become_base64_appends() {
        let mut c = Conversation::new(turn_taking());
        let out = c.on_command(EngineCommand::Audio(vec![0xFF, 0x00, 0x7F]));
        assert_eq!(
            out,
            vec![Action::Send(
                json!({"type": "input_audio_buffer.append", "audio": "/wB/"})
            )]
        );
    }
}
