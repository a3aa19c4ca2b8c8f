//! The uniform error shape and health endpoints, with no service behind the gateway.

use actix_web::{App, HttpResponse, http::StatusCode, test, web};
use agentlocator_common::Config;
use agentlocator_gateway::{create_app, middleware::json_errors, routes, state_for};
use serde_json::Value;
use std::collections::HashMap;

/// Services at a port nothing listens on.
fn unreachable_services() -> Config {
    let mut m: HashMap<String, String> = [
        ("CRM_SVC_URL", "http://127.0.0.1:1"),
        ("VOICE_SVC_URL", "http://127.0.0.1:1"),
        ("SPEECH_SVC_URL", "http://127.0.0.1:1"),
        ("NOTIFY_SVC_URL", "http://127.0.0.1:1"),
        ("WHATSAPP_BRIDGE_URL", "http://127.0.0.1:1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    m.insert(
        "SECRET_KEY".into(),
        "test-secret-test-secret-test-secret!".into(),
    );
    Config::from_map(&m).unwrap()
}

async fn json_of<B: actix_web::body::MessageBody>(
    res: actix_web::dev::ServiceResponse<B>,
) -> (StatusCode, Value) {
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = test::read_body(res).await;
    assert!(
        ct.starts_with("application/json"),
        "{status}: content-type {ct:?}, body {body:?}"
    );
    (status, serde_json::from_slice(&body).expect("JSON body"))
}

#[actix_web::test]
async fn healthz_is_up_without_services() {
    let app = test::init_service(create_app(state_for(&unreachable_services()).unwrap())).await;
    let res = test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request()).await;
    let (status, body) = json_of(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

#[actix_web::test]
async fn readyz_names_every_unreachable_service() {
    let app = test::init_service(create_app(state_for(&unreachable_services()).unwrap())).await;
    let res = test::call_service(&app, test::TestRequest::get().uri("/readyz").to_request()).await;
    let (status, body) = json_of(res).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "not_ready");
    for svc in [
        "crm-svc",
        "voice-svc",
        "speech-svc",
        "notify-svc",
        "whatsapp-bridge",
    ] {
        assert_ne!(body["checks"][svc], "ok", "{svc}: {body}");
        assert!(body["checks"][svc].is_string(), "{svc}: {body}");
    }
}

/// crm-svc SERVING, every other service unreachable: the gateway stays ready, `degraded`.
#[actix_web::test]
async fn readyz_stays_ready_but_degraded_while_only_crm_svc_answers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status(
            "agentlocator.v1.CrmService",
            tonic_health::ServingStatus::Serving,
        )
        .await;
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(health)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let mut config = unreachable_services();
    config.services.crm.url = format!("http://{addr}");
    let app = test::init_service(create_app(state_for(&config).unwrap())).await;
    let res = test::call_service(&app, test::TestRequest::get().uri("/readyz").to_request()).await;
    let (status, body) = json_of(res).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["checks"]["crm-svc"], "ok", "{body}");
    for svc in ["voice-svc", "speech-svc", "notify-svc", "whatsapp-bridge"] {
        assert!(
            body["checks"][svc].is_string() && body["checks"][svc] != "ok",
            "{svc}: {body}"
        );
    }
}

#[actix_web::test]
async fn unknown_routes_and_methods_are_json() {
    let app = test::init_service(create_app(state_for(&unreachable_services()).unwrap())).await;
    for (method, uri, code, status) in [
        ("POST", "/no/such/page", "not_found", 404),
        ("GET", "/api/no/such/route", "not_found", 404),
        ("PUT", "/api/crm/customers", "method_not_allowed", 405),
        ("POST", "/healthz", "method_not_allowed", 405),
    ] {
        let req = test::TestRequest::default()
            .method(method.parse().unwrap())
            .uri(uri)
            .to_request();
        let (s, body) = json_of(test::call_service(&app, req).await).await;
        assert_eq!(s.as_u16(), status, "{method} {uri}: {body}");
        assert_eq!(body["error"], code, "{method} {uri}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[actix_web::test]
async fn api_routes_need_a_valid_token() {
    let app = test::init_service(create_app(state_for(&unreachable_services()).unwrap())).await;
    for auth in [
        None,
        Some("Bearer"),
        Some("Bearer not-a-token"),
        Some("Basic dXNlcjpwYXNz"),
        // Signed with another key.
        Some(
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1IiwiYnVzaW5lc3NfaWQiOiJiIiwicm9sZSI6Im93bmVyIiwiaWF0IjoxLCJleHAiOjQxMDI0NDQ4MDB9.6v3Zt4c8mHIx1Xw3Ww9p2jGmW8vNvQvN1Xw0cPj1bXk",
        ),
    ] {
        for uri in [
            "/api/crm/customers",
            "/api/me",
            "/api/business",
            "/api/crm/customers/x",
        ] {
            let mut req = test::TestRequest::get().uri(uri);
            if let Some(a) = auth {
                req = req.insert_header(("authorization", a));
            }
            let (s, body) = json_of(test::call_service(&app, req.to_request()).await).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{uri} with {auth:?}: {body}");
            assert_eq!(body["error"], "unauthorized");
        }
    }
}

#[actix_web::test]
async fn a_service_that_is_down_is_a_503_not_a_500() {
    let state = state_for(&unreachable_services()).unwrap();
    let token = state
        .tokens
        .issue("u1", "b1", agentlocator_gateway::auth::Role::Owner)
        .unwrap();
    let app = test::init_service(create_app(state)).await;
    let req = test::TestRequest::get()
        .uri("/api/crm/customers")
        .insert_header(("authorization", format!("Bearer {token}")))
        .to_request();
    let (s, body) = json_of(test::call_service(&app, req).await).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"], "service_unavailable");
}

/// The JSON body rules apply to every JSON route; an echo route exercises them.
#[actix_web::test]
async fn malformed_and_oversized_json_bodies() {
    let state = state_for(&unreachable_services()).unwrap();
    let app = test::init_service(
        App::new()
            .app_data(state)
            .configure(routes::configure)
            .route(
                "/echo",
                web::post().to(|v: web::Json<HashMap<String, i64>>| async move {
                    HttpResponse::Ok().json(v.into_inner())
                }),
            )
            .wrap(json_errors()),
    )
    .await;
    let post = |body: Vec<u8>| {
        test::TestRequest::post()
            .uri("/echo")
            .insert_header(("content-type", "application/json"))
            .set_payload(body)
            .to_request()
    };
    let (s, body) = json_of(test::call_service(&app, post(b"{\"a\": ".to_vec())).await).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "malformed_json");

    let (s, body) = json_of(test::call_service(&app, post(b"{\"a\": \"x\"}".to_vec())).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "validation_error");

    let big = format!(
        "{{\"a\": 1, \"pad\": \"{}\"}}",
        "x".repeat(routes::JSON_LIMIT + 10)
    );
    let (s, body) = json_of(test::call_service(&app, post(big.into_bytes())).await).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"], "payload_too_large");

    let res = test::call_service(&app, post(b"{\"a\": 5}".to_vec())).await;
    assert_eq!(res.status(), StatusCode::OK);
}
