//! voice-svc: the Twilio call flow (TwiML, webhook verification, turns, outbound calls).
//!
//! The service starts, reports itself through `Info`, serves the standard gRPC health service
//! and stops cleanly on shutdown; its feature RPCs grow from here.

use agentlocator_common::{Config, grpc, runner::service_info};
use agentlocator_proto::v1::{
    ServiceInfo, ServiceInfoRequest,
    voice_service_server::{VoiceService, VoiceServiceServer},
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

pub const NAME: &str = "voice-svc";

/// The gRPC face of voice-svc.
pub struct VoiceGrpc {
    info: ServiceInfo,
}

impl VoiceGrpc {
    pub fn new(config: &Config) -> Self {
        Self {
            info: service_info(
                NAME,
                [
                    (
                        "twilio",
                        if config.twilio_account_sid.is_some() {
                            "configured"
                        } else {
                            "not configured"
                        }
                        .to_string(),
                    ),
                    ("public_base_url", config.public_base_url.clone()),
                ],
            ),
        }
    }
}

#[tonic::async_trait]
impl VoiceService for VoiceGrpc {
    async fn info(&self, _: Request<ServiceInfoRequest>) -> Result<Response<ServiceInfo>, Status> {
        Ok(Response::new(self.info.clone()))
    }
}

/// Serves voice-svc on `listener` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let svc = VoiceServiceServer::new(VoiceGrpc::new(&config));
    grpc::serve(listener, svc, shutdown).await?;
    Ok(())
}

/// Runs voice-svc on its own: binds its configured gRPC address and serves until `shutdown`.
pub async fn serve(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let listener = grpc::bind(&config.services.voice.bind.to_string()).await?;
    run(config, listener, shutdown).await
}
