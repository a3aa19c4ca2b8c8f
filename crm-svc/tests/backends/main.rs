//! crm-svc against real databases: every test body runs twice, on a fresh SQLite file
//! (`…_sqlite`) and on a fresh PostgreSQL database (`…_postgres`; the server comes from
//! `AL_TEST_POSTGRES_URL`, and an unreachable server fails the test).

mod agent;
mod appointments;
mod call_summary;
mod consumer;
mod contracts;
mod customers;
mod demo;
mod demo_activity;
mod document_pdfs;
mod documents;
mod fixtures;
mod hours;
mod imports;
mod inbox;
mod invoices;
mod proposals;
mod push_subscriptions;
mod relay;
mod reminders;
mod reports;
mod retention;
mod service;
mod signatures;
mod storage;
mod task_due;
mod tasks;
mod tax_authority;
mod timeline;
mod today;
mod whatsapp_agent;
mod whatsapp_lease;
mod whatsapp_session;

use std::{future::Future, time::Duration};

/// Polls `probe` until it returns `Some`, failing the test after 10 s.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
