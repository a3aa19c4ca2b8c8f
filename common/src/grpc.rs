//! Serving a tonic service the same way everywhere: the standard gRPC health service next to it,
//! SERVING while up and NOT_SERVING (the service and `""`) as soon as shutdown starts, trace
//! context taken from request metadata, and a graceful stop when the shutdown token is cancelled
//! — or, for a service whose work outlives the signal, once that work is drained
//! ([`serve_draining`]).

use futures::future::BoxFuture;
use std::{sync::Arc, time::Duration};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;
use tonic::{server::NamedService, service::Routes, transport::Server};

/// Checks a service's dependencies (database, bus); its health is NOT_SERVING while this fails.
pub type ReadinessProbe = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// A tonic service as these functions serve it (what a tonic router takes).
pub trait Servable:
    tower_service::Service<
        http::Request<tonic::body::Body>,
        Response = http::Response<tonic::body::Body>,
        Error = std::convert::Infallible,
        Future: Send + 'static,
    > + NamedService
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> Servable for S where
    S: tower_service::Service<
            http::Request<tonic::body::Body>,
            Response = http::Response<tonic::body::Body>,
            Error = std::convert::Infallible,
            Future: Send + 'static,
        > + NamedService
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// How often a readiness probe runs.
const PROBE_INTERVAL: Duration = Duration::from_secs(5);

/// Serves `service` (plus `grpc.health.v1.Health`) on `listener` until `shutdown` is cancelled.
pub async fn serve<S: Servable>(
    listener: TcpListener,
    service: S,
    shutdown: CancellationToken,
) -> Result<(), tonic::transport::Error> {
    serve_with_readiness(listener, service, shutdown, None).await
}

/// Like [`serve`] for a service with work that outlives the shutdown signal (voice-svc's live
/// calls): from `shutdown` on, health says NOT_SERVING (so readiness probes and the clients'
/// balancers move new work elsewhere) while requests are still answered, until `drained`.
pub async fn serve_draining<S: Servable>(
    listener: TcpListener,
    service: S,
    shutdown: CancellationToken,
    drained: CancellationToken,
) -> Result<(), tonic::transport::Error> {
    serve_until(listener, service, shutdown, None, drained).await
}

/// Like [`serve`], with the health status following `probe` (checked every few seconds), so
/// `/readyz` and Kubernetes see a service whose database or bus is gone as not ready.
pub async fn serve_with_readiness<S: Servable>(
    listener: TcpListener,
    service: S,
    shutdown: CancellationToken,
    probe: Option<ReadinessProbe>,
) -> Result<(), tonic::transport::Error> {
    let stop = shutdown.clone();
    serve_until(listener, service, shutdown, probe, stop).await
}

/// Serves until `stop`; NOT_SERVING from `shutdown` on.
async fn serve_until<S: Servable>(
    listener: TcpListener,
    service: S,
    shutdown: CancellationToken,
    probe: Option<ReadinessProbe>,
    stop: CancellationToken,
) -> Result<(), tonic::transport::Error> {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter.set_serving::<S>().await;
    if let Some(probe) = probe {
        let reporter = reporter.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let mut was_ok = true;
            loop {
                let ok = match probe().await {
                    Ok(()) => true,
                    Err(e) => {
                        if was_ok {
                            tracing::warn!(service = S::NAME, error = %e, "not ready");
                        }
                        false
                    }
                };
                if shutdown.is_cancelled() {
                    return;
                }
                if ok != was_ok {
                    if ok {
                        tracing::info!(service = S::NAME, "ready again");
                        reporter.set_serving::<S>().await;
                    } else {
                        reporter.set_not_serving::<S>().await;
                    }
                    was_ok = ok;
                }
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(PROBE_INTERVAL) => {}
                }
            }
        });
    }
    let addr = listener.local_addr().ok();
    tracing::info!(service = S::NAME, ?addr, "gRPC serving");
    let stop = {
        let reporter = reporter.clone();
        let shutdown = shutdown.clone();
        async move {
            shutdown.cancelled().await;
            reporter.set_not_serving::<S>().await;
            // `""` too: what Kubernetes' gRPC readiness probe asks by default.
            reporter
                .set_service_status("", tonic_health::ServingStatus::NotServing)
                .await;
            if !stop.is_cancelled() {
                tracing::info!(service = S::NAME, "not serving; draining before the stop");
            }
            stop.cancelled().await;
        }
    };
    let routes = Routes::new(service).add_service(health);
    Server::builder()
        .trace_fn(crate::telemetry::grpc_server_span)
        .layer(crate::metrics::GrpcMetricsLayer)
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming(listener), stop)
        .await?;
    tracing::info!(service = S::NAME, "gRPC stopped");
    Ok(())
}

/// Accepted connections with Nagle's algorithm off: tonic sets TCP_NODELAY only on listeners it
/// binds itself, and without it every small response waits for the peer's delayed ACK (~40 ms).
fn incoming(
    listener: TcpListener,
) -> impl futures::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    use futures::StreamExt;
    TcpListenerStream::new(listener).map(|conn| {
        let conn = conn?;
        conn.set_nodelay(true)?;
        Ok(conn)
    })
}

/// Binds a gRPC listen address, naming it in the error.
pub async fn bind(addr: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))
}

/// A client channel to another service, traced (W3C context in the request metadata).
pub type TracedChannel = tonic::service::interceptor::InterceptedService<
    tonic::transport::Channel,
    crate::telemetry::TracePropagation,
>;

/// A lazily connecting channel to `url` (the service may start later, and may restart: the
/// channel reconnects on its own) with a per-request `timeout`. A URL naming a host is resolved,
/// and requests are spread over every address it has ([`crate::dns_balance`]).
pub fn channel(url: &str, timeout: Duration) -> anyhow::Result<tonic::transport::Channel> {
    let endpoint = tonic::transport::Channel::from_shared(url.to_string())
        .map_err(|e| anyhow::anyhow!("invalid service URL {url}: {e}"))?;
    let configure = move |e: tonic::transport::Endpoint| {
        e.connect_timeout(Duration::from_secs(2))
            .timeout(timeout)
            .tcp_nodelay(true)
    };
    let uri = endpoint.uri().clone();
    let (Some(host), Ok(_)) = (uri.host(), tokio::runtime::Handle::try_current()) else {
        return Ok(configure(endpoint).connect_lazy());
    };
    if !crate::dns_balance::is_named(&uri) {
        return Ok(configure(endpoint).connect_lazy());
    }
    let port = uri.port_u16().unwrap_or(80);
    let host = host.to_owned();
    let resolve = move || {
        let host = host.clone();
        async move {
            Ok(tokio::net::lookup_host((host.as_str(), port))
                .await?
                .collect())
        }
    };
    Ok(crate::dns_balance::balanced(
        uri,
        configure,
        resolve,
        crate::dns_balance::REFRESH,
    ))
}

/// [`channel`], traced (W3C context in the request metadata).
pub fn traced_channel(url: &str, timeout: Duration) -> anyhow::Result<TracedChannel> {
    Ok(tonic::service::interceptor::InterceptedService::new(
        channel(url, timeout)?,
        crate::telemetry::TracePropagation,
    ))
}
