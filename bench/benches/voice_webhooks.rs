//! Signed `POST /webhook/incoming_call` through the whole stack, against the ceiling — a bare
//! actix-web server in this same process doing only the same signature check and answering the
//! same TwiML (`agentlocator_bench::ceiling`) — measured in the same run, in alternating rounds.
//!
//! Through the stack: gateway → voice-svc (signature, the business by the called number and the
//! greeting's audio URL: from its directory once known, else crm-svc and speech-svc) →
//! `call.started` stored by the bus → TwiML. crm-svc turns each `call.started` into a Call row
//! and a lead in the background, on the same machine, during the run.
//!
//! A plain `main`: a closed-loop load generator on loopback (`agentlocator_bench::load`),
//! `CONCURRENCY` connections; each request a new CallSid from one of 200 callers, signed with an
//! example auth token. `ROUNDS` rounds of `ROUND_SECS` for each side (ceiling, stack, ceiling,
//! stack, …) after a warm-up of both, so the two share the machine's state. Prints requests/s and
//! p50/p90/p99/max of each, the ratio, and pass/fail against issue 21's targets (≥ 40% of the
//! ceiling's requests/s, p99 < 5 ms at 16 connections).
//!
//! ```sh
//! cargo bench -p agentlocator-bench --bench voice_webhooks
//! BENCH_BACKEND=postgres cargo bench -p agentlocator-bench --bench voice_webhooks   # PostgreSQL + NATS
//! VOICE_DIRECTORY_TTL_SECONDS=0 cargo bench -p agentlocator-bench --bench voice_webhooks   # no directory
//! ```
//! Environment: `CONCURRENCY` (16), `ROUND_SECS` (5), `ROUNDS` (3), `BENCH_BACKEND` (`sqlite` =
//! SQLite + in-process bus, default; `postgres` = PostgreSQL + NATS JetStream), and
//! `VOICE_DIRECTORY_TTL_SECONDS`, passed to voice-svc.
//!
//! What is simulated: Twilio (the requests, signed here) and the TTS provider (a loopback
//! OpenAI-compatible server answering an MP3 tone; the greeting is synthesised once and then
//! served from speech-svc's cache, as in production).

use agentlocator_bench::{
    ceiling::{self, Ceiling},
    load::{self, Report},
};
use agentlocator_tests::{Bus, Db, TestEnv, TestStack};
use std::{net::SocketAddr, time::Duration};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

// Example values in Twilio's documented formats, not credentials.
const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef"; // example value
const AUTH_TOKEN: &str = "example-twilio-auth-token";
const PUBLIC_BASE_URL: &str = "http://127.0.0.1:8080";
const BUSINESS_NUMBER: &str = "+97235550111";
const PATH: &str = "/webhook/incoming_call";
/// Issue 21's targets at 16 connections.
const TARGET_RATIO: f64 = 0.40;
const TARGET_P99: Duration = Duration::from_millis(5);

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The form of call `n` and its signature.
fn call(n: u64) -> (String, String) {
    let params: Vec<(String, String)> = [
        ("AccountSid", ACCOUNT_SID.to_string()),
        ("CallSid", format!("CA{n:032x}")),
        ("From", format!("+97250{:07}", 1_000_000 + n % 200)),
        ("To", BUSINESS_NUMBER.to_string()),
        ("CallStatus", "ringing".to_string()),
        ("Direction", "inbound".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let sig = voice_svc::twilio_signature::compute(
        AUTH_TOKEN,
        &format!("{PUBLIC_BASE_URL}{PATH}"),
        &params,
    );
    let body = serde_urlencoded::to_string(&params).expect("form");
    (body, sig)
}

fn request(addr: SocketAddr) -> impl Fn(u64) -> load::Request + Send + Sync + 'static {
    let host = addr.to_string();
    move |n| {
        let (body, sig) = call(n);
        load::post_form(&host, PATH, &[("x-twilio-signature", &sig)], &body)
    }
}

/// Half a second of a tone as MP3: what the loopback TTS answers.
fn tone_mp3() -> Vec<u8> {
    use mp3lame_encoder::{Builder, FlushNoGap, MonoPcm};
    let mut b = Builder::new().expect("LAME");
    b.set_num_channels(1).unwrap();
    b.set_sample_rate(8_000).unwrap();
    b.set_brate(mp3lame_encoder::Bitrate::Kbps32).unwrap();
    let mut enc = b.build().unwrap();
    let pcm: Vec<i16> = (0..4_000)
        .map(|i| ((i as f32 * 440.0 * std::f32::consts::TAU / 8_000.0).sin() * 8_000.0) as i16)
        .collect();
    let mut out = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(pcm.len()));
    enc.encode_to_vec(MonoPcm(&pcm), &mut out).unwrap();
    enc.flush_to_vec::<FlushNoGap>(&mut out).unwrap();
    out
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let concurrency = env_num("CONCURRENCY", 16) as usize;
    let round = Duration::from_secs(env_num("ROUND_SECS", 5));
    let rounds = env_num("ROUNDS", 3);
    let postgres = std::env::var("BENCH_BACKEND").is_ok_and(|b| b == "postgres");
    let (db, bus) = if postgres {
        (Db::Postgres, Bus::Nats)
    } else {
        (Db::Sqlite, Bus::Memory)
    };

    let tts = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/mpeg")
                .set_body_bytes(tone_mp3()),
        )
        .mount(&tts)
        .await;

    let mut env = TestEnv::new(db, bus);
    for (k, v) in [
        ("NOTIFY_SVC_HTTP_ADDR", "127.0.0.1:0".to_string()),
        ("TWILIO_ACCOUNT_SID", ACCOUNT_SID.into()),
        ("TWILIO_AUTH_TOKEN", AUTH_TOKEN.into()),
        ("TTS_ENGINE", "openai".into()),
        ("OPENAI_API_KEY", "sk-example-not-a-key".into()), // example value
        ("OPENAI_BASE_URL", tts.uri()),
        ("RUST_LOG", "warn".into()),
    ] {
        env.vars.insert(k.into(), v);
    }
    let directory_ttl = std::env::var("VOICE_DIRECTORY_TTL_SECONDS").ok();
    if let Some(ttl) = &directory_ttl {
        env.vars
            .insert("VOICE_DIRECTORY_TTL_SECONDS".into(), ttl.clone());
    }
    let stack = TestStack::start_in(env).await;
    {
        use crm_svc::businesses::queries::{self as business, Business};
        let db = stack.db().await;
        let mut b = Business::new(
            "עסק למדידה",
            format!("bench-{}", uuid::Uuid::now_v7().simple()),
        );
        b.twilio_numbers = format!("[\"{BUSINESS_NUMBER}\"]");
        b.greeting_text = "שלום, הגעתם לעסק. במה אפשר לעזור?".into();
        db.run(move |conn| business::insert(conn, &b))
            .await
            .expect("business");
    }
    let gateway = stack.config.http_addr;

    // The stack's answer (the greeting synthesised the first time) is the ceiling's TwiML.
    let (body, sig) = call(u64::MAX);
    let res = reqwest::Client::new()
        .post(stack.url(PATH))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("X-Twilio-Signature", sig)
        .body(body)
        .send()
        .await
        .expect("first call");
    assert_eq!(res.status(), 200);
    let twiml = res.text().await.expect("TwiML");
    assert!(twiml.contains("<Play>"), "no greeting audio: {twiml}");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("ceiling listener");
    let ceiling_addr = listener.local_addr().unwrap();
    let server = ceiling::serve(
        Ceiling {
            auth_token: AUTH_TOKEN.into(),
            public_base_url: PUBLIC_BASE_URL.into(),
            twiml,
        },
        listener,
    )
    .expect("ceiling server");
    let ceiling_handle = server.handle();
    let serving = tokio::spawn(server);

    // Warm-up of both (connections, caches, the allocator), not counted.
    let warm = Duration::from_secs(1);
    load::run(ceiling_addr, concurrency, warm, 200, request(ceiling_addr)).await;
    load::run(gateway, concurrency, warm, 200, request(gateway)).await;

    let (mut top, mut through) = (Report::default(), Report::default());
    for _ in 0..rounds {
        top = top
            .merge(load::run(ceiling_addr, concurrency, round, 200, request(ceiling_addr)).await);
        through =
            through.merge(load::run(gateway, concurrency, round, 200, request(gateway)).await);
    }

    let backend = if postgres {
        "PostgreSQL + NATS JetStream"
    } else {
        "SQLite + in-process bus"
    };
    let ratio = through.per_second() / top.per_second();
    println!(
        "voice_webhooks: signed POST {PATH}, {backend}, {concurrency} connections, {rounds} rounds of {} s each, VOICE_DIRECTORY_TTL_SECONDS {}",
        round.as_secs(),
        directory_ttl.as_deref().unwrap_or("unset (30)")
    );
    println!(
        "  ceiling (bare actix-web, same HMAC check, static TwiML): {}",
        top.summary()
    );
    println!(
        "  through the stack (gateway → voice-svc → bus):          {}",
        through.summary()
    );
    println!(
        "  ratio {:.1}% of the ceiling's requests/s: {} (target ≥ {:.0}%); p99 {:.2} ms: {} (target < {} ms)",
        ratio * 100.0,
        pass(ratio >= TARGET_RATIO),
        TARGET_RATIO * 100.0,
        through.quantile(0.99).as_secs_f64() * 1e3,
        pass(through.quantile(0.99) < TARGET_P99),
        TARGET_P99.as_millis(),
    );
    ceiling_handle.stop(true).await;
    let _ = serving.await;
    stack.stop().await.unwrap();
}
