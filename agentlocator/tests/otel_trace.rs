//! One Twilio webhook is one trace. Every service runs as its own `agentlocator serve <service>`
//! process (as in Kubernetes: one tracer, one `service.name` per process) on PostgreSQL and NATS
//! JetStream, exporting spans to a loopback OTLP receiver. A signed `incoming_call` must produce
//! ONE connected trace: the gateway's request span is its only root, and every other span
//! (voice-svc's webhook, its calls to crm-svc and speech-svc, the `call.started` event published
//! on NATS and consumed by crm-svc and notify-svc) hangs below it.

use agentlocator_tests::{
    Bus, Db, TestEnv,
    otlp_receiver::{OtlpReceiver, ReceivedSpan, Trace},
};
use std::{
    collections::HashMap,
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::io::AsyncBufReadExt;

// Example values in Twilio's documented formats, not credentials.
const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef"; // example value
const AUTH_TOKEN: &str = "example-twilio-auth-token";
const CALL_SID: &str = "CA00000000000000000000000000007ace"; // example value
const PUBLIC_BASE_URL: &str = "http://127.0.0.1:8080";
const BUSINESS_NUMBER: &str = "+97235550178";
const CALLER: &str = "+972501234567";

/// Longest wait for anything in this test (start-up, spans arriving, exit); generous for a loaded
/// machine, never a measure of speed.
const DEADLINE: Duration = Duration::from_secs(60);

/// One service process and the log lines it has written so far.
struct Process {
    name: &'static str,
    child: tokio::process::Child,
    lines: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Process {
    fn spawn(service: &'static str, env: &HashMap<String, String>, dir: &std::path::Path) -> Self {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_agentlocator"));
        cmd.args(["serve", service])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("start agentlocator serve");
        let stderr = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        tokio::spawn(async move {
            let mut reader = tokio::io::BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|_| serde_json::json!({ "message": line }));
                sink.lock().unwrap().push(value);
            }
        });
        Process {
            name: service,
            child,
            lines,
        }
    }

    /// Waits for a log line `matches` accepts and returns it; fails with the process's log when
    /// it exits or the deadline passes first.
    async fn wait_for_log(
        &mut self,
        what: &str,
        matches: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            if let Some(line) = self.lines.lock().unwrap().iter().find(|l| matches(l)) {
                return line.clone();
            }
            let exited = self.child.try_wait().expect("process status");
            if exited.is_some() || tokio::time::Instant::now() > deadline {
                // Let the reader catch up with the last lines before showing them.
                tokio::time::sleep(Duration::from_millis(200)).await;
                panic!(
                    "{}: no {what} ({}); log:\n{}",
                    self.name,
                    exited.map_or("still running".to_string(), |s| format!("exited {s}")),
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The loopback address in the `addr` field of the log line with `message`.
    async fn listening_on(&mut self, message: &str) -> String {
        let line = self
            .wait_for_log(message, |l| l["message"] == message)
            .await;
        let addr = line["addr"].as_str().unwrap_or_default();
        // `127.0.0.1:1234` or `Some(127.0.0.1:1234)`.
        let start = addr.find("127.0.0.1:").expect("a loopback address");
        let port: String = addr[start + "127.0.0.1:".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        format!("http://127.0.0.1:{port}")
    }

    fn log(&self) -> String {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// SIGTERM, as Kubernetes stops a pod: the process drains and flushes its spans, then exits 0.
    async fn stop(mut self) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(status.success());
        match tokio::time::timeout(DEADLINE, self.child.wait()).await {
            Ok(Ok(s)) => assert!(
                s.success(),
                "{} exited {s}; log:\n{}",
                self.name,
                self.log()
            ),
            Ok(Err(e)) => panic!("{}: {e}", self.name),
            Err(_) => panic!(
                "{} did not exit after SIGTERM; log:\n{}",
                self.name,
                self.log()
            ),
        }
    }
}

/// A business answering on [`BUSINESS_NUMBER`] with voice on.
async fn create_business(database_url: String) {
    use crm_svc::businesses::queries::{self as business, Business};
    let db = crm_svc::test_support::connect(database_url).await;
    let mut b = Business::new(
        "מספרת מעקב",
        format!("trace-{}", uuid::Uuid::now_v7().simple()),
    );
    b.twilio_numbers = serde_json::to_string(&[BUSINESS_NUMBER]).unwrap();
    b.greeting_text = "שלום, הגעתם למספרה.".into();
    db.run(move |conn| business::insert(conn, &b))
        .await
        .expect("insert business");
}

/// A signed webhook as Twilio would post it to `path_and_query` (with the call's parameters and
/// `extra`); returns the status and body of the answer.
async fn webhook(gateway: &str, path_and_query: &str, extra: &[(&str, &str)]) -> (u16, String) {
    let params: Vec<(String, String)> = [
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", CALL_SID),
        ("From", CALLER),
        ("To", BUSINESS_NUMBER),
        ("Direction", "inbound"),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let signature = voice_svc::twilio_signature::compute(
        AUTH_TOKEN,
        &format!("{PUBLIC_BASE_URL}{path_and_query}"),
        &params,
    );
    let res = reqwest::Client::new()
        .post(format!("{gateway}{path_and_query}"))
        .header("X-Twilio-Signature", signature)
        .form(&params)
        .send()
        .await
        .expect("webhook request");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// The `action` of the `<Record>` in a TwiML answer (XML-unescaped).
fn record_action(twiml: &str) -> String {
    let start = twiml.find("<Record").expect("a <Record> in the answer");
    let attr = &twiml[start..];
    let from = attr.find("action=\"").expect("a Record action") + "action=\"".len();
    let to = from + attr[from..].find('"').expect("end of the action");
    attr[from..to].replace("&amp;", "&")
}

/// Waits until `name` of `service` has arrived in the trace of `root_name`'s span, with all of
/// `expected` (service, span name) there too.
async fn wait_for_trace(receiver: &OtlpReceiver, root_name: &str, expected: &[(&str, &str)]) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let spans = receiver.spans();
        let trace_id = spans
            .iter()
            .find(|s| s.service == "gateway" && s.name == root_name)
            .map(|s| s.trace_id.clone());
        let missing: Vec<_> = match &trace_id {
            Some(id) => {
                let trace = Trace::of(&spans, id);
                expected
                    .iter()
                    .filter(|(service, name)| find(&trace, service, name).is_none())
                    .copied()
                    .collect()
            }
            None => vec![("gateway", root_name)],
        };
        if missing.is_empty() {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            let seen: Vec<_> = spans
                .iter()
                .map(|s| format!("{} {}: {}", &s.trace_id[..8], s.service, s.name))
                .collect();
            panic!(
                "spans never arrived: {missing:?}\nreceived:\n{}",
                seen.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn find<'a>(trace: &Trace<'a>, service: &str, name: &str) -> Option<&'a ReceivedSpan> {
    trace
        .spans
        .iter()
        .copied()
        .find(|s| s.service == service && s.name == name)
}

const GATEWAY_SPAN: &str = "POST /webhook/incoming_call";
const PUBLISH_SPAN: &str = "bus.publish call.started";
const CONSUME_SPAN: &str = "bus.consume call.started";

/// The spans the incoming call must have produced, in the trace of the gateway's request span.
const EXPECTED: &[(&str, &str)] = &[
    ("gateway", GATEWAY_SPAN),
    ("voice-svc", "agentlocator.v1.VoiceService/HandleWebhook"),
    ("crm-svc", "agentlocator.v1.CrmService/GetBusiness"),
    ("speech-svc", "agentlocator.v1.SpeechService/Synthesize"),
    ("voice-svc", PUBLISH_SPAN),
    ("crm-svc", CONSUME_SPAN),
    ("notify-svc", CONSUME_SPAN),
];

const TURN_GATEWAY_SPAN: &str = "POST /webhook/handle_recording";
/// A caller turn: its own task in voice-svc, which must still be part of the webhook's trace.
const TURN_EXPECTED: &[(&str, &str)] = &[
    ("gateway", TURN_GATEWAY_SPAN),
    ("voice-svc", "agentlocator.v1.VoiceService/HandleWebhook"),
    ("voice-svc", "voice.turn"),
    ("speech-svc", "agentlocator.v1.SpeechService/Transcribe"),
    ("voice-svc", "bus.publish call.recorded"),
    ("crm-svc", "bus.consume call.recorded"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_webhook_is_one_connected_trace_across_the_services() {
    let receiver = OtlpReceiver::start().await;
    let test_env = TestEnv::new(Db::Postgres, Bus::Nats);
    let mut env = test_env.vars.clone();
    for (k, v) in [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str()),
        // Export every 100 ms instead of every 5 s; SIGTERM at the end flushes the rest.
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("RUST_LOG", "info"),
        ("LOG_FORMAT", "json"),
        ("PUBLIC_BASE_URL", PUBLIC_BASE_URL),
        ("TWILIO_ACCOUNT_SID", ACCOUNT_SID),
        ("TWILIO_AUTH_TOKEN", AUTH_TOKEN),
    ] {
        env.insert(k.into(), v.into());
    }
    let dir = test_env.dir.path();

    // In dependency order, each on a port of its own choosing, read back from its log.
    let mut crm = Process::spawn("crm-svc", &env, dir);
    env.insert("CRM_SVC_URL".into(), crm.listening_on("gRPC serving").await);
    let mut speech = Process::spawn("speech-svc", &env, dir);
    env.insert(
        "SPEECH_SVC_URL".into(),
        speech.listening_on("gRPC serving").await,
    );
    let mut voice = Process::spawn("voice-svc", &env, dir);
    env.insert(
        "VOICE_SVC_URL".into(),
        voice.listening_on("gRPC serving").await,
    );
    let mut notify = Process::spawn("notify-svc", &env, dir);
    env.insert(
        "NOTIFY_SVC_URL".into(),
        notify.listening_on("gRPC serving").await,
    );
    // Its live consumer only sees events published after it subscribed.
    notify
        .wait_for_log("live consumer", |l| {
            l["message"] == "notification consumer started"
                && l["consumer"]
                    .as_str()
                    .is_some_and(|c| c.starts_with(notify_svc::consumer::LIVE_CONSUMER))
        })
        .await;
    let mut gateway = Process::spawn("gateway", &env, dir);
    let gateway_url = gateway.listening_on("HTTP gateway listening").await;

    create_business(test_env.config().database.url()).await;
    let (status, body) = webhook(
        &gateway_url,
        "/webhook/incoming_call",
        &[("CallStatus", "ringing")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Record"), "{body}");
    wait_for_trace(&receiver, GATEWAY_SPAN, EXPECTED).await;

    // The caller's first turn. The recording is on a host recordings are never fetched from, so
    // the turn fails quickly without any network; its spans are what counts here.
    let (status, turn_body) = webhook(
        &gateway_url,
        &record_action(&body),
        &[
            (
                "RecordingUrl",
                "http://127.0.0.1:9/2010-04-01/Accounts/x/Recordings/RE1",
            ),
            ("RecordingDuration", "3"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{turn_body}");
    wait_for_trace(&receiver, TURN_GATEWAY_SPAN, TURN_EXPECTED).await;

    // Stop everything (each process flushes its spans on the way out), then judge the whole set.
    for p in [gateway, voice, notify, speech, crm] {
        p.stop().await;
    }
    let spans = receiver.spans();
    let root = spans
        .iter()
        .find(|s| s.service == "gateway" && s.name == GATEWAY_SPAN)
        .expect("gateway span");
    let trace = Trace::of(&spans, &root.trace_id);
    let tree = trace.render();
    eprintln!("trace {}:\n{tree}", root.trace_id);

    let turn_root = spans
        .iter()
        .find(|s| s.service == "gateway" && s.name == TURN_GATEWAY_SPAN)
        .expect("turn webhook span");
    // One trace id for everything the webhook caused: no span of these operations elsewhere
    // (but in the turn's own trace, checked below).
    for s in spans.iter().filter(|s| s.trace_id != turn_root.trace_id) {
        let caused_by_the_call = s.name == GATEWAY_SPAN
            || s.name == PUBLISH_SPAN
            || s.name == CONSUME_SPAN
            || s.name.starts_with("agentlocator.v1.VoiceService/");
        assert!(
            !caused_by_the_call || s.trace_id == root.trace_id,
            "{} {} is in trace {}, not {}\n{tree}",
            s.service,
            s.name,
            s.trace_id,
            root.trace_id
        );
    }
    // Connected: one root (the webhook request, with no remote parent), every parent present.
    let roots = trace.roots();
    assert_eq!(roots.len(), 1, "roots {roots:?}\n{tree}");
    assert_eq!(roots[0].span_id, root.span_id, "{tree}");
    assert!(trace.orphans().is_empty(), "orphans\n{tree}");
    let services = trace.services();
    assert!(services.len() >= 4, "{services:?}\n{tree}");
    for service in [
        "gateway",
        "voice-svc",
        "crm-svc",
        "speech-svc",
        "notify-svc",
    ] {
        assert!(services.contains(service), "no {service} span\n{tree}");
    }

    // Across gRPC: each server span is below the caller's span.
    let webhook = find(
        &trace,
        "voice-svc",
        "agentlocator.v1.VoiceService/HandleWebhook",
    )
    .expect("voice-svc webhook span");
    assert_eq!(
        webhook.parent_span_id.as_deref(),
        Some(root.span_id.as_str())
    );
    for (service, name) in [
        ("crm-svc", "agentlocator.v1.CrmService/GetBusiness"),
        ("speech-svc", "agentlocator.v1.SpeechService/Synthesize"),
    ] {
        let s = find(&trace, service, name).expect(name);
        assert!(trace.descends_from(s, webhook), "{name}\n{tree}");
        assert_eq!(
            s.attributes.get("rpc.system").map(String::as_str),
            Some("grpc")
        );
    }
    // Across NATS: both consumers are children of the span that published the event.
    let published = find(&trace, "voice-svc", PUBLISH_SPAN).expect("publish span");
    assert!(trace.descends_from(published, webhook), "{tree}");
    for service in ["crm-svc", "notify-svc"] {
        let consumed = find(&trace, service, CONSUME_SPAN).expect("consume span");
        assert_eq!(
            consumed.parent_span_id.as_deref(),
            Some(published.span_id.as_str()),
            "{service}\n{tree}"
        );
        // The stage timing a consumer knows: how long the event took to reach it.
        let queued = consumed
            .attributes
            .get("queued_ms")
            .map(|v| v.parse::<i64>());
        assert!(
            matches!(queued, Some(Ok(ms)) if ms >= 0),
            "{service}: {:?}",
            consumed.attributes
        );
    }
    assert_eq!(
        root.attributes
            .get("http.response.status_code")
            .map(String::as_str),
        Some("200"),
        "{:?}",
        root.attributes
    );

    // The turn: one connected trace from its webhook, the turn's task included, with the turn's
    // stage timings on its span.
    let turn = Trace::of(&spans, &turn_root.trace_id);
    let turn_tree = turn.render();
    eprintln!("trace {}:\n{turn_tree}", turn_root.trace_id);
    assert_ne!(
        turn_root.trace_id, root.trace_id,
        "each webhook is its own trace"
    );
    assert_eq!(turn.roots().len(), 1, "{turn_tree}");
    assert!(turn.orphans().is_empty(), "orphans\n{turn_tree}");
    let task = find(&turn, "voice-svc", "voice.turn").expect("turn span");
    let transcribe = find(
        &turn,
        "speech-svc",
        "agentlocator.v1.SpeechService/Transcribe",
    )
    .expect("transcribe span");
    assert!(turn.descends_from(transcribe, task), "{turn_tree}");
    assert!(
        task.attributes
            .get("stt_ms")
            .is_some_and(|v| v.parse::<u64>().is_ok()),
        "{:?}",
        task.attributes
    );
}
