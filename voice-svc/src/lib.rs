//! voice-svc: the Twilio call flow — webhook verification ([`twilio_signature`]), TwiML
//! ([`twiml`]), the decisions of each step ([`call_flow`]), the turn through speech-svc and the
//! call's events ([`service`]), outbound calls ([`twilio_rest`]), the businesses and greetings
//! webhooks need, kept in memory while their changes are followed ([`directory`]).
//!
//! Stateless: several replicas can serve the same calls (see [`call_flow`]). The call is logged
//! by crm-svc from the `call.*` events published here.

pub mod call_flow;
pub mod directory;
pub mod error;
pub mod grpc;
pub mod hours;
pub mod media_stream;
pub mod realtime;
pub mod service;
pub mod settings;
pub mod stream_token;
pub mod strings;
pub mod twilio_rest;
pub mod twilio_signature;
pub mod twiml;

use agentlocator_common::telemetry::TracePropagation;
use agentlocator_common::{Config, bus::SharedBus, grpc as common_grpc, runner::service_info};
use agentlocator_proto::v1::{
    crm_service_client::CrmServiceClient, speech_service_client::SpeechServiceClient,
    voice_service_server::VoiceServiceServer,
};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

pub const NAME: &str = "voice-svc";

/// Longest voice-svc waits on speech-svc: past the turn budget, so a late turn still finishes
/// and is stored.
const SPEECH_TIMEOUT: Duration = Duration::from_secs(90);
const CRM_TIMEOUT: Duration = Duration::from_secs(5);

fn channel(url: &str, timeout: Duration) -> anyhow::Result<Channel> {
    agentlocator_common::grpc::channel(url, timeout)
}

/// The voice service of `config`, publishing on `bus`.
pub fn voice(config: &Config, bus: SharedBus) -> anyhow::Result<service::Voice> {
    let settings = settings::Settings::from_config(config)?;
    let crm = CrmServiceClient::with_interceptor(
        channel(&config.services.crm.url, CRM_TIMEOUT)?,
        TracePropagation,
    );
    let speech = SpeechServiceClient::with_interceptor(
        channel(&config.services.speech.url, SPEECH_TIMEOUT)?,
        TracePropagation,
    );
    Ok(service::Voice::new(settings, crm, speech, bus)?)
}

/// voice-svc's listeners: gRPC (webhooks, click-to-call) and the Media Streams WebSocket.
pub struct Listeners {
    pub grpc: TcpListener,
    pub media: TcpListener,
}

/// Serves voice-svc on `listeners` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    bus: SharedBus,
    listeners: Listeners,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let info = service_info(
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
    );
    let voice = voice(&config, bus)?;
    let svc = VoiceServiceServer::new(grpc::VoiceGrpc::new(info, voice.clone()));
    // Shutdown drains the live calls (media_stream): meanwhile gRPC answers NOT_SERVING (out of
    // rotation) but still serves the webhooks routed here, and stops once the calls are gone.
    // The streams also drain when the gRPC server stops on its own.
    let stop = shutdown.child_token();
    let following = voice.follow_business_changes(stop.clone());
    let drained = CancellationToken::new();
    let grpc = async {
        let served =
            common_grpc::serve_draining(listeners.grpc, svc, stop.clone(), drained.clone()).await;
        stop.cancel();
        served
    };
    let media = async {
        let drained_calls = media_stream::serve(listeners.media, voice, stop.clone()).await;
        drained.cancel();
        drained_calls
    };
    let (served, media) = tokio::join!(grpc, media);
    stop.cancel();
    let _ = following.await;
    media?;
    served?;
    Ok(())
}

/// Runs voice-svc on its own: connects the event bus, binds its configured gRPC address and
/// serves until `shutdown`.
pub async fn serve(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let listeners = Listeners {
        grpc: common_grpc::bind(&config.services.voice.bind.to_string()).await?,
        media: common_grpc::bind(&config.services.voice_media.bind.to_string()).await?,
    };
    let bus = agentlocator_common::bus::connect_from(&config).await?;
    run(config, bus, listeners, shutdown).await
}
