//! The HTTP gateway: REST/JSON for the web app, webhooks for Twilio and the WhatsApp sidecar,
//! all forwarded to the services over gRPC.

pub mod auth;
pub mod client_addr;
pub mod clients;
pub mod error;
pub mod login_limit;
pub mod metrics;
pub mod middleware;
pub mod nul;
pub mod pagination;
pub mod routes;
pub mod state;
pub mod views;

use actix_web::{
    App, Error, HttpServer,
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    middleware::from_fn,
    web,
};
use agentlocator_common::Config;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub use state::AppState;

pub const NAME: &str = "gateway";

/// The application: state, middleware and every route. Tests build it with `actix_web::test`.
pub fn create_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .configure(routes::configure)
        .default_service(web::to(not_found))
        .wrap(from_fn(nul::reject_nul))
        .wrap(middleware::json_errors())
        .wrap(from_fn(middleware::security_headers))
        .wrap(from_fn(metrics::record_request))
        .wrap(from_fn(middleware::log_request))
        .wrap(from_fn(middleware::trace_request))
}

async fn not_found() -> Result<actix_web::HttpResponse, error::ApiError> {
    Err(error::ApiError::not_found("no such page"))
}

/// How long the gateway trusts a cached copy of a business (its feature flags).
const BUSINESS_CACHE_TTL: Duration = Duration::from_secs(3);

/// The state for `config`: service clients and the token keys.
pub fn state_for(config: &Config) -> anyhow::Result<web::Data<AppState>> {
    let clients = clients::ServiceClients::new(&config.services)?;
    let tokens = agentlocator_common::jwt::TokenKeys::signing_from_config(config)?;
    Ok(web::Data::new(AppState {
        businesses: auth::BusinessCache::new(clients.crm.clone(), BUSINESS_CACHE_TTL),
        users: auth::UserCache::new(clients.crm.clone(), auth::USER_CACHE_TTL),
        tokens,
        login_limiter: login_limit::LoginLimiter::default(),
        public_base_url: config.public_base_url.trim_end_matches('/').to_string(),
        vapid_public_key: routes::push::VapidPublicKey::new(config.clone()),
        metrics_access: metrics::MetricsAccess::from_config(config),
        trusted_proxies: client_addr::TrustedProxies::from_config(config),
        security_headers: middleware::SecurityHeaders::from_config(config),
        clients,
    }))
}

/// Serves HTTP on `listener` until `shutdown` is cancelled, then drains in-flight requests.
pub async fn run(
    config: Config,
    listener: std::net::TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    agentlocator_common::metrics::install();
    let state = state_for(&config)?;
    let web_dist = web::Data::new(routes::web_app::WebDist::from_config(&config));
    let addr = listener.local_addr()?;
    let server = HttpServer::new(move || create_app(state.clone()).app_data(web_dist.clone()))
        .disable_signals()
        .shutdown_timeout(15)
        .client_request_timeout(Duration::from_secs(30))
        .listen(listener)?
        .run();
    tracing::info!(%addr, "HTTP gateway listening");
    let handle = server.handle();
    let stopper = tokio::spawn(async move {
        shutdown.cancelled().await;
        handle.stop(true).await;
    });
    server.await?;
    stopper.abort();
    tracing::info!("HTTP gateway stopped");
    Ok(())
}

/// Runs the gateway on its own: binds `HTTP_ADDR` and serves until `shutdown`.
pub async fn serve(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let listener = std::net::TcpListener::bind(config.http_addr)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.http_addr))?;
    run(config, listener, shutdown).await
}
