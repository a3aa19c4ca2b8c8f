//! gRPC clients of the services behind the gateway. Channels connect lazily and reconnect on
//! their own, so the gateway starts before the services and survives their restarts.

use agentlocator_common::{config::Services, telemetry::TracePropagation};
use agentlocator_proto::v1::{
    crm_service_client::CrmServiceClient, speech_service_client::SpeechServiceClient,
    voice_service_client::VoiceServiceClient, whats_app_service_client::WhatsAppServiceClient,
};
use std::time::Duration;
use tonic::{service::interceptor::InterceptedService, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

pub type Traced = InterceptedService<Channel, TracePropagation>;
pub type CrmClient = CrmServiceClient<Traced>;
pub type SpeechClient = SpeechServiceClient<Traced>;
pub type VoiceClient = VoiceServiceClient<Traced>;
pub type WhatsAppClient = WhatsAppServiceClient<Traced>;

/// Largest message from speech-svc (a cached TTS file is well under this).
const SPEECH_MESSAGE_LIMIT: usize = 16 * 1024 * 1024;

/// Largest sidecar event (a history-sync upsert can carry many messages).
pub const SIDECAR_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Longest a REST request waits on a service.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest a Twilio webhook waits on voice-svc: its turn budget (12 s by default) plus margin,
/// inside the 15 s Twilio waits.
const VOICE_TIMEOUT: Duration = Duration::from_secs(14);

#[derive(Clone)]
pub struct ServiceClients {
    pub crm: CrmClient,
    /// speech-svc: cached TTS audio for `/static/tts/{file}`.
    pub speech: SpeechClient,
    /// voice-svc: Twilio webhooks and outbound calls.
    pub voice: VoiceClient,
    /// whatsapp-bridge: sidecar webhooks, sending, pairing.
    pub whatsapp: WhatsAppClient,
    /// Base URL of notify-svc's Socket.IO listener, which `/socket.io/` is proxied to.
    pub socket_io_url: String,
    /// Base URL of voice-svc's Media Streams listener, which `/webhook/media_stream` is proxied to.
    pub voice_media_url: String,
    /// Every service with its gRPC service name, for readiness checks.
    health: Vec<(&'static str, &'static str, Channel)>,
}

fn channel(url: &str) -> anyhow::Result<Channel> {
    channel_with_timeout(url, REQUEST_TIMEOUT)
}

fn channel_with_timeout(url: &str, timeout: Duration) -> anyhow::Result<Channel> {
    agentlocator_common::grpc::channel(url, timeout)
}

impl ServiceClients {
    pub fn new(services: &Services) -> anyhow::Result<Self> {
        let crm = channel(&services.crm.url)?;
        let speech = channel(&services.speech.url)?;
        let voice = channel_with_timeout(&services.voice.url, VOICE_TIMEOUT)?;
        let whatsapp = channel(&services.whatsapp.url)?;
        let health = vec![
            ("crm-svc", "agentlocator.v1.CrmService", crm.clone()),
            ("voice-svc", "agentlocator.v1.VoiceService", voice.clone()),
            (
                "speech-svc",
                "agentlocator.v1.SpeechService",
                speech.clone(),
            ),
            (
                "notify-svc",
                "agentlocator.v1.NotifyService",
                channel(&services.notify.url)?,
            ),
            (
                "whatsapp-bridge",
                "agentlocator.v1.WhatsAppService",
                whatsapp.clone(),
            ),
        ];
        Ok(Self {
            crm: CrmServiceClient::with_interceptor(crm, TracePropagation),
            speech: SpeechServiceClient::with_interceptor(speech, TracePropagation)
                .max_decoding_message_size(SPEECH_MESSAGE_LIMIT),
            voice: VoiceServiceClient::with_interceptor(voice, TracePropagation),
            whatsapp: WhatsAppServiceClient::with_interceptor(whatsapp, TracePropagation)
                .max_decoding_message_size(SIDECAR_BODY_LIMIT),
            socket_io_url: services.notify_http.url.trim_end_matches('/').to_string(),
            voice_media_url: services.voice_media.url.trim_end_matches('/').to_string(),
            health,
        })
    }

    /// The health of every service: `(name, Ok | Err(reason))`, checked concurrently.
    pub async fn check_all(&self) -> Vec<(&'static str, Result<(), String>)> {
        let checks = self.health.iter().map(|(name, grpc_name, ch)| async move {
            let mut client = HealthClient::new(ch.clone());
            let req = HealthCheckRequest {
                service: grpc_name.to_string(),
            };
            let res = tokio::time::timeout(Duration::from_secs(2), client.check(req)).await;
            let status = match res {
                Err(_) => Err("timed out".to_string()),
                Ok(Err(s)) => Err(format!("{:?}: {}", s.code(), s.message())),
                Ok(Ok(r)) => match r.into_inner().status() {
                    ServingStatus::Serving => Ok(()),
                    other => Err(format!("{other:?}")),
                },
            };
            (*name, status)
        });
        futures::future::join_all(checks).await
    }
}
