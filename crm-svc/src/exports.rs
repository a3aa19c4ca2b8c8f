//! CSV exports that Excel opens with Hebrew intact: UTF-8 with a byte-order mark, CRLF line ends,
//! cells quoted where needed, and text cells that a spreadsheet would run as a formula (starting
//! with `=` `+` `-` `@`, or a tab or carriage return) prefixed with `'`. The rows are read page by
//! page ([`PAGE_ROWS`], keyset on `(created_at, id)`) as the consumer pulls them, so an export of
//! any size holds one page in memory.

use crate::{
    db::{Db, DbConn},
    error::{Error, Result},
    ids::{BusinessId, CustomerId, ImportId},
    imports::queries as imports,
    schema::{calls, customers, invoices, tasks, whatsapp_messages},
    strings, time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use futures::Stream;
use std::collections::HashMap;

/// Rows per page (one streamed chunk).
pub const PAGE_ROWS: i64 = 1000;
/// The UTF-8 byte-order mark every export starts with.
pub const BOM: &str = "\u{feff}";

/// What is exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Customers,
    Calls,
    WhatsApp,
    Tasks,
    Invoices,
    /// The rows an import could not take (the import must be the business's: checked by the caller).
    ImportErrors(ImportId),
}

impl Source {
    /// `customers | calls | whatsapp | tasks | invoices`.
    pub fn parse(kind: &str) -> Result<Source> {
        Ok(match kind.trim() {
            "customers" => Source::Customers,
            "calls" => Source::Calls,
            "whatsapp" => Source::WhatsApp,
            "tasks" => Source::Tasks,
            "invoices" => Source::Invoices,
            _ => {
                return Err(Error::validation(
                    "kind",
                    "must be customers, calls, whatsapp, tasks or invoices",
                ));
            }
        })
    }

    fn header(&self) -> &'static [&'static str] {
        match self {
            Source::Customers => strings::EXPORT_CUSTOMERS_HEADER,
            Source::Calls => strings::EXPORT_CALLS_HEADER,
            Source::WhatsApp => strings::EXPORT_WHATSAPP_HEADER,
            Source::Tasks => strings::EXPORT_TASKS_HEADER,
            Source::Invoices => strings::EXPORT_INVOICES_HEADER,
            Source::ImportErrors(_) => strings::IMPORT_ERRORS_HEADER,
        }
    }
}

/// Appends `value` as one CSV cell: formula-guarded, quoted when it holds `,` `"` or a line end.
pub fn push_text(out: &mut String, value: &str) {
    let guard = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if guard || value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        if guard {
            out.push('\'');
        }
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// A cell of a row.
enum Cell<'a> {
    Text(&'a str),
    /// A number or date we formatted ourselves: written as is.
    Plain(String),
}

fn push_row(out: &mut String, cells: &[Cell<'_>]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match cell {
            Cell::Text(t) => push_text(out, t),
            Cell::Plain(p) => out.push_str(p),
        }
    }
    out.push_str("\r\n");
}

/// The BOM and the header line of `source`.
pub fn header(source: &Source) -> String {
    let mut out = String::from(BOM);
    let cells: Vec<Cell<'_>> = source.header().iter().map(|h| Cell::Text(h)).collect();
    push_row(&mut out, &cells);
    out
}

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    After(NaiveDateTime, String),
    Row(i64),
}

fn local(t: NaiveDateTime) -> String {
    time::to_utc(t)
        .with_timezone(&time::ISRAEL)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn local_opt(t: Option<NaiveDateTime>) -> String {
    t.map(local).unwrap_or_default()
}

fn phone(p: &str) -> String {
    agentlocator_common::phone::format_il_local(p).unwrap_or_else(|| p.to_owned())
}

fn money(agorot: i64) -> String {
    let sign = if agorot < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", (agorot / 100).abs(), (agorot % 100).abs())
}

fn status_word(s: crate::enums::CustomerStatus) -> &'static str {
    strings::IMPORT_STATUS_WORDS
        .iter()
        .find(|(_, en)| *en == s.as_str())
        .map_or(s.as_str(), |(he, _)| he)
}

/// The rows of `$table` of `$business` after `$after` in `(created_at, id)` order.
macro_rules! keyset_page {
    ($conn:expr, $table:ident, $row:ty, $business:expr, $after:expr) => {{
        let mut q = $table::table
            .filter($table::business_id.eq($business))
            .into_boxed();
        if let Some(Cursor::After(ts, id)) = $after {
            q = q.filter(
                $table::created_at
                    .gt(*ts)
                    .or($table::created_at.eq(*ts).and($table::id.gt(id.clone()))),
            );
        }
        let rows: Vec<$row> = q
            .order(($table::created_at.asc(), $table::id.asc()))
            .limit(PAGE_ROWS)
            .select(<$row>::as_select())
            .load($conn)?;
        let next = match rows.last() {
            Some(last) if rows.len() as i64 == PAGE_ROWS => {
                Some(Cursor::After(last.created_at, last.id.to_string()))
            }
            _ => None,
        };
        (rows, next)
    }};
}

/// The names of the customers `ids` of `business_id`.
fn names(
    conn: &mut DbConn,
    business_id: &BusinessId,
    ids: impl Iterator<Item = CustomerId>,
) -> Result<HashMap<CustomerId, String>> {
    let mut ids: Vec<CustomerId> = ids.collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(customers::table
        .filter(customers::business_id.eq(business_id))
        .filter(customers::id.eq_any(&ids))
        .select((customers::id, customers::name))
        .load::<(CustomerId, String)>(conn)?
        .into_iter()
        .collect())
}

/// One page of `source` for `business_id` after `after` as CSV lines, and the cursor of the next
/// page (`None` after the last).
pub fn page(
    conn: &mut DbConn,
    business_id: &BusinessId,
    source: &Source,
    after: Option<&Cursor>,
) -> Result<(String, Option<Cursor>)> {
    let mut out = String::new();
    let next = match source {
        Source::Customers => {
            let (rows, next) = keyset_page!(
                conn,
                customers,
                crate::customers::Customer,
                business_id,
                after
            );
            for c in &rows {
                push_row(
                    &mut out,
                    &[
                        Cell::Text(&c.name),
                        Cell::Text(&phone(&c.phone)),
                        Cell::Text(c.email.as_deref().unwrap_or("")),
                        Cell::Text(status_word(c.status)),
                        Cell::Text(c.source.as_str()),
                        Cell::Text(&c.notes),
                        Cell::Plain(local(c.created_at)),
                    ],
                );
            }
            next
        }
        Source::Calls => {
            let (rows, next) = keyset_page!(conn, calls, crate::calls::Call, business_id, after);
            let names = names(
                conn,
                business_id,
                rows.iter().filter_map(|r| r.customer_id.clone()),
            )?;
            for c in &rows {
                let name = c.customer_id.as_ref().and_then(|id| names.get(id));
                push_row(
                    &mut out,
                    &[
                        Cell::Plain(local(c.started_at)),
                        Cell::Text(&c.direction),
                        Cell::Text(&phone(&c.from_number)),
                        Cell::Text(&phone(&c.to_number)),
                        Cell::Text(name.map_or("", String::as_str)),
                        Cell::Text(&c.status),
                        Cell::Plain(c.duration_seconds.to_string()),
                        Cell::Text(c.transcript.as_deref().unwrap_or("")),
                    ],
                );
            }
            next
        }
        Source::WhatsApp => {
            let (rows, next) = keyset_page!(
                conn,
                whatsapp_messages,
                crate::whatsapp::WhatsAppMessage,
                business_id,
                after
            );
            let names = names(
                conn,
                business_id,
                rows.iter().filter_map(|r| r.customer_id.clone()),
            )?;
            for m in &rows {
                let name = m.customer_id.as_ref().and_then(|id| names.get(id));
                push_row(
                    &mut out,
                    &[
                        Cell::Plain(local(m.created_at)),
                        Cell::Text(&m.direction),
                        Cell::Text(&phone(&m.from_number)),
                        Cell::Text(&phone(&m.to_number)),
                        Cell::Text(name.map_or("", String::as_str)),
                        Cell::Text(&m.body),
                        Cell::Text(&m.status),
                    ],
                );
            }
            next
        }
        Source::Tasks => {
            let (rows, next) = keyset_page!(conn, tasks, crate::tasks::Task, business_id, after);
            let names = names(
                conn,
                business_id,
                rows.iter().filter_map(|r| r.customer_id.clone()),
            )?;
            for t in &rows {
                let name = t.customer_id.as_ref().and_then(|id| names.get(id));
                push_row(
                    &mut out,
                    &[
                        Cell::Text(&t.title),
                        Cell::Text(name.map_or("", String::as_str)),
                        Cell::Plain(local_opt(t.due_at)),
                        Cell::Text(if t.done {
                            strings::EXPORT_YES
                        } else {
                            strings::EXPORT_NO
                        }),
                        Cell::Plain(local(t.created_at)),
                    ],
                );
            }
            next
        }
        Source::Invoices => {
            let (rows, next) =
                keyset_page!(conn, invoices, crate::invoices::Invoice, business_id, after);
            let names = names(
                conn,
                business_id,
                rows.iter().map(|r| r.customer_id.clone()),
            )?;
            for i in &rows {
                push_row(
                    &mut out,
                    &[
                        Cell::Plain(i.number.map(|n| n.to_string()).unwrap_or_default()),
                        Cell::Text(i.doc_type.as_str()),
                        Cell::Text(i.status.as_str()),
                        Cell::Text(names.get(&i.customer_id).map_or("", String::as_str)),
                        Cell::Plain(money(i.subtotal_agorot)),
                        Cell::Plain(money(i.vat_agorot)),
                        Cell::Plain(money(i.total_agorot)),
                        Cell::Plain(local_opt(i.issued_at)),
                        Cell::Plain(local_opt(i.due_at)),
                        Cell::Plain(local_opt(i.paid_at)),
                    ],
                );
            }
            next
        }
        Source::ImportErrors(id) => {
            let after_row = match after {
                Some(Cursor::Row(r)) => *r,
                _ => 0,
            };
            let rows = imports::errors_after(conn, id, after_row, PAGE_ROWS)?;
            for e in &rows {
                push_row(
                    &mut out,
                    &[
                        Cell::Plain(e.row_number.to_string()),
                        Cell::Text(&e.field),
                        Cell::Text(&e.message),
                        Cell::Text(&e.raw),
                    ],
                );
            }
            match rows.last() {
                Some(last) if rows.len() as i64 == PAGE_ROWS => Some(Cursor::Row(last.row_number)),
                _ => None,
            }
        }
    };
    Ok((out, next))
}

/// The whole export of `source` for `business_id` as a stream of chunks: the header, then one
/// chunk per page, each read from the database only when the consumer asks for it.
pub fn stream(
    db: Db,
    business_id: BusinessId,
    source: Source,
) -> impl Stream<Item = Result<Vec<u8>>> + Send + 'static {
    enum State {
        Header,
        Page(Option<Cursor>),
        Done,
    }
    futures::stream::unfold(State::Header, move |state| {
        let (db, business_id, source) = (db.clone(), business_id.clone(), source.clone());
        async move {
            match state {
                State::Done => None,
                State::Header => Some((Ok(header(&source).into_bytes()), State::Page(None))),
                State::Page(after) => {
                    let page = db
                        .run(move |conn| page(conn, &business_id, &source, after.as_ref()))
                        .await;
                    match page {
                        Err(e) => Some((Err(e), State::Done)),
                        Ok((text, _)) if text.is_empty() => None,
                        Ok((text, next)) => Some((
                            Ok(text.into_bytes()),
                            next.map_or(State::Done, |c| State::Page(Some(c))),
                        )),
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let mut out = String::new();
        push_row(
            &mut out,
            &[
                Cell::Text("כהן, דנה"),
                Cell::Text("אמר \"שלום\""),
                Cell::Text("=cmd|' /C calc'!A0"),
                Cell::Text("+972"),
                Cell::Text("-2"),
                Cell::Text("@SUM(A1)"),
                Cell::Text("שורה\nשנייה"),
                Cell::Plain(money(-12_345)),
                Cell::Text("רגיל"),
            ],
        );
        assert_eq!(
            out,
            "\"כהן, דנה\",\"אמר \"\"שלום\"\"\",\"'=cmd|' /C calc'!A0\",\"'+972\",\"'-2\",\
             \"'@SUM(A1)\",\"שורה\nשנייה\",-123.45,רגיל\r\n"
        );
        assert!(header(&Source::Customers).starts_with("\u{feff}שם,טלפון,"));
        assert_eq!(money(5), "0.05");
    }
}
