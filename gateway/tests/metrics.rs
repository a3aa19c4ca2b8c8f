//! The gateway's HTTP metrics and its `/metrics`: requests counted by route pattern (never the raw
//! path) and status, timed in a histogram, and the endpoint closed unless the bearer token
//! matches or the instance is local-only. The recorder is per process: checks compare scrapes.

use actix_web::{http::StatusCode, test};
use agentlocator_common::{Config, metrics::text};
use agentlocator_gateway::{create_app, state_for};
use std::collections::HashMap;

const TOKEN: &str = "metrics-token-for-tests";

/// Services at a port nothing listens on.
fn config(extra: &[(&str, &str)]) -> Config {
    let mut m: HashMap<String, String> = [
        ("CRM_SVC_URL", "http://127.0.0.1:1"),
        ("VOICE_SVC_URL", "http://127.0.0.1:1"),
        ("SPEECH_SVC_URL", "http://127.0.0.1:1"),
        ("NOTIFY_SVC_URL", "http://127.0.0.1:1"),
        ("WHATSAPP_BRIDGE_URL", "http://127.0.0.1:1"),
        ("SECRET_KEY", "test-secret-test-secret-test-secret!"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        m.insert(k.to_string(), v.to_string());
    }
    Config::from_map(&m).unwrap()
}

/// A config reachable from other machines (not local-only), with the metrics token set.
fn public_with_token() -> Config {
    config(&[
        ("HTTP_ADDR", "0.0.0.0:8080"),
        ("PUBLIC_BASE_URL", "https://crm.example.com"),
        ("METRICS_TOKEN", TOKEN),
    ])
}

fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

macro_rules! scrape {
    ($app:expr) => {{
        let res = test::call_service(
            &$app,
            test::TestRequest::get()
                .uri("/metrics")
                .insert_header(bearer(TOKEN))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let ct = res
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
        let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        let samples = text::parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
        (body, samples)
    }};
}

fn requests(samples: &[text::Sample], method: &str, route: &str, status: &str) -> f64 {
    text::sum(
        samples,
        "http_requests_total",
        &[("method", method), ("route", route), ("status", status)],
    )
}

#[actix_web::test]
async fn requests_are_counted_by_route_pattern_and_status() {
    agentlocator_common::metrics::install();
    let app = test::init_service(create_app(state_for(&public_with_token()).unwrap())).await;
    let (_, before) = scrape!(app);

    for id in ["0190f1a2-aaaa-7000-8000-000000000001", "another-id"] {
        let res = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(&format!("/api/crm/customers/{id}"))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/api/no-such-route/0501234567")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let (body, after) = scrape!(app);
    let route = "/api/crm/customers/{id}";
    assert_eq!(
        requests(&after, "GET", route, "401") - requests(&before, "GET", route, "401"),
        2.0
    );
    assert_eq!(
        requests(&after, "GET", "/healthz", "200") - requests(&before, "GET", "/healthz", "200"),
        1.0
    );
    // The histogram of the same route: every request in the +Inf bucket and the count.
    let timed = |s: &[text::Sample], name: &str, le: Option<&str>| {
        let mut labels = vec![("method", "GET"), ("route", route)];
        if let Some(le) = le {
            labels.push(("le", le));
        }
        text::sum(s, name, &labels)
    };
    assert_eq!(
        timed(&after, "http_request_duration_seconds_count", None)
            - timed(&before, "http_request_duration_seconds_count", None),
        2.0
    );
    assert_eq!(
        timed(&after, "http_request_duration_seconds_bucket", Some("+Inf")),
        timed(&after, "http_request_duration_seconds_count", None)
    );
    // A path no route matched is one series, whatever the path was.
    assert_eq!(
        requests(&after, "GET", "unmatched", "404") - requests(&before, "GET", "unmatched", "404"),
        1.0,
        "{body}"
    );
    assert!(body.contains("# TYPE http_requests_total counter"));
    assert!(body.contains("# TYPE http_request_duration_seconds histogram"));
    // No raw path, id or phone number ever becomes a label value.
    for s in &after {
        for (_, v) in &s.labels {
            assert!(
                !v.contains("another-id") && !v.contains("0501234567") && !v.contains("0190f1a2"),
                "{s:?}"
            );
        }
    }
}

#[actix_web::test]
async fn metrics_need_the_token_on_a_public_instance() {
    let app = test::init_service(create_app(state_for(&public_with_token()).unwrap())).await;
    for auth in [None, Some("wrong-token-wrong-token"), Some("")] {
        let mut req = test::TestRequest::get().uri("/metrics");
        if let Some(t) = auth {
            req = req.insert_header(bearer(t));
        }
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        let body: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(body["error"], "unauthorized");
    }
}

#[actix_web::test]
async fn metrics_without_a_token_only_on_a_local_instance() {
    // Reachable from other machines, no token: the endpoint does not exist.
    let public = config(&[
        ("HTTP_ADDR", "0.0.0.0:8080"),
        ("PUBLIC_BASE_URL", "https://crm.example.com"),
    ]);
    let app = test::init_service(create_app(state_for(&public).unwrap())).await;
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/metrics")
            .peer_addr("127.0.0.1:40000".parse().unwrap())
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Local-only: loopback peers may read, others may not.
    let app = test::init_service(create_app(state_for(&config(&[])).unwrap())).await;
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/metrics")
            .peer_addr("127.0.0.1:40000".parse().unwrap())
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/metrics")
            .peer_addr("192.168.1.20:40000".parse().unwrap())
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
