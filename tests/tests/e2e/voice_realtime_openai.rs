//! voice-svc's `openai` realtime engine against a loopback OpenAI Realtime API: espeak-ng's
//! Hebrew speech streamed as a Twilio Media Stream would (8 kHz μ-law, 20 ms frames, real time)
//! is heard, transcribed and answered; an interrupt cancels the reply and truncates it to what
//! was heard; a short backchannel over the agent gets no answer; a wrong key fails the start;
//! a provider that drops the call mid-reply is reported once; the session hanging up closes
//! the provider's socket.

use agentlocator_common::agent_tools::ToolName;
use agentlocator_common::{Secret, mulaw};
use agentlocator_proto::v1 as pb;
use agentlocator_tests::openai_realtime::{
    FailPoint, FailWith, RealtimeServer, RealtimeServerConfig, ScriptedToolCall, ScriptedTurn,
};
use agentlocator_tests::realtime::hebrew_mulaw as espeak_hebrew_mulaw;
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::mpsc;
use voice_svc::{
    realtime::{
        CallContext, EngineChannels, EngineCommand, EngineEvent, RealtimeEngine,
        openai::OpenAiRealtime,
        tools::{AgentTools, CallAgent, ToolInvocation, ToolOutcome},
    },
    settings::{OpenAiRealtimeSettings, TurnTaking},
};

// An example value, not a credential.
const API_KEY: &str = "sk-test-realtime-key";
const QUESTION: &str = "מה שעות הפעילות?";
const ANSWER: &str = "אנחנו פתוחים בימים ראשון עד חמישי, מתשע עד שש.";
const BUSINESS_NAME: &str = "מספרת הדגמה";

const TURN_TAKING: TurnTaking = TurnTaking {
    end_of_turn: Duration::from_millis(500),
    barge_in: Duration::from_millis(240),
};

fn engine(server: &RealtimeServer, key: Option<&str>) -> OpenAiRealtime {
    OpenAiRealtime::new(
        &OpenAiRealtimeSettings {
            url: server.url("gpt-realtime"),
            api_key: key.map(Secret::new),
            model: "gpt-realtime".into(),
            default_voice: "marin".into(),
        },
        TURN_TAKING,
    )
}

fn call() -> CallContext {
    CallContext {
        business: pb::Business {
            name: BUSINESS_NAME.into(),
            greeting_text: "שלום, הגעתם למספרה. במה אפשר לעזור?".into(),
            knowledge: vec![pb::KnowledgeEntry {
                question: QUESTION.into(),
                answer: ANSWER.into(),
            }],
            ..Default::default()
        },
        call_sid: "CA00000000000000000000000000000077".into(), // example value
        from: "+972501234567".into(),
        voice: String::new(),
        agent: None,
        closed: None,
    }
}

fn question_turn(reply_audio: Vec<u8>) -> ScriptedTurn {
    ScriptedTurn {
        caller: QUESTION.into(),
        reply_text: ANSWER.into(),
        reply_audio,
    }
}

/// 20 ms frames of a loud 400 Hz tone lasting `ms`: speech to an energy VAD.
fn burst(ms: usize) -> Vec<u8> {
    let samples: Vec<i16> = (0..ms * 8)
        .map(|i| {
            let t = i as f64 / f64::from(mulaw::RATE);
            (8000.0 * (2.0 * std::f64::consts::PI * 400.0 * t).sin()) as i16
        })
        .collect();
    mulaw::encode_all(&samples)
}

/// The caller's side of the Media Stream: a frame every 20 ms, in real time, from what was said
/// so far, else silence — as Twilio streams a call.
struct Line {
    say: mpsc::UnboundedSender<Vec<u8>>,
    commands: mpsc::Sender<EngineCommand>,
}

impl Line {
    fn open(commands: mpsc::Sender<EngineCommand>) -> Self {
        let (say, mut said) = mpsc::unbounded_channel::<Vec<u8>>();
        let frames_to = commands.clone();
        tokio::spawn(async move {
            let mut pending: VecDeque<u8> = VecDeque::new();
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            loop {
                tick.tick().await;
                while let Ok(audio) = said.try_recv() {
                    pending.extend(audio);
                }
                let mut frame: Vec<u8> = pending
                    .drain(..pending.len().min(mulaw::FRAME_BYTES))
                    .collect();
                frame.resize(mulaw::FRAME_BYTES, mulaw::SILENCE);
                if frames_to.send(EngineCommand::Audio(frame)).await.is_err() {
                    return;
                }
            }
        });
        Self { say, commands }
    }

    fn say(&self, mulaw: Vec<u8>) {
        self.say.send(mulaw).unwrap();
    }

    async fn send(&self, command: EngineCommand) {
        self.commands.send(command).await.unwrap();
    }
}

/// Receives events until one matches `done` (returned last) or `timeout` passes.
async fn until(
    events: &mut mpsc::Receiver<EngineEvent>,
    timeout: Duration,
    done: impl Fn(&EngineEvent) -> bool,
) -> Vec<EngineEvent> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) => {
                let last = done(&event);
                seen.push(event);
                if last {
                    return seen;
                }
            }
            Ok(None) => return seen,
            Err(_) => panic!("no matching event within {timeout:?}; seen {seen:?}"),
        }
    }
}

/// Events received within `wait` (none need arrive).
async fn drain(events: &mut mpsc::Receiver<EngineEvent>, wait: Duration) -> Vec<EngineEvent> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        seen.push(event);
    }
    seen
}

fn reply_audio(events: &[EngineEvent]) -> Vec<u8> {
    events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::ReplyAudio { mulaw, .. } => Some(mulaw.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

async fn started(server: &RealtimeServer) -> (EngineChannels, Line) {
    let mut channels = engine(server, Some(API_KEY))
        .start(call())
        .await
        .expect("engine starts");
    let first = channels.events.recv().await;
    assert_eq!(first, Some(EngineEvent::Ready));
    let line = Line::open(channels.commands.clone());
    (channels, line)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoken_question_is_heard_transcribed_and_answered() {
    let answer_audio = espeak_hebrew_mulaw(ANSWER);
    let server = RealtimeServer::start(RealtimeServerConfig {
        api_key: Some(API_KEY.into()),
        turns: vec![question_turn(answer_audio.clone())],
        ..Default::default()
    })
    .await;
    let (mut channels, line) = started(&server).await;

    line.say(espeak_hebrew_mulaw(QUESTION));
    let events = until(&mut channels.events, Duration::from_secs(20), |e| {
        matches!(e, EngineEvent::ReplyDone { .. })
    })
    .await;

    let position = |want: fn(&EngineEvent) -> bool| {
        events
            .iter()
            .position(want)
            .unwrap_or_else(|| panic!("missing in {events:?}"))
    };
    let speech = position(|e| matches!(e, EngineEvent::SpeechStarted));
    let said = position(|e| matches!(e, EngineEvent::CallerSaid { .. }));
    let audio = position(|e| matches!(e, EngineEvent::ReplyAudio { .. }));
    let text = position(|e| matches!(e, EngineEvent::ReplyText { .. }));
    assert!(
        speech < said && speech < audio && audio < text,
        "{events:?}"
    );
    assert_eq!(
        events[said],
        EngineEvent::CallerSaid {
            text: QUESTION.into()
        }
    );
    let EngineEvent::ReplyText { reply, text } = &events[text] else {
        unreachable!()
    };
    assert_eq!(text, ANSWER);
    assert_eq!(
        events.last(),
        Some(&EngineEvent::ReplyDone {
            reply: *reply,
            needs_follow_up: false
        })
    );
    // The reply's μ-law arrives as the provider sent it, whole and in order.
    assert_eq!(reply_audio(&events), answer_audio);

    // What the provider saw: the key, the session as configured, the audio, one answer asked.
    assert_eq!(
        server.authorizations(),
        vec![Some(format!("Bearer {API_KEY}"))]
    );
    let update = &server.of_type("session.update")[0].event["session"];
    assert_eq!(update["type"], "realtime");
    assert_eq!(update["audio"]["input"]["format"]["type"], "audio/pcmu");
    assert_eq!(update["audio"]["output"]["format"]["type"], "audio/pcmu");
    assert_eq!(update["audio"]["output"]["voice"], "marin");
    let vad = &update["audio"]["input"]["turn_detection"];
    assert_eq!(vad["silence_duration_ms"], 500);
    assert_eq!(vad["create_response"], false);
    assert_eq!(vad["interrupt_response"], false);
    assert!(
        update["instructions"]
            .as_str()
            .unwrap()
            .contains(BUSINESS_NAME)
    );
    let appends = server.of_type("input_audio_buffer.append");
    assert!(appends.len() > 50, "{} frames", appends.len());
    assert_eq!(server.of_type("response.create").len(), 1);
    // Asked for after the turn ended, not before.
    let stopped = server
        .sent()
        .into_iter()
        .find(|s| s.kind == "input_audio_buffer.speech_stopped")
        .expect("speech_stopped");
    assert!(server.of_type("response.create")[0].at >= stopped.at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupt_cancels_the_reply_and_keeps_what_was_heard() {
    // A long reply streamed at real-time pace: still being generated when interrupted.
    let long_answer = espeak_hebrew_mulaw(&format!("{ANSWER} {ANSWER} {ANSWER}"));
    let server = RealtimeServer::start(RealtimeServerConfig {
        api_key: Some(API_KEY.into()),
        turns: vec![question_turn(long_answer.clone())],
        chunk_interval: Duration::from_millis(100),
        ..Default::default()
    })
    .await;
    let (mut channels, line) = started(&server).await;

    line.say(espeak_hebrew_mulaw(QUESTION));
    let events = until(&mut channels.events, Duration::from_secs(20), |e| {
        matches!(e, EngineEvent::ReplyAudio { .. })
    })
    .await;
    let Some(EngineEvent::ReplyAudio { reply, .. }) = events.last().cloned() else {
        unreachable!()
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    line.send(EngineCommand::Interrupt {
        reply,
        heard_ms: 200,
        heard_text: "אנחנו".into(),
    })
    .await;

    let cancels = server
        .wait_for("response.cancel", 1, Duration::from_secs(5))
        .await;
    assert_eq!(cancels.len(), 1, "{:?}", server.received().last());
    let response_id = cancels[0].event["response_id"].clone();
    assert!(response_id.is_string(), "{:?}", cancels[0].event);
    let truncates = server
        .wait_for("conversation.item.truncate", 1, Duration::from_secs(5))
        .await;
    assert_eq!(truncates.len(), 1);
    let truncate = &truncates[0].event;
    assert_eq!(truncate["audio_end_ms"], 200);
    assert_eq!(truncate["content_index"], 0);
    assert!(
        truncate["item_id"]
            .as_str()
            .unwrap()
            .starts_with("item_resp_")
    );

    let rest = until(&mut channels.events, Duration::from_secs(5), |e| {
        matches!(e, EngineEvent::ReplyDone { .. })
    })
    .await;
    assert_eq!(
        rest.last(),
        Some(&EngineEvent::ReplyDone {
            reply,
            needs_follow_up: false
        })
    );
    // The reply stopped: its remaining audio did not reach the session; the transcript of the
    // cancelled response (from its output item) did, for the session to keep the heard share.
    assert!(
        rest.iter()
            .any(|e| matches!(e, EngineEvent::ReplyText { reply: r, .. } if *r == reply)),
        "{rest:?}"
    );
    let heard = reply_audio(&events).len() + reply_audio(&rest).len();
    assert!(
        heard < long_answer.len() / 2,
        "{heard} of {} bytes",
        long_answer.len()
    );
    // The provider ended the response as cancelled and kept the truncation.
    let sent: Vec<String> = server.sent().into_iter().map(|s| s.kind).collect();
    assert!(
        sent.contains(&"conversation.item.truncated".to_string()),
        "{sent:?}"
    );
    assert!(!sent.contains(&"response.output_audio_transcript.done".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_backchannel_over_the_agent_gets_no_answer() {
    let server = RealtimeServer::start(RealtimeServerConfig {
        api_key: Some(API_KEY.into()),
        turns: vec![
            question_turn(espeak_hebrew_mulaw(ANSWER)),
            ScriptedTurn {
                caller: "כן".into(),
                ..question_turn(burst(400))
            },
        ],
        ..Default::default()
    })
    .await;
    let (mut channels, line) = started(&server).await;

    line.say(espeak_hebrew_mulaw(QUESTION));
    let events = until(&mut channels.events, Duration::from_secs(20), |e| {
        matches!(e, EngineEvent::ReplyDone { .. })
    })
    .await;
    let Some(EngineEvent::ReplyDone { reply, .. }) = events.last().cloned() else {
        unreachable!()
    };

    // The reply is still playing (no Played yet): 160 ms of "כן" is a backchannel.
    line.say(burst(160));
    let deletes = server
        .wait_for("conversation.item.delete", 1, Duration::from_secs(5))
        .await;
    assert_eq!(deletes.len(), 1, "{:?}", server.received().last());
    assert_eq!(deletes[0].event["item_id"], "item_user_2");
    let after = drain(&mut channels.events, Duration::from_millis(600)).await;
    assert_eq!(after, vec![EngineEvent::SpeechStarted]);
    assert_eq!(server.of_type("response.create").len(), 1);

    // Once the reply has been heard in full, the same short speech is a turn.
    line.send(EngineCommand::Played { reply }).await;
    line.say(burst(160));
    let creates = server
        .wait_for("response.create", 2, Duration::from_secs(5))
        .await;
    assert_eq!(creates.len(), 2);
    assert_eq!(server.of_type("conversation.item.delete").len(), 1);
    let answered = until(&mut channels.events, Duration::from_secs(10), |e| {
        matches!(e, EngineEvent::ReplyDone { .. })
    })
    .await;
    assert!(
        answered
            .iter()
            .any(|e| matches!(e, EngineEvent::CallerSaid { text } if text == "כן")),
        "{answered:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_key_fails_the_start() {
    let server = RealtimeServer::start(RealtimeServerConfig {
        api_key: Some(API_KEY.into()),
        ..Default::default()
    })
    .await;
    let e = engine(&server, Some("sk-wrong-key"))
        .start(call())
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("401"), "{e}");
    assert!(!e.to_string().contains("sk-wrong-key"), "{e}");
    let e = engine(&server, None)
        .start(call())
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("401"), "{e}");
    assert_eq!(
        server.authorizations(),
        vec![Some("Bearer sk-wrong-key".into()), None]
    );
    assert!(server.received().is_empty());

    // A session the provider refuses fails the start too.
    let refusing = RealtimeServer::start(RealtimeServerConfig {
        fail: Some((FailPoint::SessionUpdate, FailWith::ServerError)),
        ..Default::default()
    })
    .await;
    let e = engine(&refusing, None)
        .start(call())
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("server_error"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_closing_mid_call_is_one_failure() {
    let server = RealtimeServer::start(RealtimeServerConfig {
        api_key: Some(API_KEY.into()),
        turns: vec![question_turn(espeak_hebrew_mulaw(ANSWER))],
        fail: Some((FailPoint::ResponseAudio(1), FailWith::Close)),
        ..Default::default()
    })
    .await;
    let (mut channels, line) = started(&server).await;

    line.say(espeak_hebrew_mulaw(QUESTION));
    // Until the engine's task ends (its sender dropped).
    let events = until(&mut channels.events, Duration::from_secs(20), |_| false).await;
    let failures = events
        .iter()
        .filter(|e| matches!(e, EngineEvent::Failed { .. }))
        .count();
    assert_eq!(failures, 1, "{events:?}");
    assert!(
        matches!(events.last(), Some(EngineEvent::Failed { .. })),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, EngineEvent::ReplyAudio { .. })),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_commands_closes_the_socket() {
    let server = RealtimeServer::start(RealtimeServerConfig::default()).await;
    let EngineChannels {
        commands,
        mut events,
    } = engine(&server, None)
        .start(call())
        .await
        .expect("engine starts");
    assert_eq!(events.recv().await, Some(EngineEvent::Ready));
    assert_eq!(server.closed_connections(), 0);
    drop(commands);
    // The task ends without a failure: the call is over, not the provider down.
    let rest = until(&mut events, Duration::from_secs(5), |_| false).await;
    assert!(rest.is_empty(), "{rest:?}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while server.closed_connections() == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(server.closed_connections(), 1);
}

/// A tool runner standing in for crm-svc (its scoping and effects are tested there and end to
/// end): records each call and answers from a script by tool name.
struct RecordingTools {
    calls: Mutex<Vec<ToolInvocation>>,
    answers: HashMap<&'static str, ToolOutcome>,
}

#[async_trait::async_trait]
impl AgentTools for RecordingTools {
    async fn run(&self, call: &ToolInvocation) -> ToolOutcome {
        self.calls.lock().unwrap().push(call.clone());
        self.answers
            .get(call.name.as_str())
            .cloned()
            .unwrap_or(ToolOutcome {
                output_json: r#"{"error":"unknown tool"}"#.into(),
                handoff_phone: None,
                end_call: false,
            })
    }
}

const BOOK_ASK: &str = "אפשר לקבוע תור ליום שלישי ב-10?";
const BOOKED: &str = "קבעתי לך תור ליום שלישי בעשר. נתראה!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_books_through_its_tools_then_speaks_the_result_and_ends_the_call() {
    let booked_audio = espeak_hebrew_mulaw(BOOKED);
    let arguments = r#"{"starts_at":"2026-12-08T10:00:00+02:00","title":"תספורת"}"#;
    let server = RealtimeServer::start(RealtimeServerConfig {
        api_key: Some(API_KEY.into()),
        turns: vec![ScriptedTurn {
            caller: BOOK_ASK.into(),
            reply_text: BOOKED.into(),
            reply_audio: booked_audio.clone(),
        }],
        // Before the first reply the model books, then ends the call.
        tool_calls: HashMap::from([(
            0,
            vec![
                ScriptedToolCall {
                    name: "book_appointment".into(),
                    arguments: arguments.into(),
                },
                ScriptedToolCall {
                    name: "end_call".into(),
                    arguments: "{}".into(),
                },
            ],
        )]),
        ..Default::default()
    })
    .await;
    let booked_result = r#"{"appointment_id":"apt_1","starts_at":"2026-12-08T10:00:00+02:00"}"#;
    let tools = Arc::new(RecordingTools {
        calls: Mutex::new(Vec::new()),
        answers: HashMap::from([
            (
                "book_appointment",
                ToolOutcome {
                    output_json: booked_result.into(),
                    handoff_phone: None,
                    end_call: false,
                },
            ),
            (
                "end_call",
                ToolOutcome {
                    output_json: r#"{"ended":true}"#.into(),
                    handoff_phone: None,
                    end_call: true,
                },
            ),
        ]),
    });
    let mut context = call();
    context.agent = Some(CallAgent {
        persona: "סוכנת של המספרה, פונה בגוף שני".into(),
        instructions: String::new(),
        allowed: vec![ToolName::BookAppointment, ToolName::EndCall],
        tools: tools.clone(),
    });
    let mut channels = engine(&server, Some(API_KEY))
        .start(context)
        .await
        .expect("engine starts");
    assert_eq!(channels.events.recv().await, Some(EngineEvent::Ready));
    let line = Line::open(channels.commands.clone());

    line.say(espeak_hebrew_mulaw(BOOK_ASK));
    let events = until(&mut channels.events, Duration::from_secs(25), |e| {
        matches!(e, EngineEvent::ReplyText { .. })
    })
    .await;
    let events = [
        events,
        until(&mut channels.events, Duration::from_secs(5), |e| {
            matches!(e, EngineEvent::ReplyDone { .. })
        })
        .await,
    ]
    .concat();

    // The session was given the allowed tools only, in the Realtime API's flat shape.
    let update = &server.of_type("session.update")[0].event["session"];
    let names: Vec<_> = update["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["book_appointment", "end_call"]);
    assert!(update["tools"][0]["parameters"]["properties"]["starts_at"].is_object());
    assert_eq!(update["tool_choice"], "auto");
    assert!(
        update["instructions"]
            .as_str()
            .unwrap()
            .contains("סוכנת של המספרה")
    );

    // Each call ran once, with the caller's words, and its output went back under its call id
    // before the next response was asked for.
    let calls = tools.calls.lock().unwrap().clone();
    assert_eq!(
        calls.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["book_appointment", "end_call"]
    );
    assert_eq!(calls[0].arguments_json, arguments);
    assert_eq!(calls[0].turn_text, BOOK_ASK);
    let outputs = server.of_type("conversation.item.create");
    assert_eq!(outputs.len(), 2, "{outputs:?}");
    assert_eq!(outputs[0].event["item"]["type"], "function_call_output");
    assert_eq!(outputs[0].event["item"]["call_id"], "call_0_0_1");
    assert_eq!(outputs[0].event["item"]["output"], booked_result);
    let creates = server.of_type("response.create");
    assert_eq!(creates.len(), 3, "one for the turn, one after each tool");
    assert!(outputs[0].at <= creates[1].at && outputs[1].at <= creates[2].at);
    // The provider refused nothing.
    assert!(
        !server.sent().iter().any(|s| s.kind == "error"),
        "{:?}",
        server.received()
    );

    // The session hears that the call ends after the tool's reply, then the spoken result.
    let end = events
        .iter()
        .position(|e| matches!(e, EngineEvent::EndCall { .. }))
        .unwrap_or_else(|| panic!("no EndCall in {events:?}"));
    let EngineEvent::EndCall { after } = events[end] else {
        unreachable!()
    };
    let text = events
        .iter()
        .position(|e| matches!(e, EngineEvent::ReplyText { text, .. } if text == BOOKED))
        .unwrap_or_else(|| panic!("no spoken result in {events:?}"));
    let EngineEvent::ReplyText { reply, .. } = events[text] else {
        unreachable!()
    };
    assert!(end < text && reply > after, "{events:?}");
    assert_eq!(reply_audio(&events), booked_audio);
}
