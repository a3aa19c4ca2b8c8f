//! The `main` of every service binary: configuration, telemetry, a runtime, one shutdown signal,
//! and an exit code — so each service's `main.rs` is three lines.

use crate::Config;
use std::{future::Future, process::ExitCode};
use tokio_util::sync::CancellationToken;

/// Runs `service` until SIGTERM/Ctrl-C. Start-up errors (bad configuration, unreachable
/// database) print one clear line and exit 1; a clean shutdown exits 0.
pub fn run_service<F, Fut>(name: &'static str, service: F) -> ExitCode
where
    F: FnOnce(Config, CancellationToken) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{name}: configuration error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{name}: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let _telemetry = match crate::telemetry::init(&config, name) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("{name}: telemetry: {e:#}");
                return ExitCode::FAILURE;
            }
        };
        crate::metrics::install();
        let shutdown = CancellationToken::new();
        tokio::spawn(crate::shutdown::cancel_on_signal(shutdown.clone()));
        match service(config, shutdown).await {
            Ok(()) => {
                tracing::info!(service = name, "stopped cleanly");
                ExitCode::SUCCESS
            }
            Err(e) => {
                tracing::error!(service = name, error = format!("{e:#}"), "failed");
                eprintln!("{name}: {e:#}");
                ExitCode::FAILURE
            }
        }
    })
}

/// [`run_service`] for a long-running server: also serves `GET /metrics` on `METRICS_ADDR` when
/// it is set (a one-off command such as `migrate` does not, so it never competes for the port).
pub fn run_server<F, Fut>(name: &'static str, service: F) -> ExitCode
where
    F: FnOnce(Config, CancellationToken) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    run_service(name, move |config, shutdown| async move {
        crate::metrics::serve_if_configured(&config, shutdown.clone()).await?;
        service(config, shutdown).await
    })
}

/// The `ServiceInfo` every service reports from its `Info` RPC.
pub fn service_info(
    name: &str,
    details: impl IntoIterator<Item = (&'static str, String)>,
) -> agentlocator_proto::v1::ServiceInfo {
    agentlocator_proto::v1::ServiceInfo {
        name: name.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        details: details
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}
