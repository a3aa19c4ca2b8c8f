//! `/socket.io/`: a reverse proxy to notify-svc's Socket.IO listener, so browsers reach live
//! notifications at the app's own origin. Engine.IO long-polling requests are forwarded as HTTP
//! (bodies streamed both ways); a WebSocket upgrade is accepted here and bridged frame by frame
//! to a WebSocket opened to notify-svc. notify-svc checks the sign-in token of the handshake.

use crate::{error::ApiError, state::AppState};
use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{self, HeaderName},
    rt, web,
};
use futures::{SinkExt, StreamExt};
use std::time::Duration;

/// Longest a polling request may take (a long-poll GET waits up to the ping interval, 25 s).
const POLL_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest WebSocket message relayed (Engine.IO's default max payload is 1 MB).
const MAX_FRAME: usize = 1024 * 1024;

thread_local! {
    // awc clients are per thread (actix workers are single-threaded); one pooled client each.
    static CLIENT: awc::Client = awc::Client::builder()
        .disable_redirects()
        .timeout(POLL_TIMEOUT)
        .finish();
}

/// Headers that belong to one hop only and are never forwarded (RFC 9110 §7.6.1).
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

pub(crate) fn is_websocket_upgrade(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn upstream_unreachable(e: impl std::fmt::Display) -> ApiError {
    tracing::warn!(error = %e, "a proxied service is unreachable");
    ApiError::new(
        actix_web::http::StatusCode::BAD_GATEWAY,
        "bad_gateway",
        "this live service is unavailable right now",
    )
}

/// Any method on `/socket.io/…`.
pub async fn proxy(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let path = req
        .uri()
        .path_and_query()
        .map_or("/socket.io/", |p| p.as_str());
    let url = format!("{}{path}", state.clients.socket_io_url);
    if is_websocket_upgrade(&req) {
        return websocket(req, payload, url, &[]).await;
    }
    let client = CLIENT.with(Clone::clone);
    let mut upstream = client.request(req.method().clone(), &url).no_decompress();
    for (name, value) in req.headers() {
        if !hop_by_hop(name) {
            upstream = upstream.append_header((name.clone(), value.clone()));
        }
    }
    if let Some(peer) = req.peer_addr() {
        upstream = upstream.insert_header(("x-forwarded-for", peer.ip().to_string()));
    }
    let res = upstream
        .send_stream(payload)
        .await
        .map_err(upstream_unreachable)?;
    let mut out = HttpResponse::build(res.status());
    for (name, value) in res.headers() {
        if !hop_by_hop(name) {
            out.append_header((name.clone(), value.clone()));
        }
    }
    Ok(out.streaming(res))
}

/// Opens a WebSocket to `url` (with the request's `forward` headers), then accepts the client's
/// and bridges the two frame by frame; either side closing closes the other. The upstream is
/// asked first, so an upgrade it refuses (a 403 for a bad signature, a 503 while it shuts down)
/// is refused to the client with the same status and nothing is accepted.
pub(crate) async fn websocket(
    req: HttpRequest,
    payload: web::Payload,
    url: String,
    forward: &[&str],
) -> Result<HttpResponse, ApiError> {
    let client = CLIENT.with(Clone::clone);
    let mut upstream_req = client.ws(url).max_frame_size(MAX_FRAME);
    for name in forward {
        if let Some(value) = req.headers().get(*name) {
            upstream_req = upstream_req.set_header(*name, value.clone());
        }
    }
    let (_, upstream) = upstream_req.connect().await.map_err(|e| match e {
        // Refusals are passed on as they are: 4xx, and 503 from a service that is shutting down
        // (Twilio then goes on with the TwiML after <Connect>).
        awc::error::WsClientError::InvalidResponseStatus(status)
            if status.is_client_error()
                || status == actix_web::http::StatusCode::SERVICE_UNAVAILABLE =>
        {
            ApiError::new(
                status,
                if status == actix_web::http::StatusCode::FORBIDDEN {
                    "invalid_signature"
                } else {
                    "upgrade_refused"
                },
                "the WebSocket upgrade was refused",
            )
        }
        e => upstream_unreachable(e),
    })?;
    let (response, mut session, browser) = actix_ws::handle(&req, payload)
        .map_err(|e| ApiError::bad_request("bad_websocket_handshake", e.to_string()))?;
    let mut browser = browser.max_frame_size(MAX_FRAME).aggregate_continuations();
    let (mut up_sink, mut up_stream) = upstream.split();
    rt::spawn(async move {
        use actix_ws::AggregatedMessage as B;
        use awc::ws::{Frame as F, Message as U};
        loop {
            tokio::select! {
                from_browser = browser.next() => {
                    let msg = match from_browser {
                        Some(Ok(B::Text(t))) => U::Text(t),
                        Some(Ok(B::Binary(b))) => U::Binary(b),
                        Some(Ok(B::Ping(b))) => U::Ping(b),
                        Some(Ok(B::Pong(b))) => U::Pong(b),
                        Some(Ok(B::Close(reason))) => {
                            let _ = up_sink.send(U::Close(reason)).await;
                            break;
                        }
                        Some(Err(_)) | None => {
                            let _ = up_sink.send(U::Close(None)).await;
                            break;
                        }
                    };
                    if up_sink.send(msg).await.is_err() {
                        let _ = session.close(None).await;
                        break;
                    }
                }
                from_upstream = up_stream.next() => {
                    let sent = match from_upstream {
                        Some(Ok(F::Text(t))) => match std::str::from_utf8(&t) {
                            Ok(text) => session.text(text.to_string()).await,
                            Err(_) => session.binary(t).await,
                        },
                        Some(Ok(F::Binary(b))) => session.binary(b).await,
                        Some(Ok(F::Ping(b))) => session.ping(&b).await,
                        Some(Ok(F::Pong(b))) => session.pong(&b).await,
                        Some(Ok(F::Close(reason))) => {
                            let _ = session.close(reason).await;
                            break;
                        }
                        Some(Ok(F::Continuation(_))) => Ok(()),
                        Some(Err(_)) | None => {
                            let _ = session.close(None).await;
                            break;
                        }
                    };
                    if sent.is_err() {
                        let _ = up_sink.send(U::Close(None)).await;
                        break;
                    }
                }
            }
        }
    });
    Ok(response)
}
