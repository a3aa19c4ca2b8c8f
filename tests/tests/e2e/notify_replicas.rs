//! Two notify-svc replicas on one NATS JetStream: every replica emits every event to the browsers
//! connected to it (fan-out), while Web Push goes out once per event (one shared consumer).

use agentlocator_common::bus::{EventBus, NatsBus};
use agentlocator_tests::{
    Api, Bus, Db, TestStack, nats_url,
    socketio::{SocketIoClient, Transports},
    whatsapp_received,
};
use serde_json::json;
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use tokio_util::sync::CancellationToken;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers};

const WAIT: Duration = Duration::from_secs(10);

/// Counts pushes (the decryption and signature checks are notify_webpush's).
struct Counter(Arc<AtomicUsize>);

impl Respond for Counter {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(201)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_replica_emits_every_event_and_push_goes_out_once() {
    let stack = TestStack::start(Db::Postgres, Bus::Nats).await;
    let crm = stack.db().await;
    let business = crm_svc::test_support::create_business(&crm, "עסק").await;
    let business_id = business.id.as_str().to_string();
    let token = stack.sign_in(&business_id, "agent").await;

    // A second notify-svc replica on the same stream.
    let stop = CancellationToken::new();
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let replica_url = format!("http://{}", http.local_addr().unwrap());
    let bus = Arc::new(
        NatsBus::connect(&nats_url(), &stack.env.nats_root)
            .await
            .expect("NATS"),
    );
    let replica = tokio::spawn(notify_svc::run(
        stack.config.clone(),
        notify_svc::Listeners { grpc, http },
        bus.clone(),
        stop.clone(),
    ));

    // A browser on each replica (the first through the gateway), and one push subscription.
    let mut on_first = SocketIoClient::start(&stack.http, Some(&token), Transports::WebSocket);
    let mut on_second = SocketIoClient::start(&replica_url, Some(&token), Transports::WebSocket);
    on_first.expect("connect", WAIT).await;
    on_second.expect("connect", WAIT).await;
    let pushes = Arc::new(AtomicUsize::new(0));
    let server = MockServer::start().await;
    Mock::given(matchers::method("POST"))
        .respond_with(Counter(pushes.clone()))
        .mount(&server)
        .await;
    let (browser, auth) = ece::generate_keypair_and_auth_secret().unwrap();
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let (status, body) = Api::new(&stack, Some(token.clone()))
        .post(
            "/api/push/subscribe",
            json!({"endpoint": format!("{}/push/1", server.uri()),
                   "keys": {"p256dh": b64(&browser.pub_as_raw().unwrap()), "auth": b64(&auth)}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let event = whatsapp_received(&business_id, 7);
    bus.publish(&event).await.unwrap();
    // The message also files its inbox conversation (crm-svc → `inbox:updated`) and makes its
    // sender a lead (`customer:changed`), in any order.
    let mut side_events = [(0usize, 0usize); 2];
    for (client, (inbox, customer)) in [&mut on_first, &mut on_second]
        .into_iter()
        .zip(side_events.iter_mut())
    {
        let got = loop {
            let got = client.expect("event", WAIT).await;
            match got["event"].as_str() {
                Some("inbox:updated") => *inbox += 1,
                Some("customer:changed") => *customer += 1,
                _ => break got,
            }
        };
        assert_eq!(got["event"], "whatsapp:message", "{got}");
        assert_eq!(got["data"]["message_id"], "WAMID-000007");
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while pushes.load(Ordering::SeqCst) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no push");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Quiet period: a second replica pushing too, or a second emission, would show now. The
    // message also files its inbox conversation and makes its sender a new lead: one
    // `inbox:updated` and one `customer:changed` each, no more.
    for (client, (inbox, customer)) in [&mut on_first, &mut on_second].into_iter().zip(side_events)
    {
        let more = client.events_within(Duration::from_secs(2)).await;
        let count = |event: &str| more.iter().filter(|e| e["event"] == event).count();
        let other = more.len() - count("inbox:updated") - count("customer:changed");
        assert_eq!(other, 0, "{more:?}");
        assert!(inbox + count("inbox:updated") <= 1, "{more:?}");
        assert!(customer + count("customer:changed") <= 1, "{more:?}");
    }
    assert_eq!(
        pushes.load(Ordering::SeqCst),
        1,
        "pushed once across replicas"
    );

    on_first.close().await;
    on_second.close().await;
    stop.cancel();
    replica.await.unwrap().expect("replica stops cleanly");
    stack.stop().await.expect("stack stops cleanly");
}
