//! Webhook latency and throughput of `POST /webhook/incoming_call`, signed as Twilio signs it,
//! through the whole stack (gateway → voice-svc → crm-svc business lookup → speech-svc greeting
//! from the TTS cache → `call.started` on the bus, which crm-svc turns into a Call row and a lead).
//!
//! A plain `main`: a closed-loop load generator on loopback, `CONCURRENCY` clients for
//! `DURATION_SECS`, each request a new CallSid from one of 200 callers. Prints p50/p90/p99/max
//! and requests per second.
//!
//! ```sh
//! cargo bench -p agentlocator-bench --bench voice_webhooks
//! BENCH_BACKEND=postgres cargo bench -p agentlocator-bench --bench voice_webhooks   # PostgreSQL + NATS
//! ```
//! Environment: `CONCURRENCY` (default 16), `DURATION_SECS` (default 15), `BENCH_BACKEND`
//! (`sqlite` = SQLite + in-process bus, default; `postgres` = PostgreSQL + NATS JetStream).

use agentlocator_tests::{Bus, Db, TestEnv, TestStack};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

// Example values in Twilio's documented formats, not credentials.
const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef"; // example value
const AUTH_TOKEN: &str = "example-twilio-auth-token";
const PUBLIC_BASE_URL: &str = "http://127.0.0.1:8080";
const BUSINESS_NUMBER: &str = "+97235550111";
const PATH: &str = "/webhook/incoming_call";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn form(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            let enc = |s: &str| {
                s.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                            (b as char).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect::<String>()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn request(n: u64) -> (String, String) {
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
    (form(&params), sig)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let concurrency = env_num("CONCURRENCY", 16);
    let duration = Duration::from_secs(env_num("DURATION_SECS", 15));
    let postgres = std::env::var("BENCH_BACKEND").is_ok_and(|b| b == "postgres");
    let (db, bus) = if postgres {
        (Db::Postgres, Bus::Nats)
    } else {
        (Db::Sqlite, Bus::Memory)
    };
    let mut env = TestEnv::new(db, bus);
    env.vars
        .entry("NOTIFY_SVC_HTTP_ADDR".into())
        .or_insert_with(|| "127.0.0.1:0".into());
    env.vars
        .insert("TWILIO_ACCOUNT_SID".into(), ACCOUNT_SID.into());
    env.vars
        .insert("TWILIO_AUTH_TOKEN".into(), AUTH_TOKEN.into());
    env.vars.insert("RUST_LOG".into(), "warn".into());
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
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency as usize)
        .build()
        .unwrap();
    let url = stack.url(PATH);
    // Warm-up: the greeting's synthesis (first time only) and connections.
    for n in 0..concurrency {
        let (body, sig) = request(u64::MAX - n);
        let res = client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("X-Twilio-Signature", sig)
            .body(body)
            .send()
            .await
            .expect("warm-up");
        assert_eq!(
            res.status(),
            200,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }

    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, url, counter) = (client.clone(), url.clone(), counter.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let (body, sig) = request(counter.fetch_add(1, Ordering::Relaxed));
                let t = Instant::now();
                let res = client
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("X-Twilio-Signature", sig)
                    .body(body)
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == 200 => {
                        let _ = r.bytes().await;
                        latencies.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.await.unwrap();
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    all.sort();
    println!(
        "voice_webhooks incoming_call (signed), {} backend, concurrency {concurrency}, {:.1} s",
        if postgres {
            "PostgreSQL + NATS"
        } else {
            "SQLite + in-process bus"
        },
        elapsed.as_secs_f64()
    );
    println!(
        "  requests {} ok, {errors} failed; {:.0} req/s",
        all.len(),
        all.len() as f64 / elapsed.as_secs_f64()
    );
    if !all.is_empty() {
        println!(
            "  latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            percentile(&all, 0.50).as_secs_f64() * 1e3,
            percentile(&all, 0.90).as_secs_f64() * 1e3,
            percentile(&all, 0.99).as_secs_f64() * 1e3,
            all.last().unwrap().as_secs_f64() * 1e3,
        );
    }
    stack.stop().await.unwrap();
}
