//! Realtime calls measured from Twilio's side: whole stacks in-process (SQLite, in-process bus),
//! Twilio played by [`TwilioStream`] (20 ms μ-law frames at real time, replies played as Twilio
//! plays them, arrival times logged), providers on loopback at fixed latencies.
//!
//! 1. Voice to voice, `cascade` (STT 150 ms, LLM first token 300 ms, TTS first audio 150 ms):
//!    several calls of several turns; every other turn barges in on the reply. The reference
//!    point is the last speech frame sent + the 600 ms of silence the VAD needs to end the turn;
//!    our overhead is first reply frame − that − 600 ms of providers.
//! 2. The same for `openai` against the loopback Realtime server (transcription 150 ms, first
//!    audio 300 ms): our overhead is from the server sending the first audio delta to the first
//!    reply frame reaching Twilio.
//! 3. Barge-in: the interruption's first speech frame → `clear` received (both engines).
//! 4. `AL_BENCH_CONCURRENT` (50) cascade calls asking at once: gaps between consecutive reply
//!    frames as the Twilio clients receive them, and the process's CPU time.
//!
//! ```sh
//! cargo bench -p agentlocator-bench --bench realtime_voice
//! AL_BENCH_QUICK=1 cargo bench -p agentlocator-bench --bench realtime_voice   # fewer turns
//! ```
//! Environment: `AL_BENCH_QUICK` (any value: 2 calls × 4 turns per engine, 10 concurrent calls),
//! `AL_BENCH_CONCURRENT` (calls of part 4, default 50).
//!
//! The caller's speech is espeak-ng's, cut to the frames the WebRTC VAD (voice-svc's own
//! `FrameVad`) calls speech, so "last speech frame sent" and "first speech frame sent" are the
//! moments the service's VAD can see them, not espeak's quiet head and tail.

use agentlocator_tests::{
    Bus, Db, TestEnv, TestStack,
    openai_realtime::{RealtimeServer, RealtimeServerConfig, ScriptedTurn},
    realtime::{Latencies, cascade_providers, hebrew_mulaw, stream_of},
    twilio_media::{FRAME, FRAME_BYTES, TwilioStream},
};
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};
use voice_svc::realtime::vad::FrameVad;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};

// Example values in Twilio's documented formats, not credentials.
const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef"; // example value
const AUTH_TOKEN: &str = "example-twilio-auth-token";
const PUBLIC_BASE_URL: &str = "http://127.0.0.1:8080";
const BUSINESS_NUMBER: &str = "+97235550122";
const QUESTION: &str = "מה שעות הפעילות שלכם?";
/// One sentence (the cascade speaks it with one TTS request), about 4 s of speech.
const REPLY: &str = "אנחנו פתוחים בימים ראשון עד חמישי, מתשע בבוקר ועד שש בערב";
const END_OF_TURN: Duration = Duration::from_millis(600);

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `mulaw` cut to whole frames from the first to the last one the WebRTC VAD calls speech.
fn speech_only(mulaw: &[u8]) -> Vec<u8> {
    let mut vad = FrameVad::default();
    let speech: Vec<bool> = mulaw
        .chunks_exact(FRAME_BYTES)
        .map(|f| vad.is_speech(f))
        .collect();
    let first = speech.iter().position(|s| *s).expect("espeak speech");
    let last = speech.iter().rposition(|s| *s).expect("espeak speech");
    mulaw[first * FRAME_BYTES..(last + 1) * FRAME_BYTES].to_vec()
}

/// A loopback Twilio REST API that accepts every call's recording.
async fn twilio_api() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_raw(
            r#"{"sid": "RE0123456789abcdef0123456789abcdef", "status": "in-progress"}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    server
}

async fn stack(engine: &str, providers_base_url: &str, twilio: &MockServer) -> TestStack {
    let mut env = TestEnv::new(Db::Sqlite, Bus::Memory);
    for (k, v) in [
        ("TWILIO_ACCOUNT_SID", ACCOUNT_SID),
        ("TWILIO_AUTH_TOKEN", AUTH_TOKEN),
        ("TWILIO_API_BASE_URL", &twilio.uri()),
        ("REALTIME_ENGINE", engine),
        ("OPENAI_BASE_URL", providers_base_url),
        ("RUST_LOG", "warn"),
    ] {
        env.vars.insert(k.into(), v.into());
    }
    if engine == "cascade" {
        for k in ["STT_ENGINE", "LLM_ENGINE", "TTS_ENGINE"] {
            env.vars.insert(k.into(), "openai".into());
        }
    }
    let stack = TestStack::start_in(env).await;
    use crm_svc::businesses::queries::{self as business, Business};
    let db = stack.db().await;
    let mut b = Business::new(
        "עסק למדידה",
        format!("bench-{}", uuid::Uuid::now_v7().simple()),
    );
    b.twilio_numbers = format!("[\"{BUSINESS_NUMBER}\"]");
    b.greeting_text = "שלום, הגעתם לעסק. במה אפשר לעזור?".into();
    b.voice_enabled = true;
    db.run(move |conn| business::insert(conn, &b))
        .await
        .expect("business");
    stack
}

/// A signed `incoming_call`, then the `<Stream>` it answers opened as Twilio opens it.
async fn open_call(stack: &TestStack, n: usize) -> TwilioStream {
    let sid = format!(
        "CA{:032x}",
        (uuid::Uuid::now_v7().as_u128() as u64) ^ n as u64
    );
    let params: Vec<(String, String)> = [
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", &sid),
        ("From", &format!("+97250{:07}", 1_000_000 + n)),
        ("To", BUSINESS_NUMBER),
        ("Direction", "inbound"),
        ("CallStatus", "ringing"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let path = "/webhook/incoming_call";
    let signature = voice_svc::twilio_signature::compute(
        AUTH_TOKEN,
        &format!("{PUBLIC_BASE_URL}{path}"),
        &params,
    );
    let twiml = reqwest::Client::new()
        .post(stack.url(path))
        .header("X-Twilio-Signature", signature)
        .form(&params)
        .send()
        .await
        .expect("incoming_call")
        .text()
        .await
        .expect("TwiML");
    let (url, stream_params): (String, HashMap<String, String>) = stream_of(&twiml);
    // The TwiML names PUBLIC_BASE_URL's host (what Twilio signs); connect to the real address.
    let (_, path) = url.split_once("/webhook/").expect("stream path");
    let reachable = stack
        .url(&format!("/webhook/{path}"))
        .replacen("http://", "ws://", 1);
    let signature = voice_svc::twilio_signature::compute(AUTH_TOKEN, &url, &[]);
    TwilioStream::open(&reachable, Some(&signature), &sid, &stream_params)
        .await
        .expect("the signed upgrade is accepted")
}

/// One caller turn as Twilio saw it.
#[derive(Debug, Clone, Copy)]
struct Turn {
    /// When the last speech frame was sent.
    speech_end: Instant,
    first_reply_frame: Instant,
    /// Onset of an interruption → `clear`, when the turn barged in.
    barge_in: Option<Duration>,
}

async fn wait(
    call: &TwilioStream,
    what: &str,
    pred: impl Fn(&agentlocator_tests::twilio_media::Log) -> bool,
) {
    assert!(
        call.wait_until(Duration::from_secs(15), pred).await,
        "{what}"
    );
}

/// Until no reply frame has arrived for 200 ms and the last one has been played.
async fn reply_played(call: &TwilioStream) {
    wait(call, "the reply ends", |l| {
        l.media()
            .last()
            .is_none_or(|(at, _)| at.elapsed() > Duration::from_millis(200))
    })
    .await;
}

/// `turns` turns of one call: the question, the reply's first frame, and then either the reply
/// heard to its end (next turn after a pause) or, on every other turn, 1 s of it and the next
/// question over it.
async fn converse(call: &TwilioStream, question: &[u8], turns: usize) -> Vec<Turn> {
    let mut out = Vec::new();
    // The engine connects while Twilio's start is handled.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for i in 0..turns {
        let barge = i % 2 == 1;
        let (said, clears) = {
            let l = call.log.lock().unwrap();
            (l.utterance_ends.len(), l.clears().len())
        };
        if barge {
            let l = call.log.lock().unwrap();
            let last = l.media().last().map(|(at, _)| at.elapsed());
            assert!(
                last.is_some_and(|e| e < FRAME * 3),
                "the agent is audible when the caller barges in"
            );
        }
        call.say(question.to_vec());
        wait(call, "the question is sent", |l| {
            l.utterance_ends.len() > said
        })
        .await;
        let barge_in = if barge {
            wait(call, "clear", |l| l.clears().len() > clears).await;
            let l = call.log.lock().unwrap();
            Some(l.clears()[clears] - l.utterance_starts[said])
        } else {
            None
        };
        let speech_end = call.log.lock().unwrap().utterance_ends[said];
        wait(call, "the reply's first frame", |l| {
            l.first_media_after(speech_end).is_some()
        })
        .await;
        let first_reply_frame = call
            .log
            .lock()
            .unwrap()
            .first_media_after(speech_end)
            .unwrap();
        out.push(Turn {
            speech_end,
            first_reply_frame,
            barge_in,
        });
        if i % 2 == 0 && i + 1 < turns {
            // 1 s of the reply, then the next turn interrupts it.
            tokio::time::sleep_until((first_reply_frame + Duration::from_secs(1)).into()).await;
        } else {
            reply_played(call).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// `values` as "p50 …, p99 …, max … (n …)"; negative values are clamped at zero by the caller.
fn summary(values: &mut [Duration]) -> String {
    values.sort();
    if values.is_empty() {
        return "no samples".into();
    }
    format!(
        "p50 {}, p99 {}, max {} (n {})",
        ms(percentile(values, 0.5)),
        ms(percentile(values, 0.99)),
        ms(*values.last().unwrap()),
        values.len()
    )
}

/// Signed difference in ms (overheads can be slightly negative when the pieces overlap).
fn signed_ms(a: Instant, b: Instant) -> f64 {
    if a >= b {
        (a - b).as_secs_f64() * 1e3
    } else {
        -((b - a).as_secs_f64() * 1e3)
    }
}

fn signed_summary(values: &mut [f64]) -> String {
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return "no samples".into();
    }
    let p = |q: f64| values[((values.len() as f64 - 1.0) * q).round() as usize];
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (n {})",
        p(0.5),
        p(0.99),
        values.last().unwrap(),
        values.len()
    )
}

/// User + system CPU time of this process so far (/proc/self/stat, clock ticks of 10 ms).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

async fn cascade_turns(question: &[u8], calls: usize, turns: usize) -> Vec<Turn> {
    let providers = cascade_providers(QUESTION, REPLY, Vec::new(), Latencies::default()).await;
    let twilio = twilio_api().await;
    let stack = stack("cascade", &providers.uri(), &twilio).await;
    let mut streams = Vec::new();
    for n in 0..calls {
        streams.push(open_call(&stack, n).await);
    }
    let results =
        futures::future::join_all(streams.iter().map(|c| converse(c, question, turns))).await;
    for c in streams {
        c.stop().await;
    }
    stack.stop().await.unwrap();
    results.into_iter().flatten().collect()
}

/// When the loopback Realtime server sent what a turn of the openai engine is measured against.
#[derive(Debug, Clone, Copy)]
struct ServerSide {
    speech_stopped: Instant,
    first_audio_delta: Instant,
}

/// The openai engine's turns, each with when the server ended it and sent its first audio.
async fn openai_turns(question: &[u8], calls: usize, turns: usize) -> Vec<(Turn, ServerSide)> {
    let server = RealtimeServer::start(RealtimeServerConfig {
        turns: vec![ScriptedTurn {
            caller: QUESTION.into(),
            reply_text: REPLY.into(),
            reply_audio: hebrew_mulaw(REPLY),
        }],
        ..Default::default()
    })
    .await;
    let twilio = twilio_api().await;
    let stack = stack("openai", &server.base_url(), &twilio).await;
    // Which provider connection is which call's: the one that configured its session right
    // after the call's stream opened (the greeting's HTTP attempts connect too, but never
    // configure a session).
    let mut streams = Vec::new();
    for n in 0..calls {
        let call = open_call(&stack, n).await;
        let updates = server
            .wait_for("session.update", n + 1, Duration::from_secs(10))
            .await;
        assert!(updates.len() > n, "the engine configures its session");
        streams.push((call, updates[n].connection));
    }
    let results =
        futures::future::join_all(streams.iter().map(|(c, _)| converse(c, question, turns))).await;
    let sent = server.sent();
    let mut out = Vec::new();
    for ((_, connection), turns) in streams.iter().zip(results) {
        for t in turns {
            let first_sent = |kind: &str| {
                sent.iter()
                    .find(|s| s.connection == *connection && s.kind == kind && s.at > t.speech_end)
                    .unwrap_or_else(|| panic!("the server's {kind} of the turn"))
                    .at
            };
            out.push((
                t,
                ServerSide {
                    speech_stopped: first_sent("input_audio_buffer.speech_stopped"),
                    first_audio_delta: first_sent("response.output_audio.delta"),
                },
            ));
        }
    }
    for (c, _) in streams {
        c.stop().await;
    }
    stack.stop().await.unwrap();
    out
}

/// What part 4 measured.
struct Concurrent {
    gaps: Vec<Duration>,
    frames: usize,
    cpu: Duration,
    elapsed: Duration,
    /// The gaps over 60 ms, described.
    long: Vec<String>,
}

/// `calls` cascade calls asking at once; the gaps between consecutive frames of each reply.
async fn concurrent_gaps(question: &[u8], calls: usize) -> Concurrent {
    let providers = cascade_providers(QUESTION, REPLY, Vec::new(), Latencies::default()).await;
    let twilio = twilio_api().await;
    let stack = stack("cascade", &providers.uri(), &twilio).await;
    let mut streams = Vec::new();
    for n in 0..calls {
        streams.push(open_call(&stack, n).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu_before = cpu_time().unwrap_or_default();
    let wall = Instant::now();
    for c in &streams {
        c.say(question.to_vec());
    }
    futures::future::join_all(streams.iter().map(|c| async move {
        wait(c, "a reply", |l| !l.media().is_empty()).await;
        reply_played(c).await;
    }))
    .await;
    let cpu = cpu_time().unwrap_or_default().saturating_sub(cpu_before);
    let elapsed = wall.elapsed();
    let mut gaps = Vec::new();
    let mut frames = 0;
    // The gaps over 60 ms: which frame of its reply each came before, and when.
    let mut long = Vec::new();
    for c in streams {
        let log = c.stop().await;
        let media = log.lock().unwrap().media();
        frames += media.len();
        for (k, w) in media.windows(2).enumerate() {
            let gap = w[1].0 - w[0].0;
            if gap > Duration::from_millis(60) {
                long.push(format!(
                    "{} before frame {} of {}, {} after the question",
                    ms(gap),
                    k + 1,
                    media.len(),
                    ms(w[1].0 - wall)
                ));
            }
            gaps.push(gap);
        }
    }
    stack.stop().await.unwrap();
    Concurrent {
        gaps,
        frames,
        cpu,
        elapsed,
        long,
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let quick = std::env::var("AL_BENCH_QUICK").is_ok();
    let (calls, turns) = if quick { (2, 4) } else { (4, 14) };
    let concurrent = env_num("AL_BENCH_CONCURRENT", if quick { 10 } else { 50 });
    let question = speech_only(&hebrew_mulaw(QUESTION));
    let providers = Latencies::default();
    let injected = providers.stt + providers.llm_first_token + providers.tts_first_audio;
    println!(
        "realtime_voice: {calls} calls × {turns} turns per engine (every other turn barges in), \
         question {} of VAD speech, SQLite + in-process bus",
        ms(FRAME * (question.len() / FRAME_BYTES) as u32)
    );

    let cascade = cascade_turns(&question, calls, turns).await;
    let mut raw: Vec<Duration> = cascade
        .iter()
        .map(|t| t.first_reply_frame - t.speech_end)
        .collect();
    let mut from_decision: Vec<f64> = cascade
        .iter()
        .map(|t| signed_ms(t.first_reply_frame, t.speech_end + END_OF_TURN))
        .collect();
    let mut overhead: Vec<f64> = cascade
        .iter()
        .map(|t| signed_ms(t.first_reply_frame, t.speech_end + END_OF_TURN + injected))
        .collect();
    let mut barge: Vec<Duration> = cascade.iter().filter_map(|t| t.barge_in).collect();
    println!("\ncascade (providers: STT 150 + LLM first token 300 + TTS first audio 150 ms)");
    println!(
        "  last speech frame sent → first reply frame: {}",
        summary(&mut raw)
    );
    println!(
        "  (last speech frame + 600 ms end-of-turn silence) → first reply frame: {}",
        signed_summary(&mut from_decision)
    );
    println!(
        "  our overhead (the above − 600 ms of providers): {}  [target p99 < 40 ms]",
        signed_summary(&mut overhead)
    );

    let openai = openai_turns(&question, calls, turns).await;
    let mut raw: Vec<Duration> = openai
        .iter()
        .map(|(t, _)| t.first_reply_frame - t.speech_end)
        .collect();
    let mut overhead: Vec<f64> = openai
        .iter()
        .map(|(t, s)| signed_ms(t.first_reply_frame, s.first_audio_delta))
        .collect();
    let mut end_of_turn: Vec<f64> = openai
        .iter()
        .map(|(t, s)| signed_ms(s.speech_stopped, t.speech_end))
        .collect();
    let mut from_stopped: Vec<f64> = openai
        .iter()
        .map(|(t, s)| {
            signed_ms(
                t.first_reply_frame,
                s.speech_stopped + RealtimeServerConfig::default().first_audio,
            )
        })
        .collect();
    barge.extend(openai.iter().filter_map(|(t, _)| t.barge_in));
    println!("\nopenai (loopback Realtime server: transcription 150 ms, first audio 300 ms)");
    println!(
        "  last speech frame sent → first reply frame: {}",
        summary(&mut raw)
    );
    println!(
        "  last speech frame sent → the server's speech_stopped (its VAD's end of turn): {}",
        signed_summary(&mut end_of_turn)
    );
    println!(
        "  (speech_stopped + 300 ms first audio) → first reply frame: {}",
        signed_summary(&mut from_stopped)
    );
    println!(
        "  our overhead (first audio delta sent → first reply frame at Twilio): {}",
        signed_summary(&mut overhead)
    );

    println!(
        "\nbarge-in, both engines (first speech frame of the interruption sent → clear received, \
         VAD confirmation 240 ms included): {}  [target p99 < 300 ms]",
        summary(&mut barge)
    );

    let Concurrent {
        mut gaps,
        frames,
        cpu,
        elapsed,
        long,
    } = concurrent_gaps(&question, concurrent).await;
    let over_60 = gaps
        .iter()
        .filter(|g| **g > Duration::from_millis(60))
        .count();
    println!(
        "\n{concurrent} concurrent cascade calls asking at once: {frames} reply frames received; \
         gaps between consecutive frames {}; {over_60} gaps over 60 ms  [target: none]",
        summary(&mut gaps)
    );
    for l in &long {
        println!("  gap over 60 ms: {l}");
    }
    println!(
        "  CPU time of the process (stack + {concurrent} Twilio clients + providers) while they \
         talked: {:.2} s in {:.2} s wall ({:.0}% of one core)",
        cpu.as_secs_f64(),
        elapsed.as_secs_f64(),
        cpu.as_secs_f64() / elapsed.as_secs_f64() * 100.0
    );
}
