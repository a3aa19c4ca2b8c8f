//! Balancing over a service name's addresses: requests reach every address the name resolves to,
//! an address that leaves stops getting requests, and a name that does not resolve is dialled as is.

use agentlocator_common::dns_balance::{balanced, is_named};
use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// A gRPC health server on a loopback port that counts the requests it gets.
async fn server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let (_reporter, health) = tonic_health::server::health_reporter();
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .layer(tonic::service::InterceptorLayer::new(
                move |req: tonic::Request<()>| {
                    counter.fetch_add(1, Ordering::SeqCst);
                    Ok(req)
                },
            ))
            .add_service(health)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    (addr, count)
}

type Resolved = Arc<Mutex<std::io::Result<Vec<SocketAddr>>>>;

fn channel(uri: &str, resolved: &Resolved) -> tonic::transport::Channel {
    let resolved = resolved.clone();
    balanced(
        uri.parse().unwrap(),
        |e| e.timeout(Duration::from_secs(5)),
        move || {
            let answer = match &*resolved.lock().unwrap() {
                Ok(a) => Ok(a.clone()),
                Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
            };
            async move { answer }
        },
        Duration::from_millis(50),
    )
}

async fn call(client: &mut HealthClient<tonic::transport::Channel>) {
    client
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health check");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_spread_over_the_addresses_and_follow_changes() {
    let (a, a_count) = server().await;
    let (b, b_count) = server().await;
    let resolved: Resolved = Arc::new(Mutex::new(Ok(vec![a, b])));
    let mut client = HealthClient::new(channel("http://crm-svc.test:50051", &resolved));

    for _ in 0..60 {
        call(&mut client).await;
    }
    let (on_a, on_b) = (
        a_count.load(Ordering::SeqCst),
        b_count.load(Ordering::SeqCst),
    );
    assert_eq!(on_a + on_b, 60);
    assert!(
        on_a > 0 && on_b > 0,
        "both replicas get requests: {on_a} / {on_b}"
    );

    // B leaves: once the name is resolved again, B gets nothing more.
    *resolved.lock().unwrap() = Ok(vec![a]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut quiet = 0;
    while quiet < 20 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "B still gets requests"
        );
        let before = b_count.load(Ordering::SeqCst);
        call(&mut client).await;
        quiet = if b_count.load(Ordering::SeqCst) == before {
            quiet + 1
        } else {
            0
        };
    }
    let (a_before, b_before) = (
        a_count.load(Ordering::SeqCst),
        b_count.load(Ordering::SeqCst),
    );
    for _ in 0..30 {
        call(&mut client).await;
    }
    assert_eq!(b_count.load(Ordering::SeqCst), b_before);
    assert_eq!(a_count.load(Ordering::SeqCst), a_before + 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_that_does_not_resolve_is_dialled_as_it_is() {
    let (a, a_count) = server().await;
    let resolved: Resolved = Arc::new(Mutex::new(Err(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "no such host",
    ))));
    // The "name" here is the server's own address, so dialling it as is reaches it.
    let mut client = HealthClient::new(channel(&format!("http://{a}"), &resolved));
    for _ in 0..5 {
        call(&mut client).await;
    }
    assert_eq!(a_count.load(Ordering::SeqCst), 5);
}

#[test]
fn only_host_names_are_resolved() {
    let named = |u: &str| is_named(&u.parse().unwrap());
    assert!(named("http://crm-svc:50051"));
    assert!(named("http://crm-svc.agentlocator.svc.cluster.local:50051"));
    assert!(!named("http://127.0.0.1:50051"));
    assert!(!named("http://[::1]:50051"));
    assert!(!named("http://localhost:50051"));
}
