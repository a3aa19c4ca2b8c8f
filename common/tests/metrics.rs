//! `/metrics` after real work: gRPC requests counted with their status codes, bus events counted
//! by consumer and outcome, the JetStream backlog gauge, and a scrape that parses as the
//! Prometheus text format. The recorder is per process, so every check compares a scrape before
//! with one after (other tests in the same process only ever add).

use agentlocator_common::{
    bus::{ConsumerSpec, Delivery, EventBus, MemoryBus, NatsBus, Subscription},
    grpc,
    metrics::{self, text},
};
use agentlocator_proto::{
    Event, new_event,
    v1::{TaskEvent, TaskEventKind, event::Payload},
};
use futures::StreamExt;
use std::{convert::Infallible, net::SocketAddr, time::Duration};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};
use tokio_util::sync::CancellationToken;
use tonic::server::NamedService;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

const WAIT: Duration = Duration::from_secs(10);

/// Starts the metrics listener on a free loopback port.
async fn metrics_server(stop: &CancellationToken) -> SocketAddr {
    metrics::install();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(metrics::serve(listener, stop.clone()));
    addr
}

/// `GET path` over plain HTTP/1.1: status line, headers, body.
async fn get(addr: SocketAddr, path: &str) -> (String, String, String) {
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, conn.read_to_end(&mut raw))
        .await
        .expect("the metrics listener answers")
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_string(), headers.to_lowercase(), body.to_string())
}

/// A scrape, checked to be well-formed text format.
async fn scrape(addr: SocketAddr) -> Vec<text::Sample> {
    let (status, headers, body) = get(addr, "/metrics").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(
        headers.contains("content-type: text/plain; version=0.0.4"),
        "{headers}"
    );
    text::parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"))
}

/// A service that is served but never called; health checks go to the health service
/// `grpc::serve` adds next to it.
#[derive(Clone)]
struct Idle;

impl tonic::server::NamedService for Idle {
    const NAME: &'static str = "agentlocator.test.Idle";
}

impl tower_service::Service<http::Request<tonic::body::Body>> for Idle {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self::Response, Infallible>>;
    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn call(&mut self, _: http::Request<tonic::body::Body>) -> Self::Future {
        std::future::ready(Ok(tonic::Status::unimplemented("idle").into_http()))
    }
}

const HEALTH: &str = "grpc.health.v1.Health";

fn grpc_count(samples: &[text::Sample], method: &str, code: &str) -> f64 {
    text::sum(
        samples,
        "grpc_server_requests_total",
        &[("service", HEALTH), ("method", method), ("code", code)],
    )
}

#[tokio::test]
async fn grpc_requests_are_counted_with_their_codes() {
    let stop = CancellationToken::new();
    let metrics_addr = metrics_server(&stop).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc_addr = listener.local_addr().unwrap();
    tokio::spawn(grpc::serve(listener, Idle, stop.clone()));

    let before = scrape(metrics_addr).await;
    let channel = tonic::transport::Channel::from_shared(format!("http://{grpc_addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel);
    // OK travels in the trailers of a normal response.
    for _ in 0..2 {
        health
            .check(HealthCheckRequest {
                service: Idle::NAME.into(),
            })
            .await
            .expect("the served service is SERVING");
    }
    // NotFound travels in the headers of a trailers-only response.
    let unknown = health
        .check(HealthCheckRequest {
            service: "no.such.Service".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);

    let after = scrape(metrics_addr).await;
    assert_eq!(
        grpc_count(&after, "Check", "OK") - grpc_count(&before, "Check", "OK"),
        2.0
    );
    assert_eq!(
        grpc_count(&after, "Check", "NotFound") - grpc_count(&before, "Check", "NotFound"),
        1.0
    );
    // The histogram: cumulative buckets up to +Inf, a count per call, a sum.
    let count = |s: &[text::Sample], name: &str, le: Option<&str>| {
        let mut labels = vec![("service", HEALTH), ("method", "Check")];
        if let Some(le) = le {
            labels.push(("le", le));
        }
        text::sum(s, name, &labels)
    };
    assert_eq!(
        count(&after, "grpc_server_duration_seconds_count", None)
            - count(&before, "grpc_server_duration_seconds_count", None),
        3.0
    );
    assert_eq!(
        count(&after, "grpc_server_duration_seconds_bucket", Some("+Inf")),
        count(&after, "grpc_server_duration_seconds_count", None)
    );
    assert!(count(&after, "grpc_server_duration_seconds_bucket", Some("30")) > 0.0);
    assert!(count(&after, "grpc_server_duration_seconds_sum", None) > 0.0);
    // Each series is typed once, with the type Prometheus expects.
    let (_, _, body) = get(metrics_addr, "/metrics").await;
    assert!(body.contains("# TYPE grpc_server_requests_total counter"));
    assert!(body.contains("# TYPE grpc_server_duration_seconds histogram"));
    stop.cancel();
}

#[tokio::test]
async fn the_metrics_listener_serves_only_metrics() {
    let stop = CancellationToken::new();
    let addr = metrics_server(&stop).await;
    let (status, _, _) = get(addr, "/").await;
    assert!(status.starts_with("HTTP/1.1 404"), "{status}");
    let (status, _, _) = get(addr, "/metrics/../secrets").await;
    assert!(status.starts_with("HTTP/1.1 404"), "{status}");
    stop.cancel();
}

fn task_event(business: &str) -> Event {
    new_event(
        business,
        Payload::Task(TaskEvent {
            kind: TaskEventKind::Created as i32,
            title: "metrics".into(),
            ..Default::default()
        }),
    )
}

async fn next(sub: &mut Subscription) -> Delivery {
    tokio::time::timeout(WAIT, sub.next())
        .await
        .expect("a delivery")
        .unwrap()
        .unwrap()
}

fn handled(samples: &[text::Sample], consumer: &str, outcome: &str) -> f64 {
    text::sum(
        samples,
        "bus_events_handled_total",
        &[("consumer", consumer), ("outcome", outcome)],
    )
}

#[tokio::test]
async fn bus_events_are_counted_by_consumer_and_outcome() {
    let stop = CancellationToken::new();
    let addr = metrics_server(&stop).await;
    let consumer = format!("metrics-{}", uuid::Uuid::now_v7().simple());
    let before = scrape(addr).await;

    let bus = MemoryBus::new("al");
    let mut sub = bus
        .subscribe(ConsumerSpec::new(consumer.clone(), ">"))
        .await
        .unwrap();
    bus.publish(&task_event("b1")).await.unwrap();
    bus.publish(&task_event("b1")).await.unwrap();
    next(&mut sub).await.ack().await.unwrap();
    next(&mut sub).await.nak(None);
    drop(next(&mut sub).await); // redelivered, then dropped unsettled
    next(&mut sub).await.ack().await.unwrap();

    let after = scrape(addr).await;
    assert_eq!(
        handled(&after, &consumer, "ok") - handled(&before, &consumer, "ok"),
        2.0
    );
    assert_eq!(handled(&after, &consumer, "retried"), 1.0);
    assert_eq!(handled(&after, &consumer, "abandoned"), 1.0);

    // Fan-out subscriptions are one series per kind, not one per subscriber.
    assert_eq!(
        ConsumerSpec::fan_out("notify-live", ">").metric_label(),
        "notify-live"
    );
    assert_eq!(ConsumerSpec::new("crm-svc", ">").metric_label(), "crm-svc");
    stop.cancel();
}

#[tokio::test]
async fn jetstream_backlog_is_a_gauge_per_consumer() {
    let stop = CancellationToken::new();
    let addr = metrics_server(&stop).await;
    let url = std::env::var("AL_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let root = format!("m{}", uuid::Uuid::now_v7().simple());
    let bus = NatsBus::connect(&url, &root)
        .await
        .unwrap_or_else(|e| panic!("NATS must be running for this test ({url}): {e}"));
    for _ in 0..3 {
        bus.publish(&task_event("b1")).await.unwrap();
    }
    let consumer = format!("metrics-{}", uuid::Uuid::now_v7().simple());
    // A new durable consumer starts at the oldest event: three are waiting for it.
    let mut sub = bus
        .subscribe(ConsumerSpec::new(consumer.clone(), ">"))
        .await
        .unwrap();
    let samples = scrape(addr).await;
    let pending = samples
        .iter()
        .find(|s| s.name == "bus_consumer_pending" && s.label("consumer") == Some(&consumer))
        .expect("a backlog gauge for the consumer");
    assert_eq!(pending.value, 3.0);

    next(&mut sub).await.ack().await.unwrap();
    assert_eq!(handled(&scrape(addr).await, &consumer, "ok"), 1.0);

    drop(sub);
    let js = async_nats::jetstream::new(async_nats::connect(&url).await.unwrap());
    let _ = js.delete_stream(bus.stream_name()).await;
    stop.cancel();
}
