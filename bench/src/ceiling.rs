//! The ceiling: what one HTTP server on this machine can do for a Twilio webhook when it does
//! only what the webhook strictly needs — read the form, check `X-Twilio-Signature` (HMAC-SHA1
//! over PUBLIC_BASE_URL + path + the sorted parameters, voice-svc's own check) and answer a
//! TwiML fixed in advance. No gRPC, no database, no bus. actix-web with its default number of
//! workers, as the gateway.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// What the ceiling answers with.
#[derive(Clone)]
pub struct Ceiling {
    /// Twilio's auth token the signature is checked with.
    pub auth_token: String,
    /// What Twilio signs URLs under (PUBLIC_BASE_URL), without a trailing slash.
    pub public_base_url: String,
    /// The TwiML every valid request gets.
    pub twiml: String,
}

async fn webhook(state: web::Data<Ceiling>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let Ok(params) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return HttpResponse::BadRequest()
            .content_type("application/json")
            .body(r#"{"error":"malformed_form","message":"the body is not form-encoded"}"#);
    };
    let signature = req
        .headers()
        .get("X-Twilio-Signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or(req.path(), |pq| pq.as_str());
    let url = format!("{}{path_and_query}", state.public_base_url);
    if !voice_svc::twilio_signature::is_valid(&state.auth_token, &url, &params, signature) {
        return HttpResponse::Forbidden()
            .content_type("application/json")
            .body(r#"{"error":"invalid_signature","message":"missing or invalid X-Twilio-Signature"}"#);
    }
    HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(state.twiml.clone())
}

/// Serves `ceiling` on `listener` (`POST /webhook/{name}`) until the returned server is
/// stopped.
pub fn serve(
    ceiling: Ceiling,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    let state = web::Data::new(ceiling);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/webhook/{name}", web::post().to(webhook))
    })
    .disable_signals()
    .listen(listener)?
    .run())
}
