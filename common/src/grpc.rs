//! Serving a tonic service the same way everywhere: the standard gRPC health service next to it,
//! SERVING while up and NOT_SERVING as soon as shutdown starts, trace context taken from request
//! metadata, and a graceful stop when the shutdown token is cancelled.

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;
use tonic::{server::NamedService, service::Routes, transport::Server};

/// Serves `service` (plus `grpc.health.v1.Health`) on `listener` until `shutdown` is cancelled.
pub async fn serve<S>(
    listener: TcpListener,
    service: S,
    shutdown: CancellationToken,
) -> Result<(), tonic::transport::Error>
where
    S: tower_service::Service<
            http::Request<tonic::body::Body>,
            Response = http::Response<tonic::body::Body>,
            Error = std::convert::Infallible,
        > + NamedService
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter.set_serving::<S>().await;
    let addr = listener.local_addr().ok();
    tracing::info!(service = S::NAME, ?addr, "gRPC serving");
    let stop = {
        let reporter = reporter.clone();
        let shutdown = shutdown.clone();
        async move {
            shutdown.cancelled().await;
            reporter.set_not_serving::<S>().await;
        }
    };
    let routes = Routes::new(service).add_service(health);
    Server::builder()
        .trace_fn(crate::telemetry::grpc_server_span)
        .add_routes(routes)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), stop)
        .await?;
    tracing::info!(service = S::NAME, "gRPC stopped");
    Ok(())
}

/// Binds a gRPC listen address, naming it in the error.
pub async fn bind(addr: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))
}
