//! The web app: static files of the built app (`WEB_DIST_DIR`, default `web/dist`) and, for every
//! other GET page route (`/crm`, `/crm/customers/…`, `/signature/<token>`, …), its `index.html`
//! so the client-side router shows the page. Registered after every other route: `/api/*`,
//! `/webhook/*`, `/socket.io/` and `/static/*` keep their own answers (an unknown one stays a JSON
//! 404).
//!
//! Only plain file names are served (letters, digits, `.`, `_`, `-`; no leading dot, no `..`, no
//! percent-encoding), and the resolved file must still be inside the app directory, so a request
//! never reaches another file on the disk.

use crate::error::ApiError;
use actix_web::{
    HttpRequest, HttpResponse, guard,
    http::{StatusCode, header},
    web,
};
use agentlocator_common::Config;
use std::path::{Path, PathBuf};

/// Environment variable naming the directory of the built web app.
pub const DIST_DIR_VAR: &str = "WEB_DIST_DIR";
/// Where the app is built by `make web`, relative to the working directory.
pub const DEFAULT_DIST_DIR: &str = "web/dist";

/// Hashed build output (`/assets/…`): the name changes with the content, so it is cached for a year.
const LONG_CACHE: &str = "public, max-age=31536000, immutable";
/// Everything else (`index.html`, `sw.js`, the manifest): revalidated on every load.
const NO_CACHE: &str = "no-cache";

/// Path prefixes owned by the API and the services; unknown paths under them are never pages.
const RESERVED: &[&str] = &["api", "webhook", "socket.io", "static"];

/// The directory of the built app. Add it as app data to serve another directory than the one
/// `WEB_DIST_DIR` names.
#[derive(Debug, Clone)]
pub struct WebDist(pub PathBuf);

impl WebDist {
    /// `WEB_DIST_DIR`, or `web/dist` when unset or empty.
    pub fn from_config(config: &Config) -> Self {
        WebDist(PathBuf::from(
            config.vars.get(DIST_DIR_VAR).unwrap_or(DEFAULT_DIST_DIR),
        ))
    }
}

/// Registers the web app's catch-all GET/HEAD route; call after every other route. Other methods
/// do not match it, so they still reach the app's default (a JSON 404).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/{tail:.*}")
            .guard(guard::Any(guard::Get()).or(guard::Head()))
            .to(serve),
    );
}

async fn serve(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let dist = req
        .app_data::<web::Data<WebDist>>()
        .map(|d| d.0.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DIST_DIR));
    let path = req.path().trim_start_matches('/');
    let first = path.split('/').next().unwrap_or_default();
    if RESERVED.contains(&first) {
        return Err(ApiError::not_found("no such page"));
    }
    let index = dist.join("index.html");
    if !tokio::fs::try_exists(&index).await.unwrap_or(false) {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "web_app_not_built",
            format!(
                "the web app is not built in {}: run `make web` or set {DIST_DIR_VAR}",
                dist.display()
            ),
        ));
    }
    if !path.is_empty() {
        if let Some(file) = safe_file(&dist, path).await {
            let cache = if path.starts_with("assets/") {
                LONG_CACHE
            } else {
                NO_CACHE
            };
            return send(&file, cache).await;
        }
        // A missing build file (an old hash, a typo) is a 404, never the page: a browser asking
        // for a script must not get HTML.
        if path.starts_with("assets/") || has_extension(path) {
            return Err(ApiError::not_found("no such file"));
        }
    }
    send(&index, NO_CACHE).await
}

/// The file `path` names inside `dist`, when it is a plain, existing file there.
async fn safe_file(dist: &Path, path: &str) -> Option<PathBuf> {
    let mut file = dist.to_path_buf();
    for segment in path.split('/') {
        if !plain_segment(segment) {
            return None;
        }
        file.push(segment);
    }
    let root = tokio::fs::canonicalize(dist).await.ok()?;
    let real = tokio::fs::canonicalize(&file).await.ok()?;
    let meta = tokio::fs::metadata(&real).await.ok()?;
    (real.starts_with(&root) && meta.is_file()).then_some(real)
}

fn plain_segment(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.len() <= 255
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn has_extension(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.contains('.'))
}

async fn send(file: &Path, cache: &str) -> Result<HttpResponse, ApiError> {
    let body = tokio::fs::read(file).await.map_err(|e| {
        tracing::warn!(file = %file.display(), error = %e, "web app file unreadable");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "web_app_not_built",
            "the web app's files cannot be read",
        )
    })?;
    Ok(HttpResponse::Ok()
        .content_type(content_type(file))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body))
}

fn content_type(file: &Path) -> &'static str {
    match file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        "map" => "application/json",
        _ => "application/octet-stream",
    }
}
