//! speech-svc: Hebrew audio pipeline, transcription, replies and text-to-speech.
//!
//! The service starts, reports itself through `Info`, serves the standard gRPC health service
//! and stops cleanly on shutdown; its feature RPCs grow from here.

pub mod audio;

use agentlocator_common::{Config, grpc, runner::service_info};
use agentlocator_proto::v1::{
    ServiceInfo, ServiceInfoRequest,
    speech_service_server::{SpeechService, SpeechServiceServer},
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

pub const NAME: &str = "speech-svc";

/// The gRPC face of speech-svc.
pub struct SpeechGrpc {
    info: ServiceInfo,
}

impl SpeechGrpc {
    pub fn new(config: &Config) -> Self {
        Self {
            info: service_info(
                NAME,
                [
                    ("stt_engine", format!("{:?}", config.stt_engine)),
                    ("tts_engine", format!("{:?}", config.tts_engine)),
                    ("llm_engine", format!("{:?}", config.llm_engine)),
                ],
            ),
        }
    }
}

#[tonic::async_trait]
impl SpeechService for SpeechGrpc {
    async fn info(&self, _: Request<ServiceInfoRequest>) -> Result<Response<ServiceInfo>, Status> {
        Ok(Response::new(self.info.clone()))
    }
}

/// Serves speech-svc on `listener` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let svc = SpeechServiceServer::new(SpeechGrpc::new(&config));
    grpc::serve(listener, svc, shutdown).await?;
    Ok(())
}

/// Runs speech-svc on its own: binds its configured gRPC address and serves until `shutdown`.
pub async fn serve(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let listener = grpc::bind(&config.services.speech.bind.to_string()).await?;
    run(config, listener, shutdown).await
}
