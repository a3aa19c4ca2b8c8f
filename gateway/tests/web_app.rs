//! The gateway serves the built web app: files from the app directory, `index.html` for every
//! page route, JSON 404s kept for the API, a hint when the app is not built, nothing outside it.

use actix_web::{App, http::StatusCode, test, web};
use agentlocator_common::Config;
use agentlocator_gateway::{create_app, routes::web_app::WebDist, state_for};
use serde_json::Value;
use std::{collections::HashMap, path::Path};

fn config() -> Config {
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

/// A fresh directory, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("al-web-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const INDEX: &str =
    "<!doctype html><html lang=\"he\" dir=\"rtl\"><body><div id=\"root\"></div></body></html>";

/// A built app: index.html, a hashed script, the service worker; a secret file next to it.
fn built_app() -> (TempDir, std::path::PathBuf) {
    let root = TempDir::new();
    std::fs::write(root.path().join("secret.txt"), "outside the app").unwrap();
    let dist = root.path().join("dist");
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(dist.join("index.html"), INDEX).unwrap();
    std::fs::write(dist.join("assets/index-abc123.js"), "console.log(1)").unwrap();
    std::fs::write(
        dist.join("sw.js"),
        "self.addEventListener('push', () => {})",
    )
    .unwrap();
    std::fs::write(dist.join(".env"), "hidden").unwrap();
    (root, dist)
}

async fn get(dist: &Path, uri: &str) -> (StatusCode, HashMap<String, String>, Vec<u8>) {
    let app = test::init_service(
        create_app(state_for(&config()).unwrap()).app_data(web::Data::new(WebDist(dist.into()))),
    )
    .await;
    let res = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
    let status = res.status();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    (status, headers, test::read_body(res).await.to_vec())
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| panic!("JSON body: {body:?}"))
}

#[actix_web::test]
async fn page_routes_answer_index_html() {
    let (_root, dist) = built_app();
    for uri in [
        "/",
        "/crm",
        "/calendar",
        "/crm/customers/x",
        "/signature/abc-123",
        "/crm?q=050",
    ] {
        let (status, headers, body) = get(&dist, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(headers["content-type"], "text/html; charset=utf-8", "{uri}");
        assert_eq!(headers["cache-control"], "no-cache", "{uri}");
        assert_eq!(body, INDEX.as_bytes(), "{uri}");
    }
}

#[actix_web::test]
async fn hashed_assets_are_cached_long_and_the_service_worker_is_not() {
    let (_root, dist) = built_app();
    let (status, headers, body) = get(&dist, "/assets/index-abc123.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
    assert!(headers["cache-control"].contains("immutable"));
    assert!(headers["cache-control"].contains("max-age=31536000"));
    assert_eq!(body, b"console.log(1)");

    let (status, headers, body) = get(&dist, "/sw.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "no-cache");
    assert!(String::from_utf8(body).unwrap().contains("push"));
}

#[actix_web::test]
async fn a_missing_build_file_is_a_json_404_not_the_page() {
    let (_root, dist) = built_app();
    for uri in ["/assets/index-old.js", "/favicon.ico"] {
        let (status, _, body) = get(&dist, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(json(&body)["error"], "not_found", "{uri}");
    }
}

#[actix_web::test]
async fn unknown_api_and_service_paths_stay_json_404() {
    let (_root, dist) = built_app();
    for uri in [
        "/api/no/such/route",
        "/api",
        "/webhook/nope",
        "/static/nope",
        "/socket.io/x",
    ] {
        let (status, headers, body) = get(&dist, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            headers["content-type"].starts_with("application/json"),
            "{uri}"
        );
        assert_eq!(json(&body)["error"], "not_found", "{uri}");
    }
    // The API itself still answers as before.
    let (status, _, body) = get(&dist, "/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(json(&body)["error"], "unauthorized");
    let (status, _, _) = get(&dist, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
}

#[actix_web::test]
async fn nothing_outside_the_app_directory_is_served() {
    let (_root, dist) = built_app();
    for uri in [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/assets/..%2F..%2Fsecret.txt",
        "/%2e%2e/secret.txt",
        "/.env",
        "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
    ] {
        let (_, _, body) = get(&dist, uri).await;
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("outside the app"), "{uri}: {text}");
        assert!(!text.contains("hidden"), "{uri}: {text}");
    }
    // A link that points outside is not followed either.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            dist.parent().unwrap().join("secret.txt"),
            dist.join("link.txt"),
        )
        .unwrap();
        let (status, _, body) = get(&dist, "/link.txt").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!String::from_utf8_lossy(&body).contains("outside the app"));
    }
}

#[actix_web::test]
async fn without_a_built_app_pages_say_so() {
    let root = TempDir::new();
    let dist = root.path().join("dist");
    let (status, headers, body) = get(&dist, "/crm").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(headers["content-type"].starts_with("application/json"));
    let body = json(&body);
    assert_eq!(body["error"], "web_app_not_built");
    assert!(body["message"].as_str().unwrap().contains("make web"));
    // The API is unaffected.
    let (status, _, _) = get(&dist, "/api/no/such/route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn other_methods_on_pages_are_json_404() {
    let (_root, dist) = built_app();
    let app = test::init_service(
        create_app(state_for(&config()).unwrap()).app_data(web::Data::new(WebDist(dist.clone()))),
    )
    .await;
    let res = test::call_service(&app, test::TestRequest::post().uri("/crm").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(&test::read_body(res).await)["error"], "not_found");
}

/// Routes added after the gateway's own still answer (the page route only takes GET and HEAD
/// requests that nothing else took).
#[actix_web::test]
async fn routes_registered_later_are_not_shadowed_for_other_methods() {
    let (_root, dist) = built_app();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(WebDist(dist.clone())))
            .configure(agentlocator_gateway::routes::configure)
            .route("/echo", web::post().to(|| async { "echo" })),
    )
    .await;
    let res = test::call_service(&app, test::TestRequest::post().uri("/echo").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(test::read_body(res).await, "echo");
}
