//! notify-svc: live Socket.IO events and Web Push notifications for staff.
//!
//! The service starts, reports itself through `Info`, serves the standard gRPC health service
//! and stops cleanly on shutdown; its feature RPCs grow from here.

use agentlocator_common::{Config, grpc, runner::service_info};
use agentlocator_proto::v1::{
    ServiceInfo, ServiceInfoRequest,
    notify_service_server::{NotifyService, NotifyServiceServer},
};
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
                    } else {
                        "generated keys"
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

/// Serves notify-svc on `listener` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let svc = NotifyServiceServer::new(NotifyGrpc::new(&config));
    grpc::serve(listener, svc, shutdown).await?;
    Ok(())
}

/// Runs notify-svc on its own: binds its configured gRPC address and serves until `shutdown`.
pub async fn serve(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let listener = grpc::bind(&config.services.notify.bind.to_string()).await?;
    run(config, listener, shutdown).await
}
