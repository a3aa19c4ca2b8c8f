//! crm-svc: the CRM's storage (diesel over SQLite or PostgreSQL), its gRPC service, the consumer
//! that turns call and WhatsApp events into CRM rows, and the outbox relay that publishes the
//! CRM's own events.
//!
//! One folder per aggregate ([`customers`], [`businesses`], [`tasks`], [`invoices`],
//! [`proposals`], [`contracts`], [`signatures`], [`appointments`], [`calls`], [`whatsapp`],
//! [`users`], [`conversations`], [`push_subscriptions`], [`outbox`], [`hours`], [`today`]): its `mod.rs` holds the domain rules (async,
//! plain Rust types, the crate [`Error`]), its `queries.rs` the row struct and the diesel
//! queries (plain functions over a `&mut DbConn`, so they compose inside one transaction) and
//! its `convert.rs` its proto conversions.
//! Shared pieces, one module each: [`schema`], [`db`], [`ids`], [`enums`] (closed sets of
//! values and their transitions), [`pagination`] (`Page`, page windows, sorting), [`text`] (text
//! validation), [`line_items`], [`time`], and [`convert`] (what the proto conversions share).
//! Layers: `queries` → domain → `convert` → [`grpc`] (thin tonic methods); no module imports a
//! layer above it. [`run`] runs the whole service.

pub mod agent;
pub mod appointments;
pub mod businesses;
pub mod call_summarizer;
pub mod calls;
pub mod contracts;
pub mod conversations;
pub mod convert;
pub mod customers;
pub mod db;
pub mod demo;
pub mod document_pdfs;
pub mod enums;
pub mod error;
pub mod event_consumer;
pub mod exports;
pub mod grpc;
pub mod hours;
pub mod ids;
pub mod imports;
pub mod invoices;
pub mod line_items;
pub mod outbox;
pub mod pagination;
pub mod proposals;
pub mod push_subscriptions;
pub mod reminders;
pub mod reports;
pub mod retention;
pub mod schema;
pub mod settings;
pub mod signatures;
pub mod strings;
pub mod task_scheduler;
pub mod tasks;
pub mod tax_authority;
#[doc(hidden)]
pub mod test_support;
pub mod text;
pub mod time;
pub mod timeline;
pub mod today;
pub mod users;
pub mod whatsapp;

pub use db::{Db, DbConn, DbOptions};

pub const NAME: &str = "crm-svc";
pub use error::{Error, Result};
pub use grpc::CrmGrpc;
pub use settings::Settings;

use agentlocator_common::{
    bus::SharedBus,
    grpc::{ReadinessProbe, serve_with_readiness},
};
use anyhow::Context;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Runs crm-svc with `settings` until `shutdown` is cancelled: the gRPC service (with health,
/// NOT_SERVING while the database or bus is unreachable) on `listener`, the event consumer, the outbox relay and
/// the task-due scheduler, the call summariser, the allocation worker, the WhatsApp agent's scheduler and the pruning of old bookkeeping rows. Returns once all of them have stopped. If one of them fails, the others are stopped too and
/// the first error is returned.
pub async fn run(
    db: Db,
    bus: SharedBus,
    listener: TcpListener,
    settings: Settings,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    // Our own token, so a failing part stops its siblings without cancelling the caller's.
    let stop = shutdown.child_token();
    let probe: ReadinessProbe = {
        let (db, bus) = (db.clone(), bus.clone());
        Arc::new(move || {
            let (db, bus) = (db.clone(), bus.clone());
            Box::pin(async move {
                db.check().await.map_err(|e| e.to_string())?;
                bus.check().await.map_err(|e| e.to_string())
            })
        })
    };
    let summarizer: Arc<dyn call_summarizer::Summarizer> = match &settings.speech_url {
        Some(url) => Arc::new(call_summarizer::SpeechSummarizer::new(url)?),
        None => Arc::new(call_summarizer::NoModel),
    };
    let tax_authority = settings
        .tax_authority
        .clone()
        .map(tax_authority::TaxAuthority::new);
    let turns = settings.whatsapp_agent;
    let replier: Arc<dyn agent::whatsapp::TurnReplier> = Arc::new(
        agent::speech::SpeechReplier::new(
            settings
                .speech_url
                .as_deref()
                .unwrap_or(crate::settings::DEFAULT_SPEECH_URL),
            turns.lease,
        )
        .context("SPEECH_SVC_URL")?,
    );
    let server = CrmGrpc::new(db.clone(), settings).into_server();
    let stop_on_error = |result: anyhow::Result<()>| {
        if result.is_err() {
            stop.cancel();
        }
        result
    };
    let follow_hours = tokio::spawn(hours::cache::follow(
        db.hours_cache().clone(),
        bus.clone(),
        stop.clone(),
    ));
    let (
        served,
        consumed,
        relayed,
        scheduled,
        summarized,
        pruned,
        imported,
        allocated,
        answered,
        reminded,
    ) = tokio::join!(
        async {
            stop_on_error(
                serve_with_readiness(listener, server, stop.clone(), Some(probe))
                    .await
                    .context("crm-svc gRPC server"),
            )
        },
        async {
            stop_on_error(
                event_consumer::run(db.clone(), bus.clone(), stop.clone())
                    .await
                    .context("crm-svc event consumer"),
            )
        },
        async {
            stop_on_error(
                outbox::run(db.clone(), bus.clone(), stop.clone())
                    .await
                    .context("crm-svc outbox relay"),
            )
        },
        async {
            stop_on_error(
                task_scheduler::run(db.clone(), stop.clone())
                    .await
                    .context("crm-svc task scheduler"),
            )
        },
        async {
            stop_on_error(
                call_summarizer::run(db.clone(), summarizer, stop.clone())
                    .await
                    .context("crm-svc call summariser"),
            )
        },
        async {
            stop_on_error(
                reminders::scheduler::run(db.clone(), stop.clone())
                    .await
                    .context("crm-svc reminder scheduler"),
            )
        },
        async {
            stop_on_error(
                retention::run(db.clone(), stop.clone())
                    .await
                    .context("crm-svc retention"),
            )
        },
        async {
            stop_on_error(
                imports::worker::run(db.clone(), stop.clone())
                    .await
                    .context("crm-svc customer imports"),
            )
        },
        async {
            stop_on_error(
                tax_authority::worker::run(db.clone(), tax_authority, stop.clone())
                    .await
                    .context("crm-svc allocation worker"),
            )
        },
        async {
            stop_on_error(
                agent::whatsapp::run(db.clone(), replier, turns, stop.clone())
                    .await
                    .context("crm-svc WhatsApp agent"),
            )
        },
    );
    stop.cancel();
    if let Err(e) = follow_hours.await {
        tracing::error!(error = %e, "following business changes failed");
    }
    served?;
    consumed?;
    relayed?;
    scheduled?;
    summarized?;
    pruned?;
    imported?;
    allocated?;
    answered?;
    reminded?;
    Ok(())
}

/// Connects to the configured database (applying migrations; blocking work kept off the async
/// threads).
pub async fn connect_db(config: &agentlocator_common::Config) -> anyhow::Result<Db> {
    let url = config.database.url();
    let db = tokio::task::spawn_blocking(move || Db::connect(&url)).await??;
    tracing::info!(backend = db.backend(), "database ready");
    Ok(db)
}

/// Runs crm-svc on its own: connects the configured database and event bus, binds its gRPC
/// address and serves until `shutdown`.
pub async fn serve(
    config: agentlocator_common::Config,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let settings = Settings::from_config(&config)?;
    let listener = agentlocator_common::grpc::bind(&config.services.crm.bind.to_string()).await?;
    let db = connect_db(&config).await?;
    let bus = agentlocator_common::bus::connect_from(&config).await?;
    run(db, bus, listener, settings, shutdown).await
}
