//! Live-notification fan-out under a burst (issue 7): 500 WhatsApp events published to the bus
//! as fast as it takes them, half for each of two businesses, each business with two stock
//! socket.io-clients connected through the gateway. Checks that every client gets each of its
//! business's events exactly once, in order, and none of the other's; reports event→client
//! latency (publish call → the client's `whatsapp:message` handler, same machine clock).
//!
//! `cargo bench -p agentlocator-bench --bench notify_fanout` (PostgreSQL + NATS JetStream, as in
//! production; the Node clients come from `make test-clients`). A plain `main`.

use agentlocator_common::bus::{EventBus, NatsBus};
use agentlocator_tests::{
    Bus, Db, TestStack, nats_url,
    socketio::{SocketIoClient, Transports},
    whatsapp_received,
};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const EVENTS: usize = 500;
const CLIENTS_PER_BUSINESS: usize = 2;

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let stack = TestStack::start(Db::Postgres, Bus::Nats).await;
    let crm = stack.db().await;
    let mut businesses = Vec::new();
    for name in ["עסק א", "עסק ב"] {
        businesses.push(
            crm_svc::test_support::create_business(&crm, name)
                .await
                .id
                .as_str()
                .to_string(),
        );
    }
    let mut clients = Vec::new();
    for (b, business) in businesses.iter().enumerate() {
        let token = stack.sign_in(business, "agent").await;
        for _ in 0..CLIENTS_PER_BUSINESS {
            let mut c = SocketIoClient::start(&stack.http, Some(&token), Transports::WebSocket);
            c.expect("connect", Duration::from_secs(10)).await;
            clients.push((b, c));
        }
    }
    let bus = NatsBus::connect(&nats_url(), &stack.env.nats_root)
        .await
        .expect("NATS");
    // The fan-out consumers are created as notify-svc starts; give them a moment to be in place.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Event n belongs to business n % 2; its provider message id carries n.
    let events: Vec<_> = (0..EVENTS)
        .map(|n| whatsapp_received(&businesses[n % 2], n))
        .collect();
    let mut published_at = vec![0.0; EVENTS];
    let start = now_ms();
    for (n, e) in events.iter().enumerate() {
        published_at[n] = now_ms();
        bus.publish(e).await.expect("publish");
    }
    let publish_ms = now_ms() - start;

    let mut latencies = Vec::with_capacity(EVENTS * CLIENTS_PER_BUSINESS);
    for (b, client) in clients.iter_mut() {
        let expected: Vec<usize> = (0..EVENTS).filter(|n| n % 2 == *b).collect();
        let mut got = Vec::with_capacity(expected.len());
        while got.len() < expected.len() {
            let v = client
                .next(Duration::from_secs(30))
                .await
                .unwrap_or_else(|| {
                    panic!(
                        "client of business {b}: {} of {} events",
                        got.len(),
                        expected.len()
                    )
                });
            if v["type"] != "event" || v["event"] != "whatsapp:message" {
                continue;
            }
            let id = v["data"]["message_id"].as_str().unwrap();
            let n: usize = id.trim_start_matches("WAMID-").parse().unwrap();
            latencies.push(v["at"].as_f64().unwrap() - published_at[n]);
            got.push(n);
        }
        assert_eq!(
            got, expected,
            "business {b}: each of its events once, in order"
        );
        let extra = client.events_within(Duration::from_millis(500)).await;
        assert!(extra.is_empty(), "business {b}: unexpected {extra:?}");
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    println!(
        "notify_fanout: {EVENTS} events, {} clients ({CLIENTS_PER_BUSINESS} per business), \
         published in {publish_ms:.0} ms; event→client latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms \
         ({} deliveries, all once and in order)",
        clients.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().unwrap(),
        latencies.len()
    );
    for (_, c) in clients {
        c.close().await;
    }
    stack.stop().await.expect("stack stops");
}
