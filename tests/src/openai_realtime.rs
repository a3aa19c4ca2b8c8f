//! A loopback OpenAI Realtime API: a WebSocket server on 127.0.0.1 speaking the documented GA
//! events, scripted per turn, for end-to-end tests and benchmarks of the `openai` engine.
//!
//! - The upgrade needs `Authorization: Bearer <api_key>` when a key is configured (else 401).
//! - `session.created` on connect; `session.updated` echoing `session.update`.
//! - An energy VAD over the appended μ-law (20 ms frames, RMS threshold, the
//!   `silence_duration_ms` and `prefix_padding_ms` of session.update) sends `speech_started` /
//!   `speech_stopped` with `audio_start_ms` / `audio_end_ms` measured as the real server does
//!   (padding included), then `input_audio_buffer.committed` and `conversation.item.created`;
//!   the transcript of the n-th utterance follows `stt` later.
//! - `response.create` answers with the n-th scripted reply: `response.created`, audio deltas
//!   (`first_audio` after the request, then `chunk` of audio every `chunk_interval`, faster than
//!   real time as the real server is), the transcript and `response.done`. `response.cancel`
//!   stops the deltas and ends it `cancelled`.
//! - `tool_calls` script function calls: before a reply, each `response.create` answers with
//!   one `function_call` item (`response.function_call_arguments.done`, `response.done`) and the
//!   next needs its `function_call_output` (`conversation.item.create`) first.
//! - Every client event is recorded with its arrival time; every server event's type with its
//!   sending time.

use base64::Engine as _;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::{net::TcpListener, sync::mpsc};
use tokio_tungstenite::tungstenite::{
    Message,
    handshake::server::{ErrorResponse, Request, Response},
    http::{StatusCode, header::AUTHORIZATION},
};
use tokio_util::sync::CancellationToken;

/// Where the Realtime API listens.
pub const PATH: &str = "/v1/realtime";

/// One scripted turn: what the caller's n-th utterance was, and the n-th reply.
#[derive(Debug, Clone, Default)]
pub struct ScriptedTurn {
    /// The transcript reported for the caller's utterance.
    pub caller: String,
    /// The reply's transcript.
    pub reply_text: String,
    /// The reply's audio, 8 kHz μ-law.
    pub reply_audio: Vec<u8>,
}

/// A function call the model makes instead of speaking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedToolCall {
    pub name: String,
    /// The JSON arguments, as the model streams them.
    pub arguments: String,
}

/// Where the server fails on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailPoint {
    /// Instead of `session.updated`.
    SessionUpdate,
    /// Right after the first audio delta of the n-th response (from 1).
    ResponseAudio(usize),
}

/// How it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailWith {
    /// The socket is closed.
    Close,
    /// A `server_error` event is sent; the connection stays open.
    ServerError,
}

#[derive(Debug, Clone)]
pub struct RealtimeServerConfig {
    /// The key the upgrade must carry; `None` accepts any request.
    pub api_key: Option<String>,
    /// Utterance n gets `turns[n].caller`, response n `turns[n]`'s reply; the last turn repeats.
    pub turns: Vec<ScriptedTurn>,
    /// From `speech_stopped` to the transcript.
    pub stt: Duration,
    /// From `response.create` to the first audio delta.
    pub first_audio: Duration,
    /// Audio in one delta.
    pub chunk: Duration,
    /// Between deltas (shorter than `chunk`: faster than real time).
    pub chunk_interval: Duration,
    /// RMS (of 16-bit samples) above which a 20 ms frame is speech.
    pub vad_threshold: f64,
    pub fail: Option<(FailPoint, FailWith)>,
    /// Before the n-th reply (from 0) the model calls these tools, one response each, in
    /// order; each needs its `function_call_output` before the next `response.create`.
    pub tool_calls: HashMap<usize, Vec<ScriptedToolCall>>,
}

impl Default for RealtimeServerConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            turns: Vec::new(),
            stt: Duration::from_millis(150),
            first_audio: Duration::from_millis(300),
            chunk: Duration::from_millis(100),
            chunk_interval: Duration::from_millis(25),
            vad_threshold: 500.0,
            fail: None,
            tool_calls: HashMap::new(),
        }
    }
}

/// A client event as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    /// Which connection, from 0.
    pub connection: usize,
    pub kind: String,
    pub event: Value,
}

/// A server event's type and when it was sent.
#[derive(Debug, Clone)]
pub struct Sent {
    pub at: Instant,
    pub connection: usize,
    pub kind: String,
}

#[derive(Default)]
struct Log {
    received: Vec<Received>,
    sent: Vec<Sent>,
    /// The Authorization header of every upgrade request, in order.
    authorizations: Vec<Option<String>>,
    /// Connections the client closed or dropped.
    closed: usize,
}

struct Shared {
    config: RealtimeServerConfig,
    log: Mutex<Log>,
}

pub struct RealtimeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Drop for RealtimeServer {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl RealtimeServer {
    pub async fn start(config: RealtimeServerConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let shared = Arc::new(Shared {
            config,
            log: Mutex::new(Log::default()),
        });
        let accepting = tokio::spawn({
            let shared = shared.clone();
            async move {
                let mut connection = 0;
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(shared.clone(), stream, connection));
                    connection += 1;
                }
            }
        });
        Self {
            addr,
            shared,
            accepting,
        }
    }

    /// The WebSocket URL of `model`, as the engine's settings hold it.
    pub fn url(&self, model: &str) -> String {
        format!("ws://{}{PATH}?model={model}", self.addr)
    }

    /// The `OPENAI_BASE_URL` that points at this server.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.log.lock().unwrap().received.clone()
    }

    /// Received client events of `kind`.
    pub fn of_type(&self, kind: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.kind == kind)
            .collect()
    }

    pub fn truncates(&self) -> Vec<Received> {
        self.of_type("conversation.item.truncate")
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.shared.log.lock().unwrap().sent.clone()
    }

    /// The Authorization header of every upgrade request, in order (`None`: no header).
    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.shared.log.lock().unwrap().authorizations.clone()
    }

    /// How many connections the client has closed or dropped.
    pub fn closed_connections(&self) -> usize {
        self.shared.log.lock().unwrap().closed
    }

    /// Waits until `count` client events of `kind` have arrived (or `timeout` passes); returns
    /// those seen.
    pub async fn wait_for(&self, kind: &str, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let seen = self.of_type(kind);
            if seen.len() >= count || Instant::now() > deadline {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

enum Outgoing {
    Event(Value),
    Close,
}

/// The sending half of one connection: numbers and logs every server event.
#[derive(Clone)]
struct Out {
    tx: mpsc::UnboundedSender<Outgoing>,
    shared: Arc<Shared>,
    connection: usize,
    next_event: Arc<std::sync::atomic::AtomicUsize>,
}

impl Out {
    fn send(&self, mut event: Value) {
        let n = self
            .next_event
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        event["event_id"] = json!(format!("event_{}_{n}", self.connection));
        self.shared.log.lock().unwrap().sent.push(Sent {
            at: Instant::now(),
            connection: self.connection,
            kind: event["type"].as_str().unwrap_or_default().to_string(),
        });
        let _ = self.tx.send(Outgoing::Event(event));
    }

    fn error(&self, kind: &str, code: Option<&str>, message: &str) {
        self.send(json!({
            "type": "error",
            "error": {"type": kind, "code": code, "message": message, "param": null, "event_id": null},
        }));
    }

    fn close(&self) {
        let _ = self.tx.send(Outgoing::Close);
    }
}

// The upgrade's check returns tungstenite's own (large) error response type.
#[allow(clippy::result_large_err)]
async fn serve(shared: Arc<Shared>, stream: tokio::net::TcpStream, connection: usize) {
    let check = {
        let shared = shared.clone();
        move |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
            let authorization = request
                .headers()
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            shared
                .log
                .lock()
                .unwrap()
                .authorizations
                .push(authorization.clone());
            let refuse = |status: StatusCode, message: &str| {
                let body = json!({"error": {"type": "invalid_request_error", "message": message}});
                let mut r = ErrorResponse::new(Some(body.to_string()));
                *r.status_mut() = status;
                Err(r)
            };
            if request.uri().path() != PATH {
                return refuse(StatusCode::NOT_FOUND, "no such endpoint");
            }
            if let Some(key) = &shared.config.api_key
                && authorization.as_deref() != Some(format!("Bearer {key}").as_str())
            {
                return refuse(StatusCode::UNAUTHORIZED, "Incorrect API key provided.");
            }
            Ok(response)
        }
    };
    let Ok(socket) = tokio_tungstenite::accept_hdr_async(stream, check).await else {
        return;
    };
    let (mut sink, mut source) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(outgoing) = rx.recv().await {
            let sent = match outgoing {
                Outgoing::Event(event) => sink.send(Message::Text(event.to_string().into())).await,
                Outgoing::Close => {
                    let _ = sink.close().await;
                    break;
                }
            };
            if sent.is_err() {
                break;
            }
        }
    });
    let out = Out {
        tx,
        shared: shared.clone(),
        connection,
        next_event: Default::default(),
    };
    let mut conn = Connection::new(shared.clone(), out, connection);
    conn.out
        .send(json!({"type": "session.created", "session": conn.session_json()}));
    while let Some(Ok(message)) = source.next().await {
        match message {
            Message::Text(text) => {
                let Ok(event) = serde_json::from_str::<Value>(&text) else {
                    conn.out
                        .error("invalid_request_error", None, "event is not JSON");
                    continue;
                };
                let kind = event["type"].as_str().unwrap_or_default().to_string();
                shared.log.lock().unwrap().received.push(Received {
                    at: Instant::now(),
                    connection,
                    kind: kind.clone(),
                    event: event.clone(),
                });
                conn.handle(&kind, event);
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    conn.stop();
    shared.log.lock().unwrap().closed += 1;
}

/// A response being generated.
struct Active {
    id: String,
    cancel: CancellationToken,
}

/// What a connection's reader and its responses' tasks share.
#[derive(Default)]
struct ResponseState {
    active: Option<Active>,
    /// Milliseconds of audio sent, by assistant item.
    item_audio_ms: HashMap<String, u32>,
}

struct Connection {
    shared: Arc<Shared>,
    out: Out,
    connection: usize,
    session: Value,
    vad: Vad,
    utterances: usize,
    responses: usize,
    previous_item: Option<String>,
    /// Tool calls made before the current reply, and the call ids still without an output.
    tool_calls_made: usize,
    awaiting_output: Vec<String>,
    state: Arc<Mutex<ResponseState>>,
    /// Ends the connection's pending tasks when it closes.
    closed: CancellationToken,
}

impl Connection {
    fn new(shared: Arc<Shared>, out: Out, connection: usize) -> Self {
        let threshold = shared.config.vad_threshold;
        Self {
            shared,
            out,
            connection,
            session: json!({
                "type": "realtime",
                "output_modalities": ["audio"],
                "instructions": "",
                "audio": {
                    "input": {
                        "format": {"type": "audio/pcm", "rate": 24000},
                        "turn_detection": {"type": "server_vad", "silence_duration_ms": 500,
                                           "prefix_padding_ms": 300, "threshold": 0.5},
                    },
                    "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"},
                },
            }),
            vad: Vad::new(threshold, 500, 300),
            utterances: 0,
            responses: 0,
            previous_item: None,
            tool_calls_made: 0,
            awaiting_output: Vec::new(),
            state: Default::default(),
            closed: CancellationToken::new(),
        }
    }

    fn session_json(&self) -> Value {
        let mut s = self.session.clone();
        s["id"] = json!(format!("sess_{}", self.connection));
        s["object"] = json!("realtime.session");
        s["model"] = json!("gpt-realtime");
        s
    }

    fn turn(&self, n: usize) -> ScriptedTurn {
        let turns = &self.shared.config.turns;
        turns
            .get(n.min(turns.len().saturating_sub(1)))
            .cloned()
            .unwrap_or_default()
    }

    fn stop(&self) {
        self.closed.cancel();
        if let Some(active) = &self.state.lock().unwrap().active {
            active.cancel.cancel();
        }
    }

    fn handle(&mut self, kind: &str, event: Value) {
        match kind {
            "session.update" => self.session_update(&event["session"]),
            "input_audio_buffer.append" => {
                match base64::engine::general_purpose::STANDARD
                    .decode(event["audio"].as_str().unwrap_or_default())
                {
                    Ok(mulaw) => self.audio(&mulaw),
                    Err(_) => self
                        .out
                        .error("invalid_request_error", None, "audio is not base64"),
                }
            }
            "response.create" => self.response_create(),
            "response.cancel" => {
                let state = self.state.lock().unwrap();
                match &state.active {
                    Some(active)
                        if event["response_id"].is_null() || event["response_id"] == active.id =>
                    {
                        active.cancel.cancel();
                    }
                    _ => self.out.error(
                        "invalid_request_error",
                        Some("response_cancel_not_active"),
                        "Cancellation failed: no active response found",
                    ),
                }
            }
            "conversation.item.truncate" => self.truncate(&event),
            "conversation.item.create" => self.item_create(&event["item"]),
            "conversation.item.delete" => {
                self.out.send(json!({"type": "conversation.item.deleted",
                                     "item_id": event["item_id"]}));
            }
            _ => self.out.error(
                "invalid_request_error",
                Some("unknown_event"),
                &format!("unsupported event type {kind:?}"),
            ),
        }
    }

    fn session_update(&mut self, update: &Value) {
        match self.shared.config.fail {
            Some((FailPoint::SessionUpdate, FailWith::Close)) => return self.out.close(),
            Some((FailPoint::SessionUpdate, FailWith::ServerError)) => {
                return self.out.error(
                    "server_error",
                    None,
                    "The server had an error while processing your request.",
                );
            }
            _ => {}
        }
        if update["type"] != "realtime" {
            return self.out.error(
                "invalid_request_error",
                Some("missing_required_parameter"),
                "Missing required parameter: 'session.type'.",
            );
        }
        if let Err(message) = check_ga_session(update) {
            return self
                .out
                .error("invalid_request_error", Some("unknown_parameter"), &message);
        }
        merge(&mut self.session, update);
        let vad = &self.session["audio"]["input"]["turn_detection"];
        let ms = |v: &Value, default: u32| v.as_u64().map_or(default, |n| n as u32);
        self.vad.silence_ms = ms(&vad["silence_duration_ms"], 500);
        self.vad.prefix_ms = ms(&vad["prefix_padding_ms"], 300);
        self.out
            .send(json!({"type": "session.updated", "session": self.session_json()}));
    }

    fn audio(&mut self, mulaw: &[u8]) {
        for event in self.vad.push(mulaw) {
            match event {
                VadEvent::Started { audio_start_ms } => {
                    let item_id = format!("item_user_{}", self.utterances + 1);
                    self.out
                        .send(json!({"type": "input_audio_buffer.speech_started",
                                         "audio_start_ms": audio_start_ms, "item_id": item_id}));
                }
                VadEvent::Stopped { audio_end_ms } => self.utterance_ended(audio_end_ms),
            }
        }
    }

    fn utterance_ended(&mut self, audio_end_ms: u32) {
        let caller = self.turn(self.utterances).caller;
        self.utterances += 1;
        let item_id = format!("item_user_{}", self.utterances);
        let previous = self.previous_item.replace(item_id.clone());
        self.out
            .send(json!({"type": "input_audio_buffer.speech_stopped",
                             "audio_end_ms": audio_end_ms, "item_id": item_id}));
        self.out.send(json!({"type": "input_audio_buffer.committed",
                             "previous_item_id": previous, "item_id": item_id}));
        self.out.send(json!({
            "type": "conversation.item.created",
            "previous_item_id": previous,
            "item": {"id": item_id, "object": "realtime.item", "type": "message",
                     "status": "completed", "role": "user",
                     "content": [{"type": "input_audio", "transcript": null}]},
        }));
        let out = self.out.clone();
        let stt = self.shared.config.stt;
        let closed = self.closed.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(stt) => out.send(json!({
                    "type": "conversation.item.input_audio_transcription.completed",
                    "item_id": item_id, "content_index": 0, "transcript": caller,
                })),
                _ = closed.cancelled() => {}
            }
        });
    }

    fn response_create(&mut self) {
        let mut state = self.state.lock().unwrap();
        if let Some(active) = &state.active {
            return self.out.error(
                "invalid_request_error",
                Some("conversation_already_has_active_response"),
                &format!(
                    "Conversation already has an active response in progress: {}",
                    active.id
                ),
            );
        }
        if !self.awaiting_output.is_empty() {
            return self.out.error(
                "invalid_request_error",
                Some("missing_function_call_output"),
                "A function call has no function_call_output yet",
            );
        }
        let scripted = self.shared.config.tool_calls.get(&self.responses);
        if let Some(call) = scripted.and_then(|calls| calls.get(self.tool_calls_made)) {
            self.tool_calls_made += 1;
            let n = self.tool_calls_made;
            let id = format!("resp_{}_{}_call_{n}", self.connection, self.responses);
            let call_id = format!("call_{}_{}_{n}", self.connection, self.responses);
            let item_id = format!("item_fc_{}_{}_{n}", self.connection, self.responses);
            self.awaiting_output.push(call_id.clone());
            let item = json!({"id": item_id, "object": "realtime.item", "type": "function_call",
                              "status": "completed", "call_id": call_id, "name": call.name,
                              "arguments": call.arguments});
            let out = &self.out;
            out.send(json!({"type": "response.created", "response": {
                "id": id, "object": "realtime.response", "status": "in_progress", "output": []}}));
            out.send(
                json!({"type": "response.output_item.added", "response_id": id,
                            "output_index": 0, "item": {"id": item_id, "object": "realtime.item",
                            "type": "function_call", "status": "in_progress", "call_id": call_id,
                            "name": call.name, "arguments": ""}}),
            );
            out.send(
                json!({"type": "response.function_call_arguments.done", "response_id": id,
                            "item_id": item_id, "output_index": 0, "call_id": call_id,
                            "name": call.name, "arguments": call.arguments}),
            );
            out.send(
                json!({"type": "response.output_item.done", "response_id": id,
                            "output_index": 0, "item": item}),
            );
            out.send(json!({"type": "response.done", "response": {
                "id": id, "object": "realtime.response", "status": "completed",
                "output": [item]}}));
            return;
        }
        self.tool_calls_made = 0;
        let turn = self.turn(self.responses);
        self.responses += 1;
        let id = format!("resp_{}_{}", self.connection, self.responses);
        let item_id = format!("item_resp_{}_{}", self.connection, self.responses);
        let cancel = CancellationToken::new();
        state.active = Some(Active {
            id: id.clone(),
            cancel: cancel.clone(),
        });
        let fail = match self.shared.config.fail {
            Some((FailPoint::ResponseAudio(n), how)) if n == self.responses => Some(how),
            _ => None,
        };
        let reply = Reply {
            out: self.out.clone(),
            state: self.state.clone(),
            id,
            item_id,
            turn,
            config: self.shared.config.clone(),
            cancel,
            fail,
        };
        tokio::spawn(reply.run());
    }

    /// Accepts the `function_call_output` of a call the model made (anything else is refused).
    fn item_create(&mut self, item: &Value) {
        let call_id = item["call_id"].as_str().unwrap_or_default();
        if item["type"] != "function_call_output" || !item["output"].is_string() {
            return self.out.error(
                "invalid_request_error",
                Some("invalid_value"),
                "Only function_call_output items are supported here",
            );
        }
        let Some(at) = self.awaiting_output.iter().position(|c| c == call_id) else {
            return self.out.error(
                "invalid_request_error",
                Some("invalid_value"),
                &format!("No function call with call_id {call_id:?}"),
            );
        };
        self.awaiting_output.remove(at);
        let mut created = item.clone();
        created["id"] = json!(format!("item_out_{call_id}"));
        created["object"] = json!("realtime.item");
        created["status"] = json!("completed");
        self.out
            .send(json!({"type": "conversation.item.created", "item": created}));
    }

    fn truncate(&mut self, event: &Value) {
        let item_id = event["item_id"].as_str().unwrap_or_default();
        let end = event["audio_end_ms"].as_u64().unwrap_or(u64::MAX);
        let sent = self
            .state
            .lock()
            .unwrap()
            .item_audio_ms
            .get(item_id)
            .copied();
        match sent {
            None => self.out.error(
                "invalid_request_error",
                Some("item_truncate_invalid_item_id"),
                &format!("Item with item_id not found: {item_id}"),
            ),
            Some(ms) if end > u64::from(ms) => self.out.error(
                "invalid_request_error",
                Some("invalid_value"),
                &format!("Audio content of {ms}ms is already shorter than {end}ms"),
            ),
            Some(_) => self.out.send(json!({
                "type": "conversation.item.truncated", "item_id": item_id,
                "content_index": event["content_index"], "audio_end_ms": end,
            })),
        }
    }
}

/// Session fields of the GA interface, by object: anything else (e.g. the beta
/// `input_audio_format`, `modalities`, `voice` at the top) is refused as the real server does.
const GA_SESSION_FIELDS: &[(&str, &[&str])] = &[
    (
        "session",
        &[
            "type",
            "model",
            "instructions",
            "output_modalities",
            "audio",
            "include",
            "prompt",
            "tools",
            "tool_choice",
            "tracing",
            "truncation",
            "max_output_tokens",
        ],
    ),
    ("session.audio", &["input", "output"]),
    (
        "session.audio.input",
        &[
            "format",
            "noise_reduction",
            "transcription",
            "turn_detection",
        ],
    ),
    ("session.audio.output", &["format", "voice", "speed"]),
];
const AUDIO_FORMATS: &[&str] = &["audio/pcm", "audio/pcmu", "audio/pcma"];

fn check_ga_session(session: &Value) -> Result<(), String> {
    for (path, fields) in GA_SESSION_FIELDS {
        let object = path.split('.').skip(1).fold(session, |v, key| &v[key]);
        for key in object.as_object().into_iter().flat_map(|o| o.keys()) {
            if !fields.contains(&key.as_str()) {
                return Err(format!("Unknown parameter: '{path}.{key}'."));
            }
        }
    }
    for side in ["input", "output"] {
        let format = &session["audio"][side]["format"];
        if !format.is_null() && !AUDIO_FORMATS.contains(&format["type"].as_str().unwrap_or("")) {
            return Err(format!(
                "Invalid value for 'session.audio.{side}.format': {format}."
            ));
        }
    }
    Ok(())
}

/// Merges `update` into `target`, objects key by key.
fn merge(target: &mut Value, update: &Value) {
    match (target, update) {
        (Value::Object(t), Value::Object(u)) => {
            for (k, v) in u {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (t, u) => *t = u.clone(),
    }
}

/// One response's generation.
struct Reply {
    out: Out,
    state: Arc<Mutex<ResponseState>>,
    id: String,
    item_id: String,
    turn: ScriptedTurn,
    config: RealtimeServerConfig,
    cancel: CancellationToken,
    fail: Option<FailWith>,
}

impl Reply {
    async fn run(self) {
        let out = &self.out;
        out.send(json!({"type": "response.created", "response": self.response_json("in_progress", false)}));
        out.send(json!({
            "type": "response.output_item.added", "response_id": self.id, "output_index": 0,
            "item": {"id": self.item_id, "object": "realtime.item", "type": "message",
                     "status": "in_progress", "role": "assistant", "content": []},
        }));
        let chunk_bytes = (self.config.chunk.as_millis() as usize * 8).max(1);
        let mut wait = self.config.first_audio;
        for (i, chunk) in self.turn.reply_audio.chunks(chunk_bytes).enumerate() {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.cancel.cancelled() => break,
            }
            wait = self.config.chunk_interval;
            *self
                .state
                .lock()
                .unwrap()
                .item_audio_ms
                .entry(self.item_id.clone())
                .or_default() += (chunk.len() / 8) as u32;
            out.send(json!({
                "type": "response.output_audio.delta", "response_id": self.id,
                "item_id": self.item_id, "output_index": 0, "content_index": 0,
                "delta": base64::engine::general_purpose::STANDARD.encode(chunk),
            }));
            if i == 0 {
                match self.fail {
                    Some(FailWith::Close) => return out.close(),
                    Some(FailWith::ServerError) => out.error(
                        "server_error",
                        None,
                        "The server had an error while processing your request.",
                    ),
                    None => {}
                }
            }
        }
        // Whether it was cancelled and that it is over are decided together.
        let cancelled = {
            let mut state = self.state.lock().unwrap();
            state.active = None;
            self.cancel.is_cancelled()
        };
        if cancelled {
            // A cancelled response still lists its (incomplete) audio item and its transcript.
            out.send(
                json!({"type": "response.done", "response": self.response_json("cancelled", true)}),
            );
            return;
        }
        out.send(
            json!({"type": "response.output_audio.done", "response_id": self.id,
                        "item_id": self.item_id, "output_index": 0, "content_index": 0}),
        );
        out.send(
            json!({"type": "response.output_audio_transcript.done", "response_id": self.id,
                        "item_id": self.item_id, "output_index": 0, "content_index": 0,
                        "transcript": self.turn.reply_text}),
        );
        out.send(
            json!({"type": "response.done", "response": self.response_json("completed", true)}),
        );
    }

    fn response_json(&self, status: &str, with_output: bool) -> Value {
        let output = if with_output {
            let item_status = if status == "completed" {
                "completed"
            } else {
                "incomplete"
            };
            json!([{"id": self.item_id, "object": "realtime.item", "type": "message",
                    "status": item_status, "role": "assistant",
                    "content": [{"type": "output_audio", "transcript": self.turn.reply_text}]}])
        } else {
            json!([])
        };
        let details = match status {
            "cancelled" => json!({"type": "cancelled", "reason": "client_cancelled"}),
            _ => Value::Null,
        };
        json!({"id": self.id, "object": "realtime.response", "status": status,
               "status_details": details, "output": output,
               "output_modalities": ["audio"]})
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VadEvent {
    Started { audio_start_ms: u32 },
    Stopped { audio_end_ms: u32 },
}

/// An energy VAD over 20 ms μ-law frames, reporting times as the Realtime API does: the start
/// includes the prefix padding, the end the silence that ended the speech.
struct Vad {
    threshold: f64,
    silence_ms: u32,
    prefix_ms: u32,
    pending: Vec<u8>,
    /// Audio processed so far.
    ms: u32,
    in_speech: bool,
    last_voice_end: u32,
}

const FRAME_MS: u32 = 20;

impl Vad {
    fn new(threshold: f64, silence_ms: u32, prefix_ms: u32) -> Self {
        Self {
            threshold,
            silence_ms,
            prefix_ms,
            pending: Vec::new(),
            ms: 0,
            in_speech: false,
            last_voice_end: 0,
        }
    }

    fn push(&mut self, mulaw: &[u8]) -> Vec<VadEvent> {
        use agentlocator_common::mulaw;
        self.pending.extend_from_slice(mulaw);
        let mut events = Vec::new();
        while self.pending.len() >= mulaw::FRAME_BYTES {
            let frame: Vec<u8> = self.pending.drain(..mulaw::FRAME_BYTES).collect();
            let energy = frame
                .iter()
                .map(|b| f64::from(mulaw::decode(*b)).powi(2))
                .sum::<f64>()
                / frame.len() as f64;
            let end = self.ms + FRAME_MS;
            if energy.sqrt() > self.threshold {
                if !self.in_speech {
                    self.in_speech = true;
                    events.push(VadEvent::Started {
                        audio_start_ms: self.ms.saturating_sub(self.prefix_ms),
                    });
                }
                self.last_voice_end = end;
            } else if self.in_speech && end - self.last_voice_end >= self.silence_ms {
                self.in_speech = false;
                events.push(VadEvent::Stopped { audio_end_ms: end });
            }
            self.ms = end;
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentlocator_common::mulaw;

    #[test]
    fn only_ga_session_fields_are_accepted() {
        let ga = json!({"type": "realtime", "output_modalities": ["audio"],
                        "audio": {"input": {"format": {"type": "audio/pcmu"}},
                                  "output": {"format": {"type": "audio/pcmu"}, "voice": "marin"}}});
        assert_eq!(check_ga_session(&ga), Ok(()));
        let beta = json!({"type": "realtime", "input_audio_format": "g711_ulaw"});
        assert!(
            check_ga_session(&beta)
                .unwrap_err()
                .contains("input_audio_format")
        );
        let beta_format = json!({"type": "realtime",
                                 "audio": {"output": {"format": {"type": "g711_ulaw"}}}});
        assert!(check_ga_session(&beta_format).is_err());
    }

    #[test]
    fn vad_reports_padded_times_of_loud_frames() {
        let mut vad = Vad::new(500.0, 100, 40);
        let silence = vec![mulaw::SILENCE; 160];
        let loud = mulaw::encode_all(&[8000i16, -8000].repeat(80));
        let mut events = Vec::new();
        for frame in [&silence, &silence, &silence, &loud, &loud]
            .into_iter()
            .chain(std::iter::repeat_n(&silence, 6))
        {
            events.extend(vad.push(frame));
        }
        // Speech from 60 to 100 ms; 100 ms of silence ends it at 200 ms.
        assert_eq!(
            events,
            [
                VadEvent::Started { audio_start_ms: 20 },
                VadEvent::Stopped { audio_end_ms: 200 }
            ]
        );
    }
}
