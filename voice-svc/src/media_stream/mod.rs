//! Twilio Media Streams: the WebSocket at [`PATH`] a realtime call's audio flows through. The
//! upgrade must carry Twilio's `X-Twilio-Signature` for the stream URL (PUBLIC_BASE_URL's host,
//! [`PATH`]); anything else is refused before a byte of the stream is read. What the stream then
//! carries is checked by [`session`] (the per-call token of its `start`).
//!
//! Shutdown drains the calls instead of cutting them: once `shutdown` is cancelled, new upgrades
//! are answered 503 (Twilio goes on with the TwiML after `<Connect>`, on another replica), and the
//! live calls go on until they end. Those still live after `VOICE_DRAIN_SECONDS` are handed to the
//! record loop ([`session`]), and [`serve`] returns when the last one is gone.

pub mod playback;
pub mod protocol;
pub mod session;

use crate::service::Voice;
use std::{sync::Arc, time::Duration};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};
use tokio_tungstenite::tungstenite::{
    handshake::server::{ErrorResponse, Request, Response},
    http::StatusCode,
    protocol::WebSocketConfig,
};
use tokio_util::sync::CancellationToken;

/// Where Twilio opens a call's stream (the `<Stream url>` path).
pub const PATH: &str = "/webhook/media_stream";
/// The upgrade's signature header.
pub const SIGNATURE_HEADER: &str = "x-twilio-signature";
/// Longest a client may take to complete the upgrade.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest message accepted: a `media` message of 20 ms is about 300 bytes.
const MAX_MESSAGE: usize = 64 * 1024;
/// After the drain limit, longest the handed-over calls may take to end.
const HANDOVER_GRACE: Duration = Duration::from_secs(20);
/// Gauge of the Media Streams live in this process.
pub const LIVE_CALLS: &str = "voice_realtime_live_calls";

/// The Media Streams live in this process, and the signal that hands them over at the drain
/// limit.
#[derive(Clone)]
pub struct LiveCalls {
    count: Arc<watch::Sender<usize>>,
    hand_over: CancellationToken,
}

/// One live call; dropping it counts the call as ended.
struct LiveCall(LiveCalls);

impl Drop for LiveCall {
    fn drop(&mut self) {
        self.0.count.send_modify(|n| *n -= 1);
        metrics::gauge!(LIVE_CALLS).decrement(1.0);
    }
}

impl LiveCalls {
    fn new() -> Self {
        LiveCalls {
            count: Arc::new(watch::channel(0).0),
            hand_over: CancellationToken::new(),
        }
    }

    fn enter(&self) -> LiveCall {
        self.count.send_modify(|n| *n += 1);
        metrics::gauge!(LIVE_CALLS).increment(1.0);
        LiveCall(self.clone())
    }

    fn live(&self) -> usize {
        *self.count.borrow()
    }

    async fn all_ended(&self) {
        let mut count = self.count.subscribe();
        let _ = count.wait_for(|n| *n == 0).await;
    }
}

/// Accepts Media Streams on `listener`, each in a task of its own. From `shutdown` on, drains
/// them (see the module's documentation) and returns once none is left.
pub async fn serve(
    listener: TcpListener,
    voice: Voice,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "media streams listening");
    let drain_limit = voice.settings().drain_limit;
    let calls = LiveCalls::new();
    // Connections still open when this returns (a handshake in progress) are closed with it.
    let closed = CancellationToken::new();
    let _close_on_return = closed.clone().drop_guard();
    let mut drain_until: Option<tokio::time::Instant> = None;
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled(), if drain_until.is_none() => {
                tracing::info!(
                    live = calls.live(),
                    limit_s = drain_limit.as_secs(),
                    "shutting down: new streams are refused, live calls go on"
                );
                drain_until = Some(tokio::time::Instant::now() + drain_limit);
                continue;
            }
            _ = calls.all_ended(), if drain_until.is_some() => {
                tracing::info!("every live call has ended");
                return Ok(());
            }
            _ = sleep_until(drain_until) => {
                tracing::warn!(live = calls.live(), "drain limit reached: handing the live calls over");
                calls.hand_over.cancel();
                if tokio::time::timeout(HANDOVER_GRACE, calls.all_ended()).await.is_err() {
                    tracing::warn!(live = calls.live(), "calls still live after the handover; closing them");
                }
                return Ok(());
            }
            accepted = listener.accept() => accepted,
        };
        let (tcp, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "accepting a media stream connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (voice, calls, draining, closed) = (
            voice.clone(),
            calls.clone(),
            shutdown.clone(),
            closed.clone(),
        );
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            tokio::select! {
                _ = closed.cancelled() => {}
                _ = accept(tcp, voice, &calls, &draining) => {}
            }
            tracing::debug!(%peer, "media stream connection closed");
        });
    }
}

/// Until `at`; forever when there is no `at`.
pub(crate) async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Upgrades `tcp` when its request is a signed upgrade to [`PATH`] and the service is not
/// `draining`, then runs the stream as one of `calls`.
async fn accept(tcp: TcpStream, voice: Voice, calls: &LiveCalls, draining: &CancellationToken) {
    // The shape is tungstenite's handshake callback's; its error is the refusal response.
    #[allow(clippy::result_large_err)]
    let check = |req: &Request, res: Response| -> Result<Response, ErrorResponse> {
        let refuse = |status: StatusCode, why: &str| {
            let mut r = ErrorResponse::new(Some(
                serde_json::json!({"error": status.canonical_reason().unwrap_or("refused").to_lowercase().replace(' ', "_"), "message": why})
                    .to_string(),
            ));
            *r.status_mut() = status;
            r
        };
        if req.uri().path() != PATH {
            return Err(refuse(StatusCode::NOT_FOUND, "no such stream endpoint"));
        }
        if draining.is_cancelled() {
            // Twilio goes on with the TwiML after <Connect>: the call is not lost.
            return Err(refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "voice-svc is shutting down; this replica takes no new streams",
            ));
        }
        let signature = req
            .headers()
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !voice.stream_upgrade_verified(signature) {
            tracing::warn!("media stream refused: missing or invalid X-Twilio-Signature");
            metrics::counter!("voice_webhooks_refused_total").increment(1);
            return Err(refuse(
                StatusCode::FORBIDDEN,
                "missing or invalid X-Twilio-Signature",
            ));
        }
        Ok(res)
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let upgraded = tokio::time::timeout(
        HANDSHAKE_TIMEOUT,
        tokio_tungstenite::accept_hdr_async_with_config(tcp, check, Some(config)),
    )
    .await;
    match upgraded {
        Ok(Ok(socket)) => {
            let _live = calls.enter();
            session::run(socket, voice, &calls.hand_over).await;
        }
        Ok(Err(e)) => tracing::debug!(error = %e, "media stream upgrade failed"),
        Err(_) => tracing::debug!("media stream upgrade timed out"),
    }
}
