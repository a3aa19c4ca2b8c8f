use std::process::ExitCode;

fn main() -> ExitCode {
    agentlocator_common::runner::run_service(
        agentlocator_gateway::NAME,
        |config, shutdown| async move {
            let listener = std::net::TcpListener::bind(config.http_addr)
                .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.http_addr))?;
            agentlocator_gateway::run(config, listener, shutdown).await
        },
    )
}
