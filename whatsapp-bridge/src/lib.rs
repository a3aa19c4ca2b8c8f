//! whatsapp-bridge: per-business WhatsApp (Baileys sidecar or the Cloud API) into the CRM.
//!
//! The service starts, reports itself through `Info`, serves the standard gRPC health service
//! and stops cleanly on shutdown; its feature RPCs grow from here.

pub mod baileys_events;
pub mod cloud_api;
pub mod error;
pub mod inbound;
pub mod jid;
pub mod strings;

use agentlocator_common::{Config, grpc, runner::service_info};
use agentlocator_proto::v1::{
    ServiceInfo, ServiceInfoRequest,
    whats_app_service_server::{WhatsAppService, WhatsAppServiceServer},
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

pub const NAME: &str = "whatsapp-bridge";

/// The gRPC face of whatsapp-bridge.
pub struct WhatsAppGrpc {
    info: ServiceInfo,
}

impl WhatsAppGrpc {
    pub fn new(config: &Config) -> Self {
        Self {
            info: service_info(NAME, [("provider", format!("{:?}", config.wa_provider))]),
        }
    }
}

#[tonic::async_trait]
impl WhatsAppService for WhatsAppGrpc {
    async fn info(&self, _: Request<ServiceInfoRequest>) -> Result<Response<ServiceInfo>, Status> {
        Ok(Response::new(self.info.clone()))
    }
}

/// Serves whatsapp-bridge on `listener` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let svc = WhatsAppServiceServer::new(WhatsAppGrpc::new(&config));
    grpc::serve(listener, svc, shutdown).await?;
    Ok(())
}

/// Runs whatsapp-bridge on its own: binds its configured gRPC address and serves until `shutdown`.
pub async fn serve(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let listener = grpc::bind(&config.services.whatsapp.bind.to_string()).await?;
    run(config, listener, shutdown).await
}
