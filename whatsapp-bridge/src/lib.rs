//! whatsapp-bridge: per-business WhatsApp (the Baileys sidecar, or the Cloud API) into the CRM.
//!
//! The sidecar forwards Baileys events through the gateway's `/webhook/whatsapp_incoming`; the
//! bridge normalises them ([`baileys_events`], [`jid`]) and publishes `whatsapp.*` events that
//! crm-svc stores (one row per provider message id) and notify-svc announces. Sending, pairing
//! and logout go from the gateway through the bridge to the sidecar ([`sidecar`]); the AI agent's
//! send requests come as `agent.whatsapp_requested` events ([`agent_sends`]).

pub mod agent_sends;
pub mod baileys_events;
pub mod cloud_api;
pub mod cloud_client;
pub mod error;
pub mod grpc;
pub mod inbound;
pub mod jid;
pub mod replicas;
pub mod service;
pub mod sidecar;
pub mod strings;

use agentlocator_common::{
    Config,
    bus::SharedBus,
    config::{Secret, WaProvider},
    grpc as common_grpc,
    runner::service_info,
};
use agentlocator_proto::v1::{
    crm_service_client::CrmServiceClient, whats_app_service_server::WhatsAppServiceServer,
};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub const NAME: &str = "whatsapp-bridge";

/// Largest sidecar event accepted (the gateway enforces the same limit on the HTTP body).
pub const SIDECAR_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Serves whatsapp-bridge on `listener` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    bus: SharedBus,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let secret = config.resolve_wa_bridge_secret()?;
    let crm = CrmServiceClient::new(common_grpc::traced_channel(
        &config.services.crm.url,
        Duration::from_secs(10),
    )?);
    let sidecar = sidecar::SidecarClient::new(&config.wa_sidecar_url, secret.clone());
    let replicas = replicas::Replicas::new(config.wa_bridge_advertise_url.clone());
    tracing::info!(replica = replicas.id(), advertise = ?replicas.advertise_url(), "whatsapp-bridge replica");
    let bus_for_agent = bus.clone();
    let mut bridge = service::Bridge::new(crm, bus, sidecar, secret).with_replicas(replicas);
    if config.wa_provider == WaProvider::Cloud {
        // Config guarantees all three with WA_PROVIDER=cloud.
        let required = |s: &Option<Secret>, var: &str| {
            s.clone()
                .ok_or_else(|| anyhow::anyhow!("{var} is required with WA_PROVIDER=cloud"))
        };
        bridge = bridge.with_cloud(service::Cloud {
            client: cloud_client::CloudClient::new(
                &config.wa_cloud_api_base,
                required(&config.wa_cloud_access_token, "WA_CLOUD_ACCESS_TOKEN")?,
            ),
            app_secret: required(&config.wa_cloud_app_secret, "WA_CLOUD_APP_SECRET")?,
            verify_token: required(&config.wa_cloud_verify_token, "WA_CLOUD_VERIFY_TOKEN")?,
        });
    }
    // The agent's send requests, taken by one replica each, until shutdown.
    tokio::spawn(agent_sends::run(
        bridge.clone(),
        bus_for_agent,
        shutdown.clone(),
    ));
    let info = service_info(
        NAME,
        [
            ("provider", format!("{:?}", config.wa_provider)),
            ("sidecar", config.wa_sidecar_url.clone()),
        ],
    );
    let svc = WhatsAppServiceServer::new(grpc::WhatsAppGrpc::new(info, bridge))
        .max_decoding_message_size(SIDECAR_BODY_LIMIT + 64 * 1024);
    common_grpc::serve(listener, svc, shutdown).await?;
    Ok(())
}

/// Runs whatsapp-bridge on its own: binds its configured gRPC address and serves until `shutdown`.
pub async fn serve(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let bus = agentlocator_common::bus::connect_from(&config).await?;
    let listener = common_grpc::bind(&config.services.whatsapp.bind.to_string()).await?;
    run(config, bus, listener, shutdown).await
}
