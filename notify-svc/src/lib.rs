//! notify-svc: live Socket.IO events and Web Push notifications for staff.
//!
//! - [`socket`]: the Socket.IO server on its own HTTP listener (`NOTIFY_SVC_HTTP_ADDR`; the
//!   gateway proxies `/socket.io/` to it). The handshake carries the user's sign-in token; each
//!   connection joins its business's and its user's room.
//! - [`events`]: which bus events notify staff, and how (`task:due`, `call:incoming`,
//!   `call:transcribed`, `call:completed`, `whatsapp:message`, the live-only `call:answered`
//!   and `inbox:updated`).
//! - [`consumer`]: a per-replica fan-out consumer feeding Socket.IO, and a shared durable one
//!   feeding Web Push ([`push`]: VAPID-signed, `aes128gcm`-encrypted, gone subscriptions deleted).
//!
//! The gRPC side answers `Info` and the standard health service.

pub mod consumer;
pub mod events;
pub mod push;
pub mod socket;
pub mod strings;

use agentlocator_common::{Config, bus::SharedBus, grpc, jwt::TokenKeys, runner::service_info};
use agentlocator_proto::v1::{
    ServiceInfo, ServiceInfoRequest,
    notify_service_server::{NotifyService, NotifyServiceServer},
};
use anyhow::Context;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

pub const NAME: &str = "notify-svc";

/// The gRPC face of notify-svc.
pub struct NotifyGrpc {
    info: ServiceInfo,
}

impl NotifyGrpc {
    pub fn new(config: &Config) -> Self {
        Self {
            info: service_info(
                NAME,
                [(
                    "web_push",
                    if config.vapid_public_key.is_some() {
                        "configured"
                    } else if config.is_local_only() {
                        "generated keys"
                    } else {
                        "off"
                    }
                    .to_string(),
                )],
            ),
        }
    }
}

#[tonic::async_trait]
impl NotifyService for NotifyGrpc {
    async fn info(&self, _: Request<ServiceInfoRequest>) -> Result<Response<ServiceInfo>, Status> {
        Ok(Response::new(self.info.clone()))
    }
}

/// Where notify-svc listens: gRPC (health, info) and HTTP (Socket.IO).
pub struct Listeners {
    pub grpc: TcpListener,
    pub http: TcpListener,
}

/// Serves notify-svc until `shutdown` is cancelled: gRPC, Socket.IO, the live consumer and the
/// Web Push consumer. If
/// one part fails, the others are stopped and the first error is returned.
pub async fn run(
    config: Config,
    listeners: Listeners,
    bus: SharedBus,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let keys = Arc::new(TokenKeys::from_config(&config)?);
    let crm = push::crm_client(&config)?;
    let (svc, io) = socket::build(keys, crm.clone());
    let stop = shutdown.child_token();
    let stop_on_error = |result: anyhow::Result<()>| {
        if result.is_err() {
            stop.cancel();
        }
        result
    };
    let grpc_svc = NotifyServiceServer::new(NotifyGrpc::new(&config));
    let sender = push::PushSender::new(&config, crm)?;
    let (served, sockets, live, sessions, pushed) = tokio::join!(
        async {
            stop_on_error(
                grpc::serve(listeners.grpc, grpc_svc, stop.clone())
                    .await
                    .context("notify-svc gRPC server"),
            )
        },
        async {
            stop_on_error(
                socket::serve(listeners.http, svc, io.clone(), stop.clone())
                    .await
                    .context("notify-svc Socket.IO server"),
            )
        },
        async {
            stop_on_error(
                consumer::run_live(bus.clone(), io.clone(), stop.clone())
                    .await
                    .context("notify-svc live consumer"),
            )
        },
        async {
            stop_on_error(
                consumer::run_sessions(bus.clone(), io.clone(), stop.clone())
                    .await
                    .context("notify-svc sessions consumer"),
            )
        },
        async {
            let Some(sender) = sender else {
                tracing::warn!("Web Push is off: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY");
                return Ok(());
            };
            stop_on_error(
                push::run_push(bus.clone(), sender, stop.clone())
                    .await
                    .context("notify-svc Web Push consumer"),
            )
        },
    );
    served?;
    sockets?;
    live?;
    sessions?;
    pushed?;
    Ok(())
}

/// Runs notify-svc on its own: binds its configured addresses, connects the bus and serves until
/// `shutdown`.
pub async fn serve(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let listeners = Listeners {
        grpc: grpc::bind(&config.services.notify.bind.to_string()).await?,
        http: grpc::bind(&config.services.notify_http.bind.to_string()).await?,
    };
    let bus = agentlocator_common::bus::connect_from(&config).await?;
    run(config, listeners, bus, shutdown).await
}
