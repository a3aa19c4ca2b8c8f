//! Twilio's side of a Media Stream, for end-to-end tests and benchmarks: opens the WebSocket with
//! the signed upgrade, sends `connected` and `start` as Twilio documents them, then one `media`
//! frame (20 ms of 8 kHz μ-law) every 20 ms for as long as the call lasts — the caller's speech
//! when there is some queued, silence otherwise — and plays what comes back the way Twilio does:
//! reply frames are played at real time one after the other, a `mark` is echoed once the audio
//! sent before it has been played, and `clear` drops what has not been played yet (echoing the
//! marks it dropped).

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

pub const FRAME: Duration = Duration::from_millis(20);
pub const FRAME_BYTES: usize = 160;
const SILENCE: u8 = 0xFF;

/// What came back from the service, with when it arrived.
#[derive(Debug, Clone)]
pub enum Heard {
    Media { at: Instant, bytes: usize },
    Mark { at: Instant, name: String },
    Clear { at: Instant },
    Closed { at: Instant, code: Option<u16> },
}

/// Everything seen on one stream.
#[derive(Debug, Default)]
pub struct Log {
    pub heard: Vec<Heard>,
    /// When each queued utterance's last frame was sent.
    pub utterance_ends: Vec<Instant>,
    /// When each queued utterance's first frame was sent.
    pub utterance_starts: Vec<Instant>,
    /// The marks echoed back, in order.
    pub marks_echoed: Vec<String>,
}

impl Log {
    pub fn media(&self) -> Vec<(Instant, usize)> {
        self.heard
            .iter()
            .filter_map(|h| match h {
                Heard::Media { at, bytes } => Some((*at, *bytes)),
                _ => None,
            })
            .collect()
    }

    pub fn clears(&self) -> Vec<Instant> {
        self.heard
            .iter()
            .filter_map(|h| match h {
                Heard::Clear { at } => Some(*at),
                _ => None,
            })
            .collect()
    }

    pub fn closed(&self) -> Option<(Instant, Option<u16>)> {
        self.heard.iter().find_map(|h| match h {
            Heard::Closed { at, code } => Some((*at, *code)),
            _ => None,
        })
    }

    /// The first reply frame received after `t`.
    pub fn first_media_after(&self, t: Instant) -> Option<Instant> {
        self.media()
            .into_iter()
            .map(|(at, _)| at)
            .find(|at| *at > t)
    }
}

/// A stream as Twilio runs it.
pub struct TwilioStream {
    pub log: Arc<Mutex<Log>>,
    speak: mpsc::UnboundedSender<Vec<u8>>,
    stop: mpsc::UnboundedSender<Control>,
    task: tokio::task::JoinHandle<()>,
}

enum Control {
    Stop,
    Raw(String),
}

/// Why the upgrade failed.
#[derive(Debug)]
pub enum Refused {
    Status(u16),
    Other(String),
}

impl TwilioStream {
    /// Opens `url` (ws://…/webhook/media_stream) with `signature` (none when `None`), sends
    /// `connected` and `start` for `call_sid` with `parameters`, and starts the microphone.
    pub async fn open(
        url: &str,
        signature: Option<&str>,
        call_sid: &str,
        parameters: &HashMap<String, String>,
    ) -> Result<Self, Refused> {
        Self::open_with(url, signature, call_sid, parameters, true).await
    }

    /// [`Self::open`] without the microphone: only what is sent by hand goes out. For streams
    /// that are to be refused, so that the refusal's close frame is not lost to a reset
    /// connection (frames still in flight when the service closes it).
    pub async fn open_quiet(
        url: &str,
        signature: Option<&str>,
        call_sid: &str,
        parameters: &HashMap<String, String>,
    ) -> Result<Self, Refused> {
        Self::open_with(url, signature, call_sid, parameters, false).await
    }

    async fn open_with(
        url: &str,
        signature: Option<&str>,
        call_sid: &str,
        parameters: &HashMap<String, String>,
        mic_on: bool,
    ) -> Result<Self, Refused> {
        let mut req = url
            .into_client_request()
            .map_err(|e| Refused::Other(e.to_string()))?;
        if let Some(s) = signature {
            req.headers_mut().insert(
                "X-Twilio-Signature",
                HeaderValue::from_str(s).map_err(|e| Refused::Other(e.to_string()))?,
            );
        }
        let (ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .map_err(|e| match e {
                tokio_tungstenite::tungstenite::Error::Http(r) => {
                    Refused::Status(r.status().as_u16())
                }
                e => Refused::Other(e.to_string()),
            })?;
        let (mut tx, mut rx) = ws.split();
        let stream_sid = format!("MZ{}", uuid::Uuid::now_v7().simple());
        let connected = json!({"event": "connected", "protocol": "Call", "version": "1.0.0"});
        let start = json!({
            "event": "start",
            "sequenceNumber": "1",
            "streamSid": stream_sid,
            "start": {
                "accountSid": "AC0123456789abcdef0123456789abcdef",
                "streamSid": stream_sid,
                "callSid": call_sid,
                "tracks": ["inbound"],
                "customParameters": parameters,
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        });
        for m in [connected, start] {
            tx.send(Message::text(m.to_string()))
                .await
                .map_err(|e| Refused::Other(e.to_string()))?;
        }
        let log = Arc::new(Mutex::new(Log::default()));
        let (speak, mut utterances) = mpsc::unbounded_channel::<Vec<u8>>();
        let (stop, mut control) = mpsc::unbounded_channel::<Control>();
        let task_log = log.clone();
        let task = tokio::spawn(async move {
            let log = task_log;
            let mut mic: VecDeque<u8> = VecDeque::new();
            let mut utterance_open = false;
            let mut seq: u64 = 2;
            let mut chunk: u64 = 0;
            // Twilio's playback: when the audio sent so far will have been played, and the
            // marks waiting for it.
            let mut played_until = Instant::now();
            let mut pending_marks: VecDeque<(Instant, String)> = VecDeque::new();
            let mut tick = tokio::time::interval(FRAME);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let started = Instant::now();
            loop {
                tokio::select! {
                    _ = tick.tick(), if mic_on => {
                        while let Ok(u) = utterances.try_recv() {
                            mic.extend(u);
                        }
                        let frame: Vec<u8> = if mic.is_empty() {
                            vec![SILENCE; FRAME_BYTES]
                        } else {
                            let n = FRAME_BYTES.min(mic.len());
                            let mut f: Vec<u8> = mic.drain(..n).collect();
                            f.resize(FRAME_BYTES, SILENCE);
                            f
                        };
                        let speaking = frame.iter().any(|b| *b != SILENCE);
                        let now = Instant::now();
                        {
                            let mut l = log.lock().unwrap();
                            if speaking && !utterance_open {
                                l.utterance_starts.push(now);
                                utterance_open = true;
                            }
                            if utterance_open && mic.is_empty() {
                                l.utterance_ends.push(now);
                                utterance_open = false;
                            }
                        }
                        chunk += 1;
                        seq += 1;
                        let ts = started.elapsed().as_millis().to_string();
                        use base64::Engine as _;
                        let media = json!({
                            "event": "media",
                            "sequenceNumber": seq.to_string(),
                            "streamSid": stream_sid,
                            "media": {
                                "track": "inbound",
                                "chunk": chunk.to_string(),
                                "timestamp": ts,
                                "payload": base64::engine::general_purpose::STANDARD.encode(&frame),
                            },
                        });
                        if tx.send(Message::text(media.to_string())).await.is_err() {
                            break;
                        }
                        // Marks whose audio has been played.
                        while pending_marks.front().is_some_and(|(t, _)| *t <= now) {
                            let (_, name) = pending_marks.pop_front().unwrap();
                            seq += 1;
                            let m = json!({"event": "mark", "sequenceNumber": seq.to_string(), "streamSid": stream_sid, "mark": {"name": name}});
                            log.lock().unwrap().marks_echoed.push(name);
                            if tx.send(Message::text(m.to_string())).await.is_err() {
                                break;
                            }
                        }
                    }
                    c = control.recv() => match c {
                        Some(Control::Raw(text)) => {
                            if tx.send(Message::text(text)).await.is_err() { break; }
                        }
                        Some(Control::Stop) | None => {
                            seq += 1;
                            let stop = json!({"event": "stop", "sequenceNumber": seq.to_string(), "streamSid": stream_sid, "stop": {"accountSid": "AC0123456789abcdef0123456789abcdef", "callSid": "x"}});
                            let _ = tx.send(Message::text(stop.to_string())).await;
                            // Read until the service closes.
                            let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
                            while let Ok(Some(m)) = tokio::time::timeout_at(deadline, rx.next()).await {
                                if let Ok(Message::Close(frame)) = m {
                                    log.lock().unwrap().heard.push(Heard::Closed { at: Instant::now(), code: frame.map(|f| u16::from(f.code)) });
                                    break;
                                }
                            }
                            let _ = tx.close().await;
                            break;
                        }
                    },
                    m = rx.next() => {
                        let now = Instant::now();
                        let m = match m {
                            Some(Ok(m)) => m,
                            _ => {
                                log.lock().unwrap().heard.push(Heard::Closed { at: now, code: None });
                                break;
                            }
                        };
                        let text = match m {
                            Message::Text(t) => t.to_string(),
                            Message::Close(frame) => {
                                log.lock().unwrap().heard.push(Heard::Closed { at: now, code: frame.map(|f| u16::from(f.code)) });
                                break;
                            }
                            _ => continue,
                        };
                        let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
                        match v["event"].as_str() {
                            Some("media") => {
                                use base64::Engine as _;
                                let bytes = base64::engine::general_purpose::STANDARD
                                    .decode(v["media"]["payload"].as_str().unwrap_or_default())
                                    .map(|b| b.len())
                                    .unwrap_or(0);
                                played_until = played_until.max(now) + FRAME * (bytes.div_ceil(FRAME_BYTES) as u32);
                                log.lock().unwrap().heard.push(Heard::Media { at: now, bytes });
                            }
                            Some("mark") => {
                                let name = v["mark"]["name"].as_str().unwrap_or_default().to_string();
                                pending_marks.push_back((played_until.max(now), name.clone()));
                                log.lock().unwrap().heard.push(Heard::Mark { at: now, name });
                            }
                            Some("clear") => {
                                played_until = now;
                                for m in pending_marks.iter_mut() {
                                    m.0 = now;
                                }
                                log.lock().unwrap().heard.push(Heard::Clear { at: now });
                            }
                            _ => {}
                        }
                    }
                }
            }
        });
        Ok(TwilioStream {
            log,
            speak,
            stop,
            task,
        })
    }

    /// Queues the caller's speech (8 kHz μ-law); it is sent at real time after what is queued.
    pub fn say(&self, mulaw: Vec<u8>) {
        let _ = self.speak.send(mulaw);
    }

    /// Sends a raw text frame (for refusal tests).
    pub fn send_raw(&self, text: &str) {
        let _ = self.stop.send(Control::Raw(text.to_string()));
    }

    /// Waits until `pred` holds for the log, or `timeout`.
    pub async fn wait_until(&self, timeout: Duration, pred: impl Fn(&Log) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if pred(&self.log.lock().unwrap()) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        pred(&self.log.lock().unwrap())
    }

    /// Sends `stop` and waits for the service to close the socket.
    pub async fn stop(self) -> Arc<Mutex<Log>> {
        let _ = self.stop.send(Control::Stop);
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
        self.log
    }

    /// Whether the service has closed the stream.
    pub fn is_closed(&self) -> bool {
        self.log.lock().unwrap().closed().is_some()
    }
}

/// 16-bit PCM at 8 kHz as μ-law (G.711).
pub fn mulaw_of(pcm: &[i16]) -> Vec<u8> {
    agentlocator_common::mulaw::encode_all(pcm)
}
