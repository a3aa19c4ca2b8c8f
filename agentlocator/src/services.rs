//! Starting the services, alone or all together, on the configured backends.

use agentlocator_common::{Config, bus, config::ServiceAddr, grpc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Service {
    Gateway,
    CrmSvc,
    VoiceSvc,
    SpeechSvc,
    NotifySvc,
    WhatsappBridge,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Gateway => agentlocator_gateway::NAME,
            Service::CrmSvc => crm_svc::NAME,
            Service::VoiceSvc => voice_svc::NAME,
            Service::SpeechSvc => speech_svc::NAME,
            Service::NotifySvc => notify_svc::NAME,
            Service::WhatsappBridge => whatsapp_bridge::NAME,
        }
    }
}

/// Binds every listener first, so a port conflict fails start-up before anything runs.
struct Listeners {
    http: std::net::TcpListener,
    crm: tokio::net::TcpListener,
    voice: tokio::net::TcpListener,
    speech: tokio::net::TcpListener,
    notify: tokio::net::TcpListener,
    notify_http: tokio::net::TcpListener,
    voice_media: tokio::net::TcpListener,
    whatsapp: tokio::net::TcpListener,
}

/// Binds every listener. A service configured on port 0 gets a free port, and the address others
/// use to reach it follows (tests run whole stacks side by side this way).
async fn bind(config: &mut Config) -> anyhow::Result<Listeners> {
    async fn one(addr: &mut ServiceAddr) -> anyhow::Result<tokio::net::TcpListener> {
        let l = grpc::bind(&addr.bind.to_string()).await?;
        if addr.bind.port() == 0 {
            addr.bind = l.local_addr()?;
            addr.url = format!("http://{}", addr.bind);
        }
        Ok(l)
    }
    let http = std::net::TcpListener::bind(config.http_addr)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.http_addr))?;
    config.http_addr = http.local_addr()?;
    let s = &mut config.services;
    Ok(Listeners {
        http,
        crm: one(&mut s.crm).await?,
        voice: one(&mut s.voice).await?,
        speech: one(&mut s.speech).await?,
        notify: one(&mut s.notify).await?,
        notify_http: one(&mut s.notify_http).await?,
        voice_media: one(&mut s.voice_media).await?,
        whatsapp: one(&mut s.whatsapp).await?,
    })
}

/// Every service of one process, started.
pub struct Running {
    /// The configuration in effect, with the addresses actually bound (port 0 resolved).
    pub config: Config,
    tasks: JoinSet<(&'static str, anyhow::Result<()>)>,
    shutdown: CancellationToken,
}

impl Running {
    /// Waits until every service has stopped (after `shutdown` is cancelled, or one of them
    /// failed — which stops the others). Returns the first failure.
    pub async fn wait(mut self) -> anyhow::Result<()> {
        let mut first_error = None;
        while let Some(joined) = self.tasks.join_next().await {
            let (name, result) = match joined {
                Ok(r) => r,
                Err(e) => ("a service", Err(anyhow::anyhow!("task panicked: {e}"))),
            };
            if let Err(e) = result {
                tracing::error!(
                    service = name,
                    error = format!("{e:#}"),
                    "service failed; stopping all"
                );
                first_error.get_or_insert(e.context(format!("{name} failed")));
            }
            // One service stopping (failure or not) stops the rest: half a product is no product.
            self.shutdown.cancel();
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Starts every service in this process and returns once all are listening.
pub async fn start(mut config: Config, shutdown: CancellationToken) -> anyhow::Result<Running> {
    let listeners = bind(&mut config).await?;
    let crm_settings = crm_svc::Settings::from_config(&config)?;
    let db = crm_svc::connect_db(&config).await?;
    let bus = bus::connect_from(&config).await?;
    if config.is_embedded() {
        let summary = crm_svc::demo::seed_demo(&db).await?;
        report_demo(&summary);
    }

    let mut tasks = JoinSet::new();
    // voice-svc drains its live calls at shutdown (VOICE_DRAIN_SECONDS); what those calls use —
    // crm-svc, speech-svc, the bus consumers, the gateway's Media Stream bridge — stops after it.
    let after_voice = CancellationToken::new();
    let notify_bus = bus.clone();
    let wa_bus = bus.clone();
    let (t, b) = (after_voice.clone(), bus.clone());
    tasks.spawn(async move {
        (
            "crm-svc",
            crm_svc::run(db, b, listeners.crm, crm_settings, t).await,
        )
    });
    let (c, t, voice_stopped) = (config.clone(), shutdown.clone(), after_voice.clone());
    let voice_listeners = voice_svc::Listeners {
        grpc: listeners.voice,
        media: listeners.voice_media,
    };
    tasks.spawn(async move {
        // Also when voice-svc panics.
        let _stopped = voice_stopped.drop_guard();
        (
            "voice-svc",
            voice_svc::run(c, bus, voice_listeners, t).await,
        )
    });
    let (c, t) = (config.clone(), after_voice.clone());
    tasks.spawn(async move { ("speech-svc", speech_svc::run(c, listeners.speech, t).await) });
    let (c, t) = (config.clone(), after_voice.clone());
    let notify_listeners = notify_svc::Listeners {
        grpc: listeners.notify,
        http: listeners.notify_http,
    };
    tasks.spawn(async move {
        (
            "notify-svc",
            notify_svc::run(c, notify_listeners, notify_bus, t).await,
        )
    });
    let (c, t) = (config.clone(), after_voice.clone());
    tasks.spawn(async move {
        (
            "whatsapp-bridge",
            whatsapp_bridge::run(c, wa_bus, listeners.whatsapp, t).await,
        )
    });
    let (c, t) = (config.clone(), after_voice.clone());
    tasks.spawn(async move {
        (
            "gateway",
            agentlocator_gateway::run(c, listeners.http, t).await,
        )
    });
    tracing::info!(
        http = %config.http_addr,
        public_base_url = %config.public_base_url,
        database = config.database.backend(),
        nats = config.nats_url.is_some(),
        "AgentLocator is up: open {} in a browser",
        config.public_base_url
    );
    Ok(Running {
        config,
        tasks,
        shutdown,
    })
}

/// Every service in one process, until shutdown.
pub async fn up(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    start(config, shutdown).await?.wait().await
}

/// One service on its own (the docker-compose and Kubernetes shape).
pub async fn serve(
    service: Service,
    config: Config,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    match service {
        Service::Gateway => agentlocator_gateway::serve(config, shutdown).await,
        Service::CrmSvc => crm_svc::serve(config, shutdown).await,
        Service::VoiceSvc => voice_svc::serve(config, shutdown).await,
        Service::SpeechSvc => speech_svc::serve(config, shutdown).await,
        Service::NotifySvc => notify_svc::serve(config, shutdown).await,
        Service::WhatsappBridge => whatsapp_bridge::serve(config, shutdown).await,
    }
}

pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    crm_svc::connect_db(config).await?;
    tracing::info!("migrations applied");
    Ok(())
}

pub async fn demo(config: &Config) -> anyhow::Result<()> {
    let db = crm_svc::connect_db(config).await?;
    let summary = crm_svc::demo::seed_demo(&db).await?;
    report_demo(&summary);
    Ok(())
}

/// Tells the operator what seeding did. The owner's password exists only now (it is stored as an
/// argon2 hash), so it goes to the terminal once, not into the structured log.
fn report_demo(summary: &crm_svc::demo::DemoSummary) {
    tracing::info!(
        business_id = summary.business_id.as_str(),
        business_created = summary.business_created,
        owner = %summary.owner_email,
        customers_created = summary.customers_created,
        "demo business ready"
    );
    if let Some(password) = &summary.owner_password {
        println!(
            "Demo business created. Sign in as {} with password: {password}",
            summary.owner_email
        );
    }
}
