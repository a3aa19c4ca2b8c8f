//! The summary report of one business over a period `[from, to)`: counts and sums computed by
//! the database (`COUNT`/`SUM`, grouped where a breakdown is needed), never by loading rows.
//! Each query ranges over an index on `(business_id, <time>)` (migration
//! `2026-11-24-000106_report_indexes`).
//!
//! Definitions:
//! - new customers: created in the period;
//! - calls: started in the period; *answered* are `in-progress` or `completed`, *missed* are
//!   `busy`, `no-answer`, `canceled` or `failed` (Twilio's statuses; a call still ringing is
//!   neither); the average duration is over answered calls, rounded to whole seconds;
//! - WhatsApp: messages created in the period, by direction;
//! - tasks: *done* were marked done in the period; *overdue* are still open and were due in the
//!   period before now;
//! - invoices: *issued* are the tax invoices and invoice-receipts issued in the period and not
//!   cancelled (count), their total net of the credit notes issued in the period against such
//!   invoices (a cancelled invoice and the credit note that cancelled it count neither way);
//!   *paid* are the documents paid in the period — invoices, invoice-receipts and receipts, not
//!   credit notes (count and total). Amounts in agorot, VAT included.

use crate::{
    businesses::queries as business,
    db::{Db, DbConn},
    enums::{DocType, InvoiceStatus},
    error::{Error, Result},
    ids::BusinessId,
    schema::{calls, customers, invoices, tasks, whatsapp_messages},
    time,
};
use chrono::NaiveDateTime;
use diesel::{
    dsl::{count_star, sql, sum},
    prelude::*,
    sql_types::{BigInt, Nullable},
};
use serde::Serialize;

/// Twilio call statuses that mean someone (or the voice agent) picked up.
pub const ANSWERED_STATUSES: &[&str] = &["in-progress", "completed"];
/// Twilio call statuses that mean nobody did.
pub const MISSED_STATUSES: &[&str] = &["busy", "no-answer", "canceled", "failed"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CallStats {
    pub total: i64,
    pub answered: i64,
    pub missed: i64,
    /// Mean duration of the answered calls, in whole seconds (0 when none).
    pub average_duration_seconds: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WhatsAppStats {
    pub inbound: i64,
    pub outbound: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TaskStats {
    pub done: i64,
    pub overdue: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InvoiceStats {
    pub issued: i64,
    pub issued_total_agorot: i64,
    pub paid: i64,
    pub paid_total_agorot: i64,
}

/// See the module docs for what each number counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub from: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub to: NaiveDateTime,
    pub new_customers: i64,
    pub calls: CallStats,
    pub whatsapp: WhatsAppStats,
    pub tasks: TaskStats,
    pub invoices: InvoiceStats,
}

/// The summary of `business_id` over `[from, to)`, as of now. `to` must be after `from`
/// ([`Error::Validation`] on `to`); an unknown business is [`Error::NotFound`].
pub async fn summary(
    db: &Db,
    business_id: &BusinessId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Summary> {
    summary_as_of(db, business_id, from, to, time::now()).await
}

/// [`summary`] as if it were `now` (which decides what is overdue).
pub async fn summary_as_of(
    db: &Db,
    business_id: &BusinessId,
    from: NaiveDateTime,
    to: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Summary> {
    if to <= from {
        return Err(Error::validation("to", "must be after from"));
    }
    let business_id = business_id.clone();
    db.run(move |conn| {
        if !business::exists(conn, &business_id)? {
            return Err(Error::NotFound("business"));
        }
        Ok(Summary {
            from,
            to,
            new_customers: new_customers(conn, &business_id, from, to)?,
            calls: call_stats(conn, &business_id, from, to)?,
            whatsapp: whatsapp_stats(conn, &business_id, from, to)?,
            tasks: task_stats(conn, &business_id, from, to, now)?,
            invoices: invoice_stats(conn, &business_id, from, to)?,
        })
    })
    .await
}

fn new_customers(
    conn: &mut DbConn,
    b: &BusinessId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<i64> {
    Ok(customers::table
        .filter(customers::business_id.eq(b))
        .filter(customers::created_at.ge(from))
        .filter(customers::created_at.lt(to))
        .select(count_star())
        .get_result(conn)?)
}

fn call_stats(
    conn: &mut DbConn,
    b: &BusinessId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<CallStats> {
    // One row per status: (status, calls, Σ duration).
    let by_status: Vec<(String, i64, Option<i64>)> = calls::table
        .filter(calls::business_id.eq(b))
        .filter(calls::started_at.ge(from))
        .filter(calls::started_at.lt(to))
        .group_by(calls::status)
        .select((calls::status, count_star(), sum(calls::duration_seconds)))
        .load(conn)?;
    let mut stats = CallStats::default();
    let mut answered_seconds = 0_i64;
    for (status, n, seconds) in by_status {
        stats.total += n;
        if ANSWERED_STATUSES.contains(&status.as_str()) {
            stats.answered += n;
            answered_seconds += seconds.unwrap_or(0);
        } else if MISSED_STATUSES.contains(&status.as_str()) {
            stats.missed += n;
        }
    }
    if stats.answered > 0 {
        // Rounded half up (durations are non-negative).
        stats.average_duration_seconds = (answered_seconds + stats.answered / 2) / stats.answered;
    }
    Ok(stats)
}

fn whatsapp_stats(
    conn: &mut DbConn,
    b: &BusinessId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<WhatsAppStats> {
    let by_direction: Vec<(String, i64)> = whatsapp_messages::table
        .filter(whatsapp_messages::business_id.eq(b))
        .filter(whatsapp_messages::created_at.ge(from))
        .filter(whatsapp_messages::created_at.lt(to))
        .group_by(whatsapp_messages::direction)
        .select((whatsapp_messages::direction, count_star()))
        .load(conn)?;
    let mut stats = WhatsAppStats::default();
    for (direction, n) in by_direction {
        if direction.starts_with("outbound") {
            stats.outbound += n;
        } else {
            stats.inbound += n;
        }
    }
    Ok(stats)
}

fn task_stats(
    conn: &mut DbConn,
    b: &BusinessId,
    from: NaiveDateTime,
    to: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<TaskStats> {
    let done = tasks::table
        .filter(tasks::business_id.eq(b))
        .filter(tasks::done_at.ge(from))
        .filter(tasks::done_at.lt(to))
        .select(count_star())
        .get_result(conn)?;
    let due_before = to.min(now);
    let overdue = if due_before <= from {
        0
    } else {
        tasks::table
            .filter(tasks::business_id.eq(b))
            .filter(tasks::done.eq(false))
            .filter(tasks::due_at.ge(from))
            .filter(tasks::due_at.lt(due_before))
            .select(count_star())
            .get_result(conn)?
    };
    Ok(TaskStats { done, overdue })
}

fn invoice_stats(
    conn: &mut DbConn,
    b: &BusinessId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<InvoiceStats> {
    // SUM(BIGINT) is NUMERIC on PostgreSQL; cast back so both backends answer a BIGINT.
    let total = || sql::<Nullable<BigInt>>("CAST(SUM(total_agorot) AS BIGINT)");
    let sales = [DocType::TaxInvoice, DocType::TaxInvoiceReceipt];
    let (issued, issued_total): (i64, Option<i64>) = invoices::table
        .filter(invoices::business_id.eq(b))
        .filter(invoices::issued_at.ge(from))
        .filter(invoices::issued_at.lt(to))
        .filter(invoices::status.ne(InvoiceStatus::Cancelled))
        .filter(invoices::doc_type.eq_any(sales))
        .select((count_star(), total()))
        .get_result(conn)?;
    // The invoices a credit note may lower sales by: the business's standing sales documents.
    let sale = diesel::alias!(invoices as credited_sales);
    let standing_sales = sale
        .filter(sale.field(invoices::business_id).eq(b))
        .filter(sale.field(invoices::status).ne(InvoiceStatus::Cancelled))
        .filter(sale.field(invoices::doc_type).eq_any(sales))
        .select(sale.field(invoices::id).nullable());
    let credited: Option<i64> = invoices::table
        .filter(invoices::business_id.eq(b))
        .filter(invoices::issued_at.ge(from))
        .filter(invoices::issued_at.lt(to))
        .filter(invoices::status.ne(InvoiceStatus::Cancelled))
        .filter(invoices::doc_type.eq(DocType::CreditNote))
        .filter(invoices::credited_invoice_id.eq_any(standing_sales))
        .select(total())
        .get_result(conn)?;
    let (paid, paid_total): (i64, Option<i64>) = invoices::table
        .filter(invoices::business_id.eq(b))
        .filter(invoices::paid_at.ge(from))
        .filter(invoices::paid_at.lt(to))
        .filter(invoices::doc_type.ne(DocType::CreditNote))
        .select((count_star(), total()))
        .get_result(conn)?;
    Ok(InvoiceStats {
        issued,
        issued_total_agorot: issued_total.unwrap_or(0) - credited.unwrap_or(0),
        paid,
        paid_total_agorot: paid_total.unwrap_or(0),
    })
}
