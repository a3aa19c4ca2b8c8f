//! The Socket.IO server: browsers connect with their sign-in token (handshake `auth: {token}`
//! or `?token=`), a connection with a missing, invalid or expired token is refused, and an
//! accepted one joins the room of its business and of its user. Nobody joins any other room, so
//! an event emitted to a business room reaches that business's staff only.
//!
//! The token alone is not enough: the handshake asks crm-svc whether its user still exists, is
//! active and has not signed out since the token was issued (the token's session version), so a
//! removed or deactivated user cannot connect with a token that has not expired yet. Connections
//! already open are closed when the user's sessions end ([`disconnect_user`], on `user.signed_out`).

use crate::{
    events::{Notification, business_room, user_room},
    push::CrmClient,
};
use agentlocator_common::jwt::{Claims, TokenKeys};
use agentlocator_proto::v1::GetUserRequest;
use engineioxide::service::NotFoundService;
use serde::Deserialize;
use socketioxide::{
    SocketIo,
    extract::{Extension, SocketRef, TryData},
    handler::ConnectHandler,
    service::SocketIoService,
};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::Code;

/// Why a handshake was refused (sent to the client as the `connect_error` message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    #[error("unauthorized: no token")]
    MissingToken,
    #[error("unauthorized: invalid token")]
    InvalidToken,
    #[error("unauthorized: the sign-in has expired")]
    Expired,
    /// The user is gone, deactivated, or signed out since the token was issued.
    #[error("unauthorized: the sign-in has ended")]
    SessionEnded,
    /// The user could not be checked (crm-svc unreachable); the client retries.
    #[error("unavailable: try again")]
    Unavailable,
}

/// The handshake's `auth` payload as socket.io-client sends it.
#[derive(Debug, Default, Deserialize)]
struct HandshakeAuth {
    token: Option<String>,
}

/// The token of a handshake: `auth.token`, else the `token` query parameter.
fn handshake_token(auth: Option<HandshakeAuth>, query: Option<&str>) -> Option<String> {
    auth.and_then(|a| a.token)
        .filter(|t| !t.is_empty())
        .or_else(|| {
            query?
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "token")
                .map(|(_, v)| v.to_string())
                .filter(|t| !t.is_empty())
        })
        .map(|t| t.strip_prefix("Bearer ").map(str::to_string).unwrap_or(t))
}

/// Checks a handshake's token and keeps the claims on the socket for the connect handler.
pub fn authenticate(
    keys: &TokenKeys,
    socket: &SocketRef,
    auth: Option<serde_json::Value>,
) -> Result<Claims, HandshakeError> {
    let auth = auth.and_then(|v| serde_json::from_value::<HandshakeAuth>(v).ok());
    let token = handshake_token(auth, socket.req_parts().uri.query())
        .ok_or(HandshakeError::MissingToken)?;
    keys.verify(&token).map_err(|e| match e {
        agentlocator_common::jwt::JwtError::Expired => HandshakeError::Expired,
        _ => HandshakeError::InvalidToken,
    })
}

/// Whether the user of `claims` may still be signed in: they exist in the token's business, are
/// active, and carry the current session version.
pub async fn check_session(crm: &CrmClient, claims: &Claims) -> Result<(), HandshakeError> {
    let user = crm
        .clone()
        .get_user(GetUserRequest {
            business_id: claims.business_id.clone(),
            id: claims.sub.clone(),
        })
        .await;
    match user {
        Ok(u) => {
            let u = u.into_inner();
            if u.active && u.session_version == claims.sv {
                Ok(())
            } else {
                Err(HandshakeError::SessionEnded)
            }
        }
        Err(s) if matches!(s.code(), Code::NotFound | Code::InvalidArgument) => {
            Err(HandshakeError::SessionEnded)
        }
        Err(s) => {
            tracing::warn!(code = ?s.code(), "checking a Socket.IO user failed");
            Err(HandshakeError::Unavailable)
        }
    }
}

/// Closes every connection of `user_id` on this replica (their sessions ended).
pub async fn disconnect_user(io: &SocketIo, user_id: &str) {
    if let Err(e) = io.to(user_room(user_id)).disconnect().await {
        tracing::warn!(user_id, error = ?e, "closing a signed-out user's connections failed");
    }
}

/// A Socket.IO server whose `/` namespace accepts signed-in staff.
pub fn build(keys: Arc<TokenKeys>, crm: CrmClient) -> (SocketIoService<NotFoundService>, SocketIo) {
    let (svc, io) = SocketIo::builder().build_svc();
    let auth = move |s: SocketRef, TryData(auth): TryData<serde_json::Value>| {
        let (keys, crm) = (keys.clone(), crm.clone());
        async move {
            let claims = authenticate(&keys, &s, auth.ok())?;
            check_session(&crm, &claims).await?;
            s.extensions.insert(claims);
            Ok::<(), HandshakeError>(())
        }
    };
    io.ns("/", on_connect.with(auth));
    (svc, io)
}

async fn on_connect(socket: SocketRef, Extension(claims): Extension<Claims>) {
    socket.join([business_room(&claims.business_id), user_room(&claims.sub)]);
    tracing::debug!(business_id = %claims.business_id, user_id = %claims.sub, "socket connected");
}

/// Serves Socket.IO (long-polling and WebSocket) on `listener` until `shutdown`, then
/// disconnects every socket.
pub async fn serve(
    listener: TcpListener,
    svc: SocketIoService<NotFoundService>,
    io: SocketIo,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "Socket.IO listening");
    loop {
        let (stream, _) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, keep serving.
                    tracing::warn!(error = %e, "accepting a Socket.IO connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let svc = svc.clone();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                res = conn.as_mut() => {
                    if let Err(e) = res {
                        tracing::debug!(error = %e, "Socket.IO connection ended with an error");
                    }
                }
                _ = stop.cancelled() => conn.as_mut().graceful_shutdown(),
            }
        });
    }
    io.close().await;
    tracing::info!("Socket.IO stopped");
    Ok(())
}

/// Emits `n` to every connection of its business on this replica.
pub async fn emit(io: &SocketIo, n: &Notification) {
    if let Err(e) = io
        .to(business_room(&n.business_id))
        .emit(n.name, &n.data)
        .await
    {
        tracing::warn!(event = n.name, error = %e, "emitting a notification failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_from_auth_or_the_query() {
        let auth = |t: &str| {
            Some(HandshakeAuth {
                token: Some(t.into()),
            })
        };
        assert_eq!(
            handshake_token(auth("a"), Some("token=b")),
            Some("a".into())
        );
        assert_eq!(
            handshake_token(auth(""), Some("EIO=4&token=b&transport=polling")),
            Some("b".into())
        );
        assert_eq!(
            handshake_token(None, Some("token=Bearer%20x")),
            Some("Bearer%20x".into())
        );
        assert_eq!(handshake_token(auth("Bearer c"), None), Some("c".into()));
        assert_eq!(handshake_token(None, Some("EIO=4")), None);
        assert_eq!(handshake_token(None, None), None);
    }
}
