//! Two whatsapp-bridge replicas on one PostgreSQL (and NATS JetStream), each with its own loopback
//! sidecar: the sidecar of replica A holds a business's session lease, so a send arriving at
//! replica B is forwarded to A and reaches A's sidecar exactly once (B's never); a call already
//! forwarded is answered where it lands (one hop); with no holder, a start stays local.

use agentlocator::Service;
use agentlocator_common::Config;
use agentlocator_proto::v1::{self as pb, whats_app_service_client::WhatsAppServiceClient};
use agentlocator_tests::{Bus, Db, TestEnv, TestStack, count_whatsapp_messages, wait_for_count};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

const SECRET: &str = "bridge-secret-for-tests-0123456789";

type Client = WhatsAppServiceClient<tonic::transport::Channel>;

/// One replica as its own process would run (`agentlocator serve whatsapp-bridge`): its gRPC port,
/// advertised at that loopback address, its own sidecar, the stack's crm-svc and stream.
async fn replica(
    stack: &TestStack,
    sidecar: &MockServer,
    stop: &CancellationToken,
) -> (String, Client, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut vars = stack.env.vars.clone();
    for (k, v) in [
        ("WHATSAPP_BRIDGE_GRPC_ADDR", format!("127.0.0.1:{port}")),
        ("WA_BRIDGE_ADVERTISE_URL", url.clone()),
        ("WA_SIDECAR_URL", sidecar.uri()),
        ("CRM_SVC_URL", stack.config.services.crm.url.clone()),
    ] {
        vars.insert(k.into(), v);
    }
    let config = Config::from_map(&vars).expect("replica configuration");
    let running = tokio::spawn(agentlocator::serve(
        Service::WhatsappBridge,
        config,
        stop.clone(),
    ));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let client = loop {
        if let Ok(mut c) = Client::connect(url.clone()).await
            && c.info(pb::ServiceInfoRequest {}).await.is_ok()
        {
            break c;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "replica at {url} not up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    (url, client, running)
}

/// An auth-store call as the sidecar makes it (through whichever replica the gateway picks).
async fn auth(client: &mut Client, body: Value) -> Value {
    let answer = client
        .sidecar_auth_state(pb::SidecarRequest {
            secret: SECRET.into(),
            body: body.to_string().into_bytes(),
        })
        .await
        .expect("auth op")
        .into_inner();
    serde_json::from_slice(&answer.body).unwrap()
}

async fn requests_to(sidecar: &MockServer, method_name: &str, p: &str) -> usize {
    sidecar
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == method_name && r.url.path() == p)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_through_another_replica_reaches_the_holder_once_postgres_nats() {
    let mut env = TestEnv::new(Db::Postgres, Bus::Nats);
    env.vars.insert("WA_BRIDGE_SECRET".into(), SECRET.into());
    let stack = TestStack::start_in(env).await;
    let business = stack.demo_business().await;
    let db = stack.db().await;
    let other = crm_svc::test_support::create_business(&db, "עסק בלי מחזיק")
        .await
        .id
        .as_str()
        .to_string();

    let (sidecar_a, sidecar_b) = (MockServer::start().await, MockServer::start().await);
    let stop = CancellationToken::new();
    let (a_url, mut a, running_a) = replica(&stack, &sidecar_a, &stop).await;
    let (_b_url, mut b, running_b) = replica(&stack, &sidecar_b, &stop).await;

    // A's sidecar takes the lease; its call happens to reach replica B.
    let lease = auth(
        &mut b,
        json!({"op": "lease", "business_id": business, "holder": "sidecar-a",
               "holder_addr": a_url, "ttl_ms": 60_000}),
    )
    .await;
    assert_eq!(lease["granted"], true, "{lease}");
    let refused = auth(
        &mut a,
        json!({"op": "lease", "business_id": business, "holder": "sidecar-b",
               "holder_addr": "http://127.0.0.1:1", "ttl_ms": 60_000}),
    )
    .await;
    assert_eq!(
        (&refused["granted"], &refused["holder"]),
        (&json!(false), &json!("sidecar-a"))
    );

    let messages = format!("/sessions/{business}/messages");
    for (sidecar, id) in [(&sidecar_a, "3EB0-FROM-A"), (&sidecar_b, "3EB0-FROM-B")] {
        Mock::given(method("POST"))
            .and(path(messages.clone()))
            .and(header("x-bridge-secret", SECRET))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"id": id, "jid": "972547770001@s.whatsapp.net"})),
            )
            .mount(sidecar)
            .await;
    }
    for (sidecar, state, reason) in [
        (&sidecar_a, "open", Value::Null),
        (&sidecar_b, "closed", json!("held_elsewhere")),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/sessions/{business}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "business_id": business, "state": state, "reason": reason, "qr": null, "me": null})))
            .mount(sidecar)
            .await;
    }
    let before = count_whatsapp_messages(&db, &business).await;

    // The send through B reaches A's sidecar, once; B's sidecar sees nothing.
    let sent = b
        .send_text(pb::SendTextRequest {
            business_id: business.clone(),
            to: "054-777-0001".into(),
            text: "שלום מהרפליקה השנייה".into(),
            idempotency_key: String::new(),
        })
        .await
        .expect("send through B")
        .into_inner();
    assert_eq!(sent.provider_message_id, "3EB0-FROM-A");
    assert_eq!(requests_to(&sidecar_a, "POST", &messages).await, 1);
    assert_eq!(requests_to(&sidecar_b, "POST", &messages).await, 0);
    // The holder published the sent message once: one outbound row.
    assert_eq!(
        wait_for_count(before + 1, Duration::from_secs(20), || {
            count_whatsapp_messages(&db, &business)
        })
        .await,
        before + 1
    );

    // The session state comes from the holder too.
    let state = b
        .get_session(pb::SessionRequest {
            business_id: business.clone(),
        })
        .await
        .expect("state through B")
        .into_inner();
    assert_eq!(state.state, "open");

    // A call another replica already forwarded is answered where it lands, never forwarded again.
    let mut forwarded = tonic::Request::new(pb::SessionRequest {
        business_id: business.clone(),
    });
    forwarded
        .metadata_mut()
        .insert("x-al-forwarded-by", "some-replica".parse().unwrap());
    let state = b.get_session(forwarded).await.unwrap().into_inner();
    assert_eq!(
        (state.state.as_str(), state.reason.as_str()),
        ("closed", "held_elsewhere"),
        "B's own sidecar answered"
    );
    assert_eq!(
        requests_to(&sidecar_a, "GET", &format!("/sessions/{business}")).await,
        1
    );

    // A business nobody holds: StartSession stays on the replica it reached.
    for sidecar in [&sidecar_a, &sidecar_b] {
        Mock::given(method("POST"))
            .and(path(format!("/sessions/{other}/start")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "business_id": other, "state": "connecting", "reason": null, "qr": null, "me": null})))
            .mount(sidecar)
            .await;
    }
    let started = b
        .start_session(pb::SessionRequest {
            business_id: other.clone(),
        })
        .await
        .expect("start through B")
        .into_inner();
    assert_eq!(started.state, "connecting");
    let start = format!("/sessions/{other}/start");
    assert_eq!(requests_to(&sidecar_b, "POST", &start).await, 1);
    assert_eq!(requests_to(&sidecar_a, "POST", &start).await, 0);

    stop.cancel();
    running_a.await.unwrap().expect("replica A stops cleanly");
    running_b.await.unwrap().expect("replica B stops cleanly");
    stack.stop().await.unwrap();
}
