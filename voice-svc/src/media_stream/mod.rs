//! Twilio Media Streams: the WebSocket at [`PATH`] a realtime call's audio flows through. The
//! upgrade must carry Twilio's `X-Twilio-Signature` for the stream URL (PUBLIC_BASE_URL's host,
//! [`PATH`]); anything else is refused before a byte of the stream is read. What the stream then
//! carries is checked by [`session`] (the per-call token of its `start`).

pub mod playback;
pub mod protocol;
pub mod session;

use crate::service::Voice;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
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

/// Accepts Media Streams on `listener` until `shutdown`; each stream runs in a task of its own.
pub async fn serve(
    listener: TcpListener,
    voice: Voice,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "media streams listening");
    loop {
        let (tcp, peer) = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a media stream connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let voice = voice.clone();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = accept(tcp, voice) => {}
            }
            tracing::debug!(%peer, "media stream connection closed");
        });
    }
}

/// Upgrades `tcp` when its request is a signed upgrade to [`PATH`], then runs the stream.
async fn accept(tcp: TcpStream, voice: Voice) {
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
            session::run(socket, voice).await;
        }
        Ok(Err(e)) => tracing::debug!(error = %e, "media stream upgrade failed"),
        Err(_) => tracing::debug!("media stream upgrade timed out"),
    }
}
