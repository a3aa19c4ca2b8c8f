//! `agentlocator`: the whole product in one binary. `up` runs every service in one process (each
//! on its own gRPC port, the gateway reaching them over gRPC exactly as in Kubernetes); `serve`
//! runs one service; `migrate` and `demo` manage the database.

use agentlocator::{admin, services};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "agentlocator",
    version,
    about = "AgentLocator — Hebrew-first CRM with AI voice and WhatsApp"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run every service in this process (the default).
    Up,
    /// Run one service.
    Serve {
        #[arg(value_enum)]
        service: services::Service,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Create the demo business, its owner and 50 customers (idempotent).
    Demo,
    /// Transcribe the calls recorded while no transcription engine was configured.
    TranscribePending {
        /// At most this many calls in one run.
        #[arg(long, default_value_t = 500)]
        limit: i64,
    },
    /// Print a new VAPID key pair for Web Push (set as VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY).
    VapidKeys,
    /// Manage businesses and users.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Up);
    if let Command::VapidKeys = command {
        // Needs no configuration, database or bus: just a fresh key pair on stdout.
        let keys = agentlocator_common::vapid::VapidKeys::generate();
        println!("VAPID_PUBLIC_KEY={}", keys.public_key);
        println!("VAPID_PRIVATE_KEY={}", keys.private_key.expose());
        return ExitCode::SUCCESS;
    }
    let name = match &command {
        Command::Up => "agentlocator",
        Command::Serve { service } => service.name(),
        Command::Migrate => "migrate",
        Command::Demo => "demo",
        Command::Admin { .. } => "admin",
        Command::VapidKeys => "vapid-keys",
        Command::TranscribePending { .. } => "transcribe-pending",
    };
    agentlocator_common::runner::run_service(name, move |config, shutdown| async move {
        // The servers (not one-off commands) serve GET /metrics on METRICS_ADDR when it is set.
        if matches!(command, Command::Up | Command::Serve { .. }) {
            agentlocator_common::metrics::serve_if_configured(&config, shutdown.clone()).await?;
        }
        match command {
            Command::Up => services::up(config, shutdown).await,
            Command::Serve { service } => services::serve(service, config, shutdown).await,
            Command::Migrate => services::migrate(&config).await,
            Command::Demo => services::demo(&config).await,
            Command::Admin { command } => admin::run(command, &config).await,
            Command::VapidKeys => Ok(()),
            Command::TranscribePending { limit } => {
                agentlocator::transcribe_pending::run(&config, limit)
                    .await
                    .map(|s| {
                        println!(
                            "transcribed {}, unclear {}, failed (left pending) {}",
                            s.transcribed, s.unclear, s.failed
                        );
                    })
            }
        }
    })
}
