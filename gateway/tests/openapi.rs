//! The OpenAPI document describes exactly the routes the gateway registers.

use actix_web::{http::StatusCode, test};
use agentlocator_common::Config;
use agentlocator_gateway::{create_app, routes, state_for};
use std::collections::{BTreeSet, HashMap};

fn config() -> Config {
    let m: HashMap<String, String> = [
        ("CRM_SVC_URL", "http://127.0.0.1:1"),
        ("SECRET_KEY", "test-secret-test-secret-test-secret!"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Config::from_map(&m).unwrap()
}

#[actix_web::test]
async fn every_registered_route_is_documented_and_nothing_else() {
    let app = test::init_service(create_app(state_for(&config()).unwrap())).await;
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/api/openapi.json")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let spec: serde_json::Value = test::read_body_json(res).await;
    assert!(
        spec["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        spec["openapi"]
    );

    let registered: BTreeSet<(String, String)> = routes::API_ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_lowercase(), format!("/api{p}")))
        .chain(
            routes::ROOT_ROUTES
                .iter()
                .map(|(m, p, _)| (m.to_lowercase(), p.to_string())),
        )
        .collect();
    let documented: BTreeSet<(String, String)> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    let missing: Vec<_> = registered.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "registered but not documented: {missing:?}"
    );
    assert!(stale.is_empty(), "documented but not registered: {stale:?}");

    // Everything under /api but sign-in and the public signing routes (`/api/public/…`, reached
    // by people without an account) needs the bearer token.
    for (method, path) in &documented {
        let op = &spec["paths"][path][method];
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        let public = !path.starts_with("/api")
            || path == "/api/auth/login"
            || path.starts_with("/api/public/");
        assert_eq!(secured, !public, "{method} {path}");
    }
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());

    // The business's voice settings, read and written.
    let schemas = &spec["components"]["schemas"];
    for field in ["voice_mode", "agent_voice"] {
        assert!(
            schemas["Business"]["properties"][field].is_object(),
            "Business.{field}"
        );
        assert!(
            schemas["BusinessPatch"]["properties"][field].is_object(),
            "BusinessPatch.{field}"
        );
    }
    assert_eq!(
        schemas["VoiceMode"]["enum"],
        serde_json::json!(["realtime", "record"])
    );
}

#[actix_web::test]
async fn swagger_ui_is_served() {
    let app = test::init_service(create_app(state_for(&config()).unwrap())).await;
    let res = test::call_service(
        &app,
        test::TestRequest::get().uri("/api/docs/").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = test::read_body(res).await;
    assert!(
        String::from_utf8_lossy(&body).contains("swagger"),
        "not the Swagger UI page"
    );
    let res =
        test::call_service(&app, test::TestRequest::get().uri("/api/docs").to_request()).await;
    assert!(res.status().is_redirection());
}

/// The spec the web app's types are generated from (`web/openapi.json`) is the one the gateway
/// serves. `make openapi` rewrites it (and the generated types) after an API change.
#[actix_web::test]
async fn the_checked_in_spec_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/openapi.json");
    let current = serde_json::to_string_pretty(&routes::openapi::doc()).unwrap() + "\n";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &current).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == current,
        "web/openapi.json is not the gateway's current spec: run `make openapi` and commit the result"
    );
}
