//! StreamReplyAndSpeak over gRPC against a loopback OpenAI-compatible server that streams as the
//! real one does: chat completions as server-sent events and speech as raw 24 kHz PCM, both in
//! chunks with pauses between them (wiremock answers whole bodies only, hence this server).

mod support;

use agentlocator_proto::v1::{
    BusinessContext, KnowledgeEntry, ReplyAndSpeakRequest, ReplyRequest, SpokenReplyChunk,
    SpokenReplyDone, spoken_reply_chunk::Chunk,
};
use serde_json::{Value, json};
use speech_svc::strings;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use support::Running;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use tonic::Streaming;

// ------------------------------------------------------------ the loopback provider

/// One step of a streamed response body.
#[derive(Clone)]
enum Step {
    Send(Vec<u8>),
    Pause(Duration),
}

/// A response: status, content type and its body in steps (chunked transfer encoding).
#[derive(Clone)]
struct Answer {
    status: u16,
    content_type: &'static str,
    steps: Vec<Step>,
}

impl Answer {
    fn error(status: u16) -> Self {
        Answer {
            status,
            content_type: "application/json",
            steps: vec![Step::Send(
                json!({"error": {"message": "provider trouble", "type": "server_error"}})
                    .to_string()
                    .into_bytes(),
            )],
        }
    }
}

/// What the server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    body: Value,
    /// The client closed the connection before the whole answer was sent.
    cut_off: bool,
    /// When the last step was sent (or the client left).
    ended: Option<Instant>,
}

type Route = dyn Fn(&str, &Value) -> Answer + Send + Sync;

struct Provider {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// When each `Step::Send` of each request went out, by request.
    sends: Arc<Mutex<HashMap<usize, Vec<Instant>>>>,
}

impl Provider {
    async fn start(route: impl Fn(&str, &Value) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sends = Arc::new(Mutex::new(HashMap::new()));
        let route: Arc<Route> = Arc::new(route);
        let (s, t) = (seen.clone(), sends.clone());
        tokio::spawn(async move {
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(conn, route.clone(), s.clone(), t.clone()));
            }
        });
        Provider { url, seen, sends }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn seen_on(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path == path).collect()
    }

    fn sends_of(&self, request: usize) -> Vec<Instant> {
        self.sends
            .lock()
            .unwrap()
            .get(&request)
            .cloned()
            .unwrap_or_default()
    }
}

/// One HTTP/1.1 exchange: read the request, answer it step by step, watch for the client leaving.
async fn serve(
    mut conn: TcpStream,
    route: Arc<Route>,
    seen: Arc<Mutex<Vec<Seen>>>,
    sends: Arc<Mutex<HashMap<usize, Vec<Instant>>>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let path = head
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body: Value =
        serde_json::from_slice(&buf[head_end..head_end + length]).unwrap_or(Value::Null);
    let answer = route(&path, &body);
    let index = {
        let mut seen = seen.lock().unwrap();
        seen.push(Seen {
            path,
            body,
            cut_off: false,
            ended: None,
        });
        seen.len() - 1
    };
    let reason = if answer.status < 300 { "OK" } else { "Error" };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: {}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        answer.status, answer.content_type
    );
    let mut cut_off = conn.write_all(head.as_bytes()).await.is_err();
    for step in answer.steps {
        if cut_off {
            break;
        }
        match step {
            Step::Send(bytes) => {
                let mut framed = format!("{:x}\r\n", bytes.len()).into_bytes();
                framed.extend_from_slice(&bytes);
                framed.extend_from_slice(b"\r\n");
                cut_off = conn.write_all(&framed).await.is_err();
                sends
                    .lock()
                    .unwrap()
                    .entry(index)
                    .or_default()
                    .push(Instant::now());
            }
            Step::Pause(d) => {
                // A client that hangs up during the pause is seen at once.
                tokio::select! {
                    _ = tokio::time::sleep(d) => {}
                    read = conn.read(&mut chunk) => cut_off = matches!(read, Ok(0) | Err(_)),
                }
            }
        }
    }
    if !cut_off {
        cut_off = conn.write_all(b"0\r\n\r\n").await.is_err();
    }
    let mut seen = seen.lock().unwrap();
    seen[index].cut_off = cut_off;
    seen[index].ended = Some(Instant::now());
}

// ------------------------------------------------------------ what it answers

const CHAT: &str = "/v1/chat/completions";
const SPEECH: &str = "/v1/audio/speech";

fn sse(deltas: &[&str]) -> Vec<u8> {
    let mut out = String::from(": a comment line, as some servers send\r\n\r\n");
    for d in deltas {
        let chunk = json!({"id": "c1", "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": d}, "finish_reason": null}]});
        out.push_str(&format!("data: {chunk}\r\n\r\n"));
    }
    out.into_bytes()
}

fn chat(steps: Vec<Step>) -> Answer {
    Answer {
        status: 200,
        content_type: "text/event-stream",
        steps,
    }
}

const DONE: &[u8] = b"data: [DONE]\n\n";

/// 24 kHz samples the speech server makes for `text`: 240 per character (10 ms each).
fn pcm_samples_for(text: &str) -> usize {
    240 * text.chars().count()
}

const TONE_HZ: f32 = 400.0;

/// Raw 24 kHz 16-bit little-endian PCM of a tone as long as `text` asks, in three chunks of odd
/// sizes with pauses, as `response_format: pcm` streams.
fn speech_pcm(text: &str, pause: Duration) -> Answer {
    let samples = support::sine(
        TONE_HZ,
        24_000,
        pcm_samples_for(text) as f32 / 24_000.0,
        0.5,
    );
    let bytes: Vec<u8> = samples
        .iter()
        .flat_map(|s| ((s * 32767.0).round() as i16).to_le_bytes())
        .collect();
    let (a, b) = (1_001.min(bytes.len()), (bytes.len() * 2 / 3) | 1);
    Answer {
        status: 200,
        content_type: "application/octet-stream",
        steps: vec![
            Step::Send(bytes[..a].to_vec()),
            Step::Pause(pause),
            Step::Send(bytes[a..b].to_vec()),
            Step::Pause(pause),
            Step::Send(bytes[b..].to_vec()),
        ],
    }
}

/// The fallback sentence's speech (asked for as MP3, the file that is cached for `<Play>`).
fn speech_mp3() -> Answer {
    Answer {
        status: 200,
        content_type: "audio/mpeg",
        steps: vec![Step::Send(support::mp3(
            &support::sine(TONE_HZ, 24_000, 1.0, 0.5),
            1,
            24_000,
        ))],
    }
}

/// Speech as the documented formats ask: `pcm` streamed, `mp3` whole.
fn speech(body: &Value, pause: Duration) -> Answer {
    let text = body["input"].as_str().unwrap_or_default();
    match body["response_format"].as_str() {
        Some("pcm") => speech_pcm(text, pause),
        Some("mp3") => speech_mp3(),
        _ => Answer::error(400),
    }
}

// ------------------------------------------------------------ the client side

async fn start(provider: &Provider, pairs: &[(&str, &str)]) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec![
        ("LLM_ENGINE", "openai"),
        ("TTS_ENGINE", "openai"),
        ("OPENAI_API_KEY", "sk-test-key"),
        ("OPENAI_BASE_URL", provider.url.as_str()),
    ];
    all.extend_from_slice(pairs);
    let mut settings = support::settings(dir.path(), &all);
    settings.reply_timeout = Duration::from_secs(3);
    settings.tts_timeout = Duration::from_secs(3);
    Running::start(&settings, dir).await
}

fn request(caller_text: &str) -> ReplyAndSpeakRequest {
    ReplyAndSpeakRequest {
        reply: Some(ReplyRequest {
            business: Some(BusinessContext {
                business_id: "b1".into(),
                name: "מספרת דוד".into(),
                greeting: "שלום".into(),
                knowledge: vec![KnowledgeEntry {
                    question: "מה שעות הפעילות?".into(),
                    answer: "אנחנו פתוחים א׳–ה׳ מתשע עד שש. בשישי עד הצהריים.".into(),
                }],
            }),
            history: vec![],
            caller_text: caller_text.into(),
            agent: None,
        }),
        voice: String::new(),
    }
}

/// Everything a stream sent, with when each message arrived.
struct Received {
    messages: Vec<(Instant, Chunk)>,
}

impl Received {
    /// Everything `s` streams in reply to `caller_text`.
    async fn of(s: &mut Running, caller_text: &str) -> Self {
        let stream = s
            .client
            .stream_reply_and_speak(request(caller_text))
            .await
            .unwrap()
            .into_inner();
        Self::all(stream).await
    }

    async fn all(mut stream: Streaming<SpokenReplyChunk>) -> Self {
        let mut messages = Vec::new();
        while let Some(m) = stream.message().await.unwrap() {
            messages.push((Instant::now(), m.chunk.expect("every message has a chunk")));
        }
        Received { messages }
    }

    fn sentences(&self) -> Vec<(u32, String)> {
        self.messages
            .iter()
            .filter_map(|(_, c)| match c {
                Chunk::Sentence(s) => Some((s.index, s.text.clone())),
                _ => None,
            })
            .collect()
    }

    /// The audio of each sentence, joined, in sentence order.
    fn audio_of(&self, index: u32) -> Vec<u8> {
        self.messages
            .iter()
            .filter_map(|(_, c)| match c {
                Chunk::Audio(a) if a.sentence_index == index => Some(a.mulaw.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn audio_chunks(&self) -> usize {
        self.messages
            .iter()
            .filter(|(_, c)| matches!(c, Chunk::Audio(_)))
            .count()
    }

    fn first_audio_at(&self) -> Instant {
        self.messages
            .iter()
            .find(|(_, c)| matches!(c, Chunk::Audio(_)))
            .expect("some audio")
            .0
    }

    fn done(&self) -> &SpokenReplyDone {
        match self.messages.last() {
            Some((_, Chunk::Done(d))) => d,
            other => panic!("the stream must end with done: {:?}", other.map(|m| &m.1)),
        }
    }

    /// Each sentence is announced before its audio, sentences and their audio in order.
    fn assert_in_order(&self) {
        let mut announced: Option<u32> = None;
        for (_, c) in &self.messages {
            match c {
                Chunk::Sentence(s) => {
                    assert_eq!(s.index, announced.map_or(0, |i| i + 1), "sentence order");
                    announced = Some(s.index);
                }
                Chunk::Audio(a) => {
                    assert_eq!(
                        Some(a.sentence_index),
                        announced,
                        "audio of the current sentence"
                    );
                    assert!(!a.mulaw.is_empty());
                }
                Chunk::Done(_) => {}
            }
        }
        let dones = self
            .messages
            .iter()
            .filter(|(_, c)| matches!(c, Chunk::Done(_)))
            .count();
        assert_eq!(dones, 1);
    }
}

fn stages(done: &SpokenReplyDone) -> Vec<&str> {
    done.timings.iter().map(|t| t.stage.as_str()).collect()
}

fn decode(mulaw: &[u8]) -> Vec<f32> {
    agentlocator_common::mulaw::decode_all(mulaw)
        .into_iter()
        .map(|s| f32::from(s) / 32768.0)
        .collect()
}

// ------------------------------------------------------------ the tests

const FIRST: &str = "שלום רב, הגעתם למספרת דוד.";
const SECOND: &str = "אנחנו פתוחים עד השעה 18:00.";
const THIRD: &str = "להתראות!";
const LLM_PAUSE: Duration = Duration::from_millis(400);

#[tokio::test]
async fn each_sentence_is_spoken_as_soon_as_it_is_written() {
    let provider = Provider::start(|path, body| match path {
        CHAT => chat(vec![
            Step::Send(sse(&["שלום רב, הגעתם ", "למספרת דוד.", " אנחנו פתוחים"])),
            Step::Pause(LLM_PAUSE),
            Step::Send(sse(&[" עד השעה 18", ":00. ", "להתראות!"])),
            Step::Send(DONE.to_vec()),
        ]),
        SPEECH => speech(body, Duration::from_millis(30)),
        _ => Answer::error(404),
    })
    .await;
    let mut s = start(&provider, &[]).await;
    let asked = Instant::now();
    let stream = s
        .client
        .stream_reply_and_speak(request("מתי אתם פתוחים?"))
        .await
        .unwrap()
        .into_inner();
    let got = Received::all(stream).await;

    got.assert_in_order();
    assert_eq!(
        got.sentences(),
        [(0, FIRST.into()), (1, SECOND.into()), (2, THIRD.into())]
    );
    // The first sentence was heard before the reply engine wrote the second.
    let chat_sends = provider.sends_of(0);
    assert_eq!(provider.seen()[0].path, CHAT);
    let second_written = chat_sends[1];
    assert!(
        got.first_audio_at() < second_written,
        "first audio {:?} after the request, the second sentence written {:?} after it",
        got.first_audio_at() - asked,
        second_written - asked
    );
    assert!(got.first_audio_at() - asked < LLM_PAUSE);

    // Each sentence's audio: 8 kHz μ-law of what the engine streamed (a third of its samples),
    // still the tone it was.
    for (index, text) in [FIRST, SECOND, THIRD].into_iter().enumerate() {
        let audio = got.audio_of(index as u32);
        assert_eq!(audio.len(), pcm_samples_for(text) / 3, "{text}");
        let freq = support::tone_frequency(&decode(&audio), 8_000);
        assert!((freq - TONE_HZ).abs() < 3.0, "{text}: {freq} Hz");
    }
    assert!(got.audio_chunks() > 3, "audio is sent as it streams in");

    let done = got.done();
    assert_eq!(done.text, [FIRST, SECOND, THIRD].join(" "));
    assert!(!done.fallback);
    assert_eq!(done.failure, "");
    assert_eq!(
        (done.reply_engine.as_str(), done.tts_engine.as_str()),
        ("openai", "openai")
    );
    assert!(!done.needs_follow_up);
    assert_eq!(
        stages(done),
        [
            "reply_first_text",
            "first_sentence",
            "first_audio",
            "reply",
            "tts"
        ]
    );

    // The documented requests: a streamed chat completion, then pcm speech sentence by sentence.
    let chat = &provider.seen_on(CHAT)[0].body;
    assert_eq!(chat["stream"], true);
    assert_eq!(
        chat["messages"].as_array().unwrap().last().unwrap()["content"],
        "מתי אתם פתוחים?"
    );
    let speech: Vec<(String, String)> = provider
        .seen_on(SPEECH)
        .iter()
        .map(|s| {
            (
                s.body["input"].as_str().unwrap().to_string(),
                s.body["response_format"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        speech,
        [FIRST, SECOND, THIRD].map(|t| (t.to_string(), "pcm".to_string()))
    );
    s.stop().await;
}

#[tokio::test]
async fn the_first_audio_comes_right_after_the_providers_first_bytes() {
    // The providers' own latency: the first token after 300 ms, the first audio 150 ms later.
    const FIRST_TOKEN: Duration = Duration::from_millis(300);
    const FIRST_AUDIO: Duration = Duration::from_millis(150);
    let provider = Provider::start(|path, body| match path {
        CHAT => chat(vec![
            Step::Pause(FIRST_TOKEN),
            Step::Send(sse(&[FIRST, " ", THIRD])),
            Step::Send(DONE.to_vec()),
        ]),
        SPEECH => {
            let mut answer = speech(body, Duration::ZERO);
            answer.steps.insert(0, Step::Pause(FIRST_AUDIO));
            answer
        }
        _ => Answer::error(404),
    })
    .await;
    let mut s = start(&provider, &[]).await;
    let mut overheads = Vec::new();
    for _ in 0..10 {
        let asked = Instant::now();
        let stream = s
            .client
            .stream_reply_and_speak(request("מתי אתם פתוחים?"))
            .await
            .unwrap()
            .into_inner();
        let got = Received::all(stream).await;
        assert_eq!(got.sentences().len(), 2);
        let waited = got.first_audio_at() - asked;
        overheads.push(waited.saturating_sub(FIRST_TOKEN + FIRST_AUDIO));
        let first_audio = got.done().timings.iter().find(|t| t.stage == "first_audio");
        assert!(first_audio.unwrap().millis >= 450);
    }
    overheads.sort();
    // Ours: gRPC both ways, two loopback HTTP requests, the splitter and the resampler.
    assert!(
        overheads[8] < Duration::from_millis(40),
        "overhead over the providers' latency: {overheads:?}"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_reply_that_fails_before_any_audio_streams_the_fallback_once() {
    for chat_failure in [
        Answer::error(500),
        // An error object in the stream itself, before any text.
        chat(vec![Step::Send(
            format!(
                "data: {}\n\n",
                json!({"error": {"message": "the model is overloaded"}})
            )
            .into_bytes(),
        )]),
    ] {
        let provider = Provider::start(move |path, body| match path {
            CHAT => chat_failure.clone(),
            SPEECH => speech(body, Duration::ZERO),
            _ => Answer::error(404),
        })
        .await;
        let mut s = start(&provider, &[]).await;
        let stream = s
            .client
            .stream_reply_and_speak(request("מה שעות הפעילות?"))
            .await
            .unwrap()
            .into_inner();
        let got = Received::all(stream).await;
        got.assert_in_order();
        assert_eq!(got.sentences(), [(0, strings::FALLBACK.to_string())]);
        // One second of speech at 8 kHz (MP3 decoding may pad a little).
        let audio = got.audio_of(0);
        assert!((7_900..=9_000).contains(&audio.len()), "{}", audio.len());
        let done = got.done();
        assert!(done.fallback);
        assert_eq!(done.text, strings::FALLBACK);
        assert!(
            done.failure.contains("500") || done.failure.contains("overloaded"),
            "{}",
            done.failure
        );
        assert!(done.needs_follow_up);
        assert!(stages(done).contains(&"fallback_tts"));
        // The fallback was synthesised once, and nothing else was.
        let speech = provider.seen_on(SPEECH);
        assert_eq!(speech.len(), 1);
        assert_eq!(speech[0].body["input"], strings::FALLBACK);
        s.stop().await;
    }
}

#[tokio::test]
async fn a_speech_failure_after_some_audio_ends_the_reply_with_its_failure() {
    let provider = Provider::start(|path, body| match path {
        CHAT => chat(vec![
            Step::Send(sse(&[FIRST, " ", SECOND, " ", THIRD])),
            Step::Send(DONE.to_vec()),
        ]),
        SPEECH if body["input"] == SECOND => Answer::error(500),
        SPEECH => speech(body, Duration::from_millis(20)),
        _ => Answer::error(404),
    })
    .await;
    let mut s = start(&provider, &[]).await;
    let stream = s
        .client
        .stream_reply_and_speak(request("מתי אתם פתוחים?"))
        .await
        .unwrap()
        .into_inner();
    let got = Received::all(stream).await;
    got.assert_in_order();
    assert_eq!(got.sentences(), [(0, FIRST.to_string())]);
    assert_eq!(got.audio_of(0).len(), pcm_samples_for(FIRST) / 3);
    let done = got.done();
    assert!(!done.fallback);
    assert!(done.failure.starts_with("tts:"), "{}", done.failure);
    assert!(done.failure.contains("500"), "{}", done.failure);
    assert_eq!(done.text, FIRST);
    assert!(done.needs_follow_up, "a reply cut short needs a call back");
    // No fallback was synthesised after audio had been heard.
    assert!(
        provider
            .seen_on(SPEECH)
            .iter()
            .all(|s| s.body["response_format"] == "pcm")
    );
    s.stop().await;
}

#[tokio::test]
async fn a_speech_server_that_ignores_pcm_is_not_played_as_noise() {
    let provider = Provider::start(|path, _| match path {
        CHAT => chat(vec![Step::Send(sse(&[FIRST])), Step::Send(DONE.to_vec())]),
        // An MP3 whatever the format asked.
        SPEECH => speech_mp3(),
        _ => Answer::error(404),
    })
    .await;
    let mut s = start(&provider, &[]).await;
    let stream = s
        .client
        .stream_reply_and_speak(request("מתי אתם פתוחים?"))
        .await
        .unwrap()
        .into_inner();
    let got = Received::all(stream).await;
    let done = got.done();
    assert!(done.fallback);
    assert!(
        done.failure.contains("expected raw pcm"),
        "{}",
        done.failure
    );
    assert_eq!(got.sentences(), [(0, strings::FALLBACK.to_string())]);
    s.stop().await;
}

#[tokio::test]
async fn a_reply_failing_midway_still_speaks_its_complete_sentences() {
    let provider = Provider::start(|path, body| match path {
        CHAT => chat(vec![
            Step::Send(sse(&[FIRST, " ", SECOND, " אנחנו גם"])),
            Step::Pause(Duration::from_millis(100)),
            Step::Send(
                format!(
                    "data: {}\n\n",
                    json!({"error": {"message": "the model stopped"}})
                )
                .into_bytes(),
            ),
        ]),
        SPEECH => speech(body, Duration::from_millis(20)),
        _ => Answer::error(404),
    })
    .await;
    let mut s = start(&provider, &[]).await;
    let stream = s
        .client
        .stream_reply_and_speak(request("מתי אתם פתוחים?"))
        .await
        .unwrap()
        .into_inner();
    let got = Received::all(stream).await;
    got.assert_in_order();
    // The unfinished "אנחנו גם" is not spoken.
    assert_eq!(
        got.sentences(),
        [(0, FIRST.to_string()), (1, SECOND.to_string())]
    );
    let done = got.done();
    assert!(!done.fallback);
    assert!(
        done.failure.starts_with("reply:") && done.failure.contains("the model stopped"),
        "{}",
        done.failure
    );
    assert_eq!(done.text, [FIRST, SECOND].join(" "));
    assert!(done.needs_follow_up);
    assert_eq!(provider.seen_on(SPEECH).len(), 2);
    s.stop().await;
}

#[tokio::test]
async fn dropping_the_stream_stops_the_reply_and_its_speech() {
    let provider = Provider::start(|path, body| match path {
        CHAT => chat(vec![
            Step::Send(sse(&[FIRST, " אנחנו"])),
            Step::Pause(Duration::from_secs(2)),
            Step::Send(sse(&[" פתוחים. ", THIRD])),
            Step::Send(DONE.to_vec()),
        ]),
        SPEECH => speech(body, Duration::from_millis(500)),
        _ => Answer::error(404),
    })
    .await;
    let mut s = start(&provider, &[]).await;
    let mut stream = s
        .client
        .stream_reply_and_speak(request("מתי אתם פתוחים?"))
        .await
        .unwrap()
        .into_inner();
    loop {
        match stream.message().await.unwrap().and_then(|m| m.chunk) {
            Some(Chunk::Audio(_)) => break,
            Some(_) => {}
            None => panic!("the stream ended before any audio"),
        }
    }
    let dropped = Instant::now();
    drop(stream);

    // Both provider connections are closed well before their answers would have ended.
    let deadline = dropped + Duration::from_secs(1);
    while provider.seen().iter().any(|s| s.ended.is_none()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seen = provider.seen();
    assert_eq!(seen.len(), 2, "one chat request, one speech request");
    for s in &seen {
        assert!(s.cut_off, "{} was answered to the end", s.path);
        assert!(
            s.ended.unwrap() - dropped < Duration::from_millis(400),
            "{}",
            s.path
        );
    }
    // Nothing more is asked for once the caller is gone.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(provider.seen().len(), 2);
    s.stop().await;
}

#[tokio::test]
async fn knowledge_answers_are_spoken_sentence_by_sentence_with_espeak() {
    let dir = tempfile::tempdir().unwrap();
    let settings = support::settings(dir.path(), &[]);
    let mut s = Running::start(&settings, dir).await;
    let stream = s
        .client
        .stream_reply_and_speak(request("מה שעות הפעילות?"))
        .await
        .unwrap()
        .into_inner();
    let got = Received::all(stream).await;
    got.assert_in_order();
    assert_eq!(
        got.sentences(),
        [
            (0, "אנחנו פתוחים א׳–ה׳ מתשע עד שש.".to_string()),
            (1, "בשישי עד הצהריים.".to_string())
        ]
    );
    for index in [0, 1] {
        let audio = decode(&got.audio_of(index));
        // Speech, not silence: at least half a second of it, and audible.
        assert!(audio.len() > 4_000, "{}", audio.len());
        assert!(support::rms(&audio) > 0.01);
    }
    let done = got.done();
    assert!(!done.fallback);
    assert_eq!(
        (done.reply_engine.as_str(), done.tts_engine.as_str()),
        ("knowledge", "espeak")
    );
    assert_eq!(done.matched_question, "מה שעות הפעילות?");
    assert_eq!(
        done.text,
        "אנחנו פתוחים א׳–ה׳ מתשע עד שש. בשישי עד הצהריים."
    );
    s.stop().await;
}

#[tokio::test]
async fn invalid_requests_are_refused_before_the_stream_starts() {
    let dir = tempfile::tempdir().unwrap();
    let settings = support::settings(dir.path(), &[]);
    let mut s = Running::start(&settings, dir).await;
    for bad in [
        request("   "),
        request(&"א".repeat(speech_svc::service::MAX_CALLER_CHARS + 1)),
        ReplyAndSpeakRequest {
            voice: "--help".into(),
            ..request("שלום")
        },
    ] {
        let e = s.client.stream_reply_and_speak(bad).await.unwrap_err();
        assert_eq!(e.code(), tonic::Code::InvalidArgument, "{}", e.message());
    }
    s.stop().await;
}

// ------------------------------------------------------------ Google Chirp 3 HD, streamed

use support::google::{CHIRP, FakeGoogle, Script, tone_mulaw};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers};

const OPEN_HOURS: [&str; 2] = ["אנחנו פתוחים א׳–ה׳ מתשע עד שש.", "בשישי עד הצהריים."];

/// speech-svc with `TTS_ENGINE=google` in a Chirp 3 HD voice streamed from `google`; the token
/// exchange and `text:synthesize` (the fallback sentence's MP3) are `rest`'s.
async fn start_google(google: &FakeGoogle, rest: &MockServer) -> Running {
    Mock::given(matchers::path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": support::google::ACCESS_TOKEN, "expires_in": 3599
        })))
        .mount(rest)
        .await;
    use base64::Engine as _;
    Mock::given(matchers::path("/v1/text:synthesize"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "audioContent": base64::engine::general_purpose::STANDARD.encode(
                support::mp3(&support::sine(TONE_HZ, 24_000, 1.0, 0.5), 1, 24_000)
            )
        })))
        .mount(rest)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("sa.json");
    std::fs::write(
        &creds,
        support::google::service_account_json(&format!("{}/token", rest.uri())),
    )
    .unwrap();
    let mut settings = support::settings(
        dir.path(),
        &[
            ("TTS_ENGINE", "google"),
            ("GOOGLE_APPLICATION_CREDENTIALS", creds.to_str().unwrap()),
            ("GOOGLE_TTS_VOICE", CHIRP),
            ("GOOGLE_TTS_GRPC_URL", &google.url),
        ],
    );
    settings.google.api_base = rest.uri();
    settings.tts_timeout = Duration::from_secs(3);
    Running::start(&settings, dir).await
}

/// What `rest` was asked to synthesise.
async fn rest_synthesized(rest: &MockServer) -> Vec<String> {
    rest.received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v1/text:synthesize")
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            body["input"]["text"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn google_streamed_speech_reaches_the_call_part_by_part_before_google_finishes() {
    let tone = tone_mulaw(2_400);
    let parts: Vec<Vec<u8>> = tone.chunks(800).map(<[u8]>::to_vec).collect();
    let google = FakeGoogle::start(move |_| Script {
        parts: parts.clone(),
        pause: Duration::from_millis(200),
        ..Script::default()
    })
    .await;
    let rest = MockServer::start().await;
    let mut s = start_google(&google, &rest).await;
    let got = Received::of(&mut s, "מה שעות הפעילות?").await;

    got.assert_in_order();
    assert_eq!(
        got.sentences(),
        [
            (0, OPEN_HOURS[0].to_string()),
            (1, OPEN_HOURS[1].to_string())
        ]
    );
    for index in [0, 1] {
        assert_eq!(got.audio_of(index), tone);
    }
    assert_eq!(got.audio_chunks(), 6, "each part is its own chunk");
    // The call heard the first part while Google was still making the sentence.
    let seen = google.seen();
    let mut texts: Vec<String> = seen.iter().map(|c| c.text()).collect();
    texts.sort();
    let mut sentences = OPEN_HOURS.map(String::from);
    sentences.sort();
    assert_eq!(texts, sentences, "one stream per sentence");
    let first = seen.iter().find(|c| c.text() == OPEN_HOURS[0]).unwrap();
    assert!(got.first_audio_at() < first.sent[2]);
    let done = got.done();
    assert!(!done.fallback);
    assert_eq!(done.failure, "");
    assert_eq!(done.tts_engine, "google");
    assert!(
        rest_synthesized(&rest).await.is_empty(),
        "nothing went through text:synthesize"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_google_stream_broken_off_or_refused_speaks_the_fallback_once() {
    for (script, heard_first, status) in [
        // Part of the first sentence, then the stream fails.
        (
            Script {
                parts: vec![tone_mulaw(800), tone_mulaw(800)],
                fail_after: Some(1),
                ..Script::default()
            },
            true,
            "Internal",
        ),
        // Refused before any audio.
        (
            Script {
                refuse: Some(tonic::Status::unavailable("backend down")),
                ..Script::default()
            },
            false,
            "Unavailable",
        ),
    ] {
        let google = FakeGoogle::start(move |_| script.clone()).await;
        let rest = MockServer::start().await;
        let mut s = start_google(&google, &rest).await;
        let got = Received::of(&mut s, "מה שעות הפעילות?").await;
        got.assert_in_order();
        let mut expected = Vec::new();
        if heard_first {
            expected.push((0, OPEN_HOURS[0].to_string()));
            assert_eq!(got.audio_of(0), tone_mulaw(800));
        }
        expected.push((expected.len() as u32, strings::FALLBACK.to_string()));
        assert_eq!(got.sentences(), expected);
        let fallback_audio = got.audio_of(expected.len() as u32 - 1);
        assert!(
            (7_900..=9_000).contains(&fallback_audio.len()),
            "{}",
            fallback_audio.len()
        );
        let done = got.done();
        assert!(done.fallback);
        assert_eq!(done.text, strings::FALLBACK);
        assert!(
            done.failure.starts_with("tts:") && done.failure.contains(status),
            "{}",
            done.failure
        );
        assert!(done.needs_follow_up);
        // The fallback sentence was synthesised once (over REST, as it is cached), nothing else.
        assert_eq!(rest_synthesized(&rest).await, [strings::FALLBACK]);
        s.stop().await;
    }
}
