//! Cross-cutting HTTP behaviour: request logs, and JSON bodies for errors that actix itself
//! produces (unknown route, wrong method, oversized body), so every error has one shape.

use crate::error::{ErrorBody, code_for_status};
use actix_web::{
    HttpResponse,
    body::{BoxBody, EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header,
    middleware::{ErrorHandlerResponse, ErrorHandlers},
};
use agentlocator_common::redact;
use std::time::Instant;
use tracing::Instrument;

/// Rewrites any 4xx/5xx response that is not already JSON into `{"error","message"}`.
pub fn json_errors<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new()
        .default_handler_client(to_json_error)
        .default_handler_server(to_json_error)
}

fn to_json_error<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (code, message) = code_for_status(status);
    if status.is_server_error() {
        let path = redact::url(res.request().path());
        tracing::error!(%status, %path, "server error");
    }
    let (req, old) = res.into_parts();
    let mut new = HttpResponse::build(status).json(ErrorBody {
        error: code,
        message: message.to_string(),
        field: None,
        retry_after: None,
    });
    // Keep headers such as `Allow` on 405.
    for (k, v) in old.headers() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            new.headers_mut().insert(k.clone(), v.clone());
        }
    }
    let res = ServiceResponse::new(req, new.map_into_boxed_body()).map_into_right_body::<B>();
    Ok(ErrorHandlerResponse::Response(res))
}

/// One log line per request: method, path (no query string: it can carry personal data; secrets
/// in the path, such as a signing link's token, redacted), status and duration.
pub async fn log_request(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let start = Instant::now();
    let method = req.method().clone();
    let path = redact::url(req.path());
    let res = next.call(req).await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    match &res {
        Ok(r) => tracing::info!(%method, %path, status = r.status().as_u16(), ms, "request"),
        Err(e) => tracing::warn!(%method, %path, error = %e, ms, "request failed"),
    }
    res.map(|r| r.map_body(|_, b| EitherBody::left(b.boxed())))
}

/// One trace span per request, named by method and route (`POST /webhook/incoming_call`) and
/// continuing the caller's W3C trace context when it sent one; the gRPC calls made while
/// handling it carry it on to the services. Probes and metric scrapes are not traced.
pub async fn trace_request<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    use agentlocator_common::telemetry;
    if matches!(req.path(), "/healthz" | "/readyz" | "/metrics") {
        return next.call(req).await;
    }
    let parent = telemetry::extract_pairs(
        req.headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?))),
    );
    let span = telemetry::http_server_span(
        req.method().as_str(),
        req.match_pattern().as_deref(),
        parent,
    );
    let res = next.call(req).instrument(span.clone()).await;
    match &res {
        Ok(r) => telemetry::record_http_status(&span, r.status().as_u16()),
        Err(e) => {
            telemetry::record_http_status(&span, e.as_response_error().status_code().as_u16())
        }
    }
    res
}

/// The browser security headers of every response (see [`security_headers`]).
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    /// The Content-Security-Policy of the web app and the API.
    csp: String,
    /// `PUBLIC_BASE_URL` is https: every response carries HSTS.
    https: bool,
}

/// How long browsers keep to https once told (`Strict-Transport-Security`), one year.
const HSTS: &str = "max-age=31536000; includeSubDomains";

impl SecurityHeaders {
    pub fn from_config(config: &agentlocator_common::Config) -> Self {
        // Recordings play from Twilio's API host (the one speech-svc downloads them from).
        let media_host = config
            .vars
            .get("TWILIO_API_HOST")
            .unwrap_or("api.twilio.com");
        Self {
            csp: format!(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                 font-src 'self' data:; media-src 'self' https://{media_host}; connect-src 'self'; \
                 worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; \
                 form-action 'self'; frame-ancestors 'none'"
            ),
            https: config.public_base_url.starts_with("https://"),
        }
    }
}

/// Swagger UI (`/api/docs/`) styles its elements inline; its pages get that, and nothing else.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Browser security headers on every response: a strict Content-Security-Policy (scripts and
/// styles only from this origin, never framed: `frame-ancestors 'none'`, plus `X-Frame-Options`
/// for older browsers), `Referrer-Policy: no-referrer` (a signing page's URL holds its token),
/// `X-Content-Type-Options: nosniff`; `Cache-Control: no-store` on the API; HSTS when the request
/// came over https (`PUBLIC_BASE_URL` is https, or a trusted proxy says `X-Forwarded-Proto:
/// https`).
pub async fn security_headers<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let state = req
        .app_data::<actix_web::web::Data<crate::AppState>>()
        .cloned();
    let path = req.path();
    let docs = path.starts_with("/api/docs");
    let api = !docs && (path == "/api" || path.starts_with("/api/"));
    let https = state.as_ref().is_some_and(|s| {
        s.security_headers.https || s.trusted_proxies.forwarded_https(req.request())
    });
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    let csp = match (&state, docs) {
        (_, true) => DOCS_CSP.to_string(),
        (Some(s), false) => s.security_headers.csp.clone(),
        (None, false) => "default-src 'self'; frame-ancestors 'none'".to_string(),
    };
    let set = |h: &mut header::HeaderMap, name: header::HeaderName, value: &str| {
        if let Ok(v) = header::HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set(h, header::CONTENT_SECURITY_POLICY, &csp);
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if api {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    if https {
        set(h, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use actix_web::{dev::ServiceResponse, test};
    use std::sync::{Arc, Mutex};

    /// A configuration whose services are all unreachable (a closed loopback port).
    fn config(extra: &[(&str, &str)]) -> agentlocator_common::Config {
        let mut vars: std::collections::HashMap<String, String> = [
            "CRM_SVC_URL",
            "VOICE_SVC_URL",
            "SPEECH_SVC_URL",
            "NOTIFY_SVC_URL",
            "WHATSAPP_BRIDGE_URL",
            "NOTIFY_SVC_HTTP_URL",
            "VOICE_SVC_MEDIA_URL",
        ]
        .into_iter()
        .map(|k| (k.to_string(), "http://127.0.0.1:9".to_string()))
        .collect();
        vars.insert(
            "SECRET_KEY".into(),
            "test-secret-test-secret-test-secret!".into(),
        );
        for (k, v) in extra {
            vars.insert(k.to_string(), v.to_string());
        }
        agentlocator_common::Config::from_map(&vars).unwrap()
    }

    /// The whole app over `config`, as `test::init_service` serves it.
    macro_rules! app {
        ($config:expr) => {
            test::init_service(crate::create_app(crate::state_for(&$config).unwrap())).await
        };
    }

    /// What the log subscriber of this thread writes, while the guard lives.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn start(&self) -> tracing::subscriber::DefaultGuard {
            let out = self.clone();
            tracing::subscriber::set_default(
                tracing_subscriber::fmt()
                    .with_writer(move || out.clone())
                    .with_ansi(false)
                    .finish(),
            )
        }
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    #[actix_web::test]
    async fn signing_tokens_never_reach_the_access_log() {
        let logs = Captured::default();
        let _guard = logs.start();
        let app = app!(config(&[]));
        let token = "SiGnInGtOkEn0123456789abcdef";
        for uri in [
            format!("/signature/{token}"),
            format!("/api/public/signatures/{token}"),
        ] {
            let res =
                test::call_service(&app, test::TestRequest::get().uri(&uri).to_request()).await;
            assert!(res.status().as_u16() >= 400, "{uri}");
        }
        let text = logs.text();
        assert!(text.contains("/signature/REDACTED"), "{text}");
        assert!(text.contains("/api/public/signatures/REDACTED"), "{text}");
        assert!(!text.contains(token), "{text}");
    }

    fn header<'a>(
        res: &'a ServiceResponse<impl actix_web::body::MessageBody>,
        name: &str,
    ) -> Option<&'a str> {
        res.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[actix_web::test]
    async fn every_answer_carries_the_browser_security_headers() {
        let app = app!(config(&[]));
        for uri in ["/api/me", "/signature/tok", "/login", "/no-such-page.js"] {
            let res =
                test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
            let csp = header(&res, "content-security-policy").unwrap_or_default();
            for directive in [
                "default-src 'self'",
                "script-src 'self'",
                "frame-ancestors 'none'",
                "object-src 'none'",
                "base-uri 'none'",
            ] {
                assert!(csp.contains(directive), "{uri}: {csp}");
            }
            assert!(!csp.contains("unsafe-inline"), "{uri}: {csp}");
            assert_eq!(header(&res, "x-frame-options"), Some("DENY"), "{uri}");
            assert_eq!(
                header(&res, "referrer-policy"),
                Some("no-referrer"),
                "{uri}"
            );
            assert_eq!(
                header(&res, "x-content-type-options"),
                Some("nosniff"),
                "{uri}"
            );
            // Plain http: no HSTS.
            assert_eq!(header(&res, "strict-transport-security"), None, "{uri}");
        }
        let api =
            test::call_service(&app, test::TestRequest::get().uri("/api/me").to_request()).await;
        assert_eq!(header(&api, "cache-control"), Some("no-store"));
    }

    #[actix_web::test]
    async fn hsts_only_over_https() {
        // PUBLIC_BASE_URL https: always.
        let app_https = app!(config(&[("PUBLIC_BASE_URL", "https://crm.example.com")]));
        let res = test::call_service(
            &app_https,
            test::TestRequest::get().uri("/api/me").to_request(),
        )
        .await;
        assert!(
            header(&res, "strict-transport-security").is_some_and(|v| v.starts_with("max-age="))
        );
        // Otherwise only when a trusted proxy says the client used https.
        let app = app!(config(&[]));
        let from = |peer: &str| {
            test::TestRequest::get()
                .uri("/api/me")
                .peer_addr(peer.parse().unwrap())
                .insert_header(("x-forwarded-proto", "https"))
                .to_request()
        };
        let res = test::call_service(&app, from("127.0.0.1:5000")).await;
        assert!(header(&res, "strict-transport-security").is_some());
        let res = test::call_service(&app, from("203.0.113.9:5000")).await;
        assert_eq!(header(&res, "strict-transport-security"), None);
    }

    #[actix_web::test]
    async fn nul_characters_are_refused_at_the_edge_naming_the_field() {
        let app = app!(config(&[]));
        let json = |uri: &str, body: &str| {
            test::TestRequest::post()
                .uri(uri)
                .peer_addr("127.0.0.1:5000".parse().unwrap())
                .insert_header(("content-type", "application/json"))
                .set_payload(body.to_string())
                .to_request()
        };
        let cases = [
            (
                json(
                    "/api/auth/login",
                    r#"{"email":"a\u0000@x.com","password":"p"}"#,
                ),
                "email",
            ),
            (
                json(
                    "/api/crm/customers",
                    r#"{"name":"\u0000","phone":"0501234567"}"#,
                ),
                "name",
            ),
            (
                test::TestRequest::get()
                    .uri("/api/crm/customers?q=%00&page=1")
                    .to_request(),
                "q",
            ),
            (
                test::TestRequest::post()
                    .uri("/webhook/call_status")
                    .insert_header(("content-type", "application/x-www-form-urlencoded"))
                    .set_payload("CallSid=CA1&CallStatus=comp%00leted")
                    .to_request(),
                "CallStatus",
            ),
        ];
        for (req, field) in cases {
            let res = test::call_service(&app, req).await;
            assert_eq!(res.status(), 422, "{field}");
            let body: serde_json::Value = test::read_body_json(res).await;
            assert_eq!(body["error"], "validation_error", "{body}");
            assert_eq!(body["field"], field, "{body}");
        }
        // A body without NUL reaches its route unchanged (here: login, whose crm-svc is down).
        let res = test::call_service(
            &app,
            json(
                "/api/auth/login",
                r#"{"email":"a@x.com","password":"\\u0000"}"#,
            ),
        )
        .await;
        assert_eq!(res.status(), 503);
        // The WhatsApp webhooks are signed as sent: passed on (here to a bridge that is down).
        let res = test::call_service(
            &app,
            json("/webhook/whatsapp_incoming", r#"{"text":"\u0000"}"#),
        )
        .await;
        assert_ne!(res.status(), 422);
    }
}
