//! A customer's timeline: calls, WhatsApp messages, tasks, contracts, invoices and what the AI
//! agent did merged newest first.
//!
//! Order: by the item's time (`started_at` of a call, `due_at` of a task, `created_at` of the
//! rest), newest first; items without a time (tasks without a due date) come after all dated
//! ones; ties are broken by `(kind, id)`, also descending. The order is strict, so a cursor (the
//! position of the last item seen) pages through without skipping or repeating anything.
//!
//! Cost: each source reads at most `limit` rows after the cursor from its index on
//! `(business_id, customer_id, <time>, id)` (migrations `2026-11-24-000102_timeline_indexes`, `2026-12-02-000110_agent`),
//! walking it backwards from the cursor; the at most `6 × limit` (+ `limit` undated tasks) rows
//! are merged here. A customer with 10,000 events costs the same as one with 50.

use crate::{
    agent::queries::AgentAction,
    calls::Call,
    contracts::Contract,
    customers::queries as customer,
    db::{Db, DbConn},
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    invoices::Invoice,
    schema::{agent_actions, calls, contracts, invoices, tasks, whatsapp_messages},
    tasks::Task,
    time,
    whatsapp::WhatsAppMessage,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use std::cmp::Ordering;

/// Items per page when the caller names no limit.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page; larger requests are clamped to it.
pub const MAX_LIMIT: i64 = 200;

/// What a timeline item is. Declared in alphabetical order, which is also its tie-break order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimelineKind {
    /// Something the AI agent did (an `agent_actions` row).
    Agent,
    Call,
    Contract,
    Invoice,
    Task,
    Whatsapp,
}

impl TimelineKind {
    pub const ALL: [TimelineKind; 6] = [
        TimelineKind::Agent,
        TimelineKind::Call,
        TimelineKind::Contract,
        TimelineKind::Invoice,
        TimelineKind::Task,
        TimelineKind::Whatsapp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TimelineKind::Agent => "agent",
            TimelineKind::Call => "call",
            TimelineKind::Contract => "contract",
            TimelineKind::Invoice => "invoice",
            TimelineKind::Task => "task",
            TimelineKind::Whatsapp => "whatsapp",
        }
    }
}

impl std::fmt::Display for TimelineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TimelineKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        TimelineKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Error::validation("before", format!("unknown item kind {s:?}")))
    }
}

/// One entry of a timeline: `{kind, id, ts, data}` where `data` is the entity's own JSON form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineItem {
    pub kind: TimelineKind,
    pub id: String,
    /// The time the item is ordered by; `null` for a task without a due date.
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub ts: Option<NaiveDateTime>,
    pub data: serde_json::Value,
}

/// Where the next page starts: strictly after (older than) this position. Build it with
/// [`TimelineCursor::after`] from the last item of a page (exact paging, ties included), or
/// [`TimelineCursor::before`] from a bare timestamp (everything older than it). Its text form
/// (`Display`/`FromStr`) is `<ts>` or `<ts>|<kind>|<id>`, with an empty `<ts>` for the undated
/// tail (e.g. `|task|0193…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineCursor(Position);

/// A place in the timeline order. `key: None` sorts above every item at `ts`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Position {
    ts: Option<NaiveDateTime>,
    key: Option<(TimelineKind, String)>,
}

impl Position {
    /// Compares in timeline order (`Greater` = earlier in the list).
    fn cmp_order(&self, other: &Position) -> Ordering {
        let rank = |p: &Position| (p.ts.is_some(), p.ts);
        rank(self)
            .cmp(&rank(other))
            .then_with(|| match (&self.key, &other.key) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}

impl TimelineCursor {
    /// Everything strictly older than `ts` (and every undated item).
    pub fn before(ts: NaiveDateTime) -> Self {
        TimelineCursor(Position {
            ts: Some(time::truncate_micros(ts)),
            key: None,
        })
    }

    /// Everything after `item` in timeline order: the cursor of the next page.
    pub fn after(item: &TimelineItem) -> Self {
        TimelineCursor(Position {
            ts: item.ts,
            key: Some((item.kind, item.id.clone())),
        })
    }
}

impl std::fmt::Display for TimelineCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(ts) = self.0.ts {
            f.write_str(&time::rfc3339(ts))?;
        }
        if let Some((kind, id)) = &self.0.key {
            write!(f, "|{kind}|{id}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for TimelineCursor {
    type Err = Error;

    /// Parses the text form; anything else is [`Error::Validation`] on `before`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::validation(
                "before",
                "must be an ISO-8601 timestamp or a cursor from a previous page",
            )
        };
        let mut parts = s.trim().splitn(3, '|');
        let ts_text = parts.next().unwrap_or_default();
        let ts = if ts_text.is_empty() {
            None
        } else {
            Some(time::from_utc(
                chrono::DateTime::parse_from_rfc3339(ts_text)
                    .map_err(|_| bad())?
                    .to_utc(),
            ))
        };
        let key = match (parts.next(), parts.next()) {
            (None, None) => None,
            (Some(kind), Some(id)) if !id.is_empty() => Some((kind.parse()?, id.to_owned())),
            _ => return Err(bad()),
        };
        if ts.is_none() && key.is_none() {
            return Err(bad());
        }
        Ok(TimelineCursor(Position { ts, key }))
    }
}

/// Up to `limit` (default [`DEFAULT_LIMIT`] when `None`, clamped to [`MAX_LIMIT`]) items of the
/// timeline of customer `customer_id` of `business_id`, after `before` (from the newest when
/// `None`). An unknown customer, or one of another business, is [`Error::NotFound`].
pub async fn timeline(
    db: &Db,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    before: Option<TimelineCursor>,
    limit: Option<i64>,
) -> Result<Vec<TimelineItem>> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit < 1 {
        return Err(Error::validation("limit", "must be 1 or more"));
    }
    let limit = limit.min(MAX_LIMIT);
    let (business_id, customer_id) = (business_id.clone(), customer_id.clone());
    db.run(move |conn| {
        if customer::find(conn, &business_id, &customer_id)?.is_none() {
            return Err(Error::NotFound("customer"));
        }
        load(conn, &business_id, &customer_id, before.map(|c| c.0), limit)
    })
    .await
}

/// Which rows of one source (kind `kind`) come after the cursor, on its time column.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bound {
    /// No cursor: every dated row.
    All,
    /// `t < ts`
    Before(NaiveDateTime),
    /// `t <= ts`
    AtOrBefore(NaiveDateTime),
    /// `t < ts OR (t = ts AND id < id)`, written `t <= ts AND (t < ts OR id < id)` so that the
    /// index range does the work.
    BeforeRow(NaiveDateTime, String),
    /// No dated row of this source qualifies.
    Nothing,
}

/// Which undated rows (tasks without a due date) come after the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
enum UndatedBound {
    All,
    /// `id < id`
    BeforeId(String),
    Nothing,
}

fn dated_bound(kind: TimelineKind, cursor: Option<&Position>) -> Bound {
    let Some(cursor) = cursor else {
        return Bound::All;
    };
    let Some(ts) = cursor.ts else {
        // The cursor is in the undated tail: every dated row is before it.
        return Bound::Nothing;
    };
    match &cursor.key {
        None => Bound::Before(ts),
        Some((k, id)) => match kind.cmp(k) {
            Ordering::Less => Bound::AtOrBefore(ts),
            Ordering::Equal => Bound::BeforeRow(ts, id.clone()),
            Ordering::Greater => Bound::Before(ts),
        },
    }
}

fn undated_bound(kind: TimelineKind, cursor: Option<&Position>) -> UndatedBound {
    match cursor {
        None
        | Some(Position { ts: Some(_), .. })
        | Some(Position {
            ts: None,
            key: None,
        }) => UndatedBound::All,
        Some(Position {
            ts: None,
            key: Some((k, id)),
        }) => match kind.cmp(k) {
            Ordering::Less => UndatedBound::All,
            Ordering::Equal => UndatedBound::BeforeId(id.clone()),
            Ordering::Greater => UndatedBound::Nothing,
        },
    }
}

/// Up to `limit` rows of one source after the cursor, newest first, as timeline items.
macro_rules! source {
    ($conn:expr, $table:ident, $ts:ident, $model:ty, $kind:expr, $b:expr, $c:expr, $cursor:expr, $limit:expr) => {{
        let mut query = $table::table
            .filter($table::business_id.eq($b))
            .filter($table::customer_id.eq($c))
            .into_boxed();
        match dated_bound($kind, $cursor) {
            Bound::Nothing => None,
            bound => {
                match bound {
                    Bound::Before(t) => query = query.filter($table::$ts.lt(t)),
                    Bound::AtOrBefore(t) => query = query.filter($table::$ts.le(t)),
                    Bound::BeforeRow(t, id) => {
                        query = query
                            .filter($table::$ts.le(t))
                            .filter($table::$ts.lt(t).or($table::id.lt(id)))
                    }
                    Bound::All | Bound::Nothing => {}
                }
                let rows: Vec<$model> = query
                    .order(($table::$ts.desc(), $table::id.desc()))
                    .limit($limit)
                    .select(<$model>::as_select())
                    .load($conn)?;
                Some(rows)
            }
        }
    }};
}

fn load(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    cursor: Option<Position>,
    limit: i64,
) -> Result<Vec<TimelineItem>> {
    use TimelineKind as K;
    let cursor = cursor.as_ref();
    let (b, c) = (business_id, customer_id);
    let mut items: Vec<Row> = Vec::new();

    if let Some(rows) = source!(conn, calls, started_at, Call, K::Call, b, c, cursor, limit) {
        // Each call carries its summary (`summary`: null until the call completes).
        for r in crate::calls::with_summaries(conn, rows)? {
            items.push(Row::new(
                K::Call,
                Some(r.call.started_at),
                r.call.id.to_string(),
                Entity::Call(r),
            ));
        }
    }
    if let Some(rows) = source!(
        conn,
        whatsapp_messages,
        created_at,
        WhatsAppMessage,
        K::Whatsapp,
        b,
        c,
        cursor,
        limit
    ) {
        for r in rows {
            items.push(Row::new(
                K::Whatsapp,
                Some(r.created_at),
                r.id.to_string(),
                Entity::Whatsapp(r),
            ));
        }
    }
    if let Some(rows) = source!(
        conn,
        contracts,
        created_at,
        Contract,
        K::Contract,
        b,
        c,
        cursor,
        limit
    ) {
        for r in rows {
            items.push(Row::new(
                K::Contract,
                Some(r.created_at),
                r.id.to_string(),
                Entity::Contract(r),
            ));
        }
    }
    if let Some(rows) = source!(
        conn,
        invoices,
        created_at,
        Invoice,
        K::Invoice,
        b,
        c,
        cursor,
        limit
    ) {
        for r in rows {
            items.push(Row::new(
                K::Invoice,
                Some(r.created_at),
                r.id.to_string(),
                Entity::Invoice(r),
            ));
        }
    }
    if let Some(rows) = source!(
        conn,
        agent_actions,
        created_at,
        AgentAction,
        K::Agent,
        b,
        c,
        cursor,
        limit
    ) {
        for r in rows {
            items.push(Row::new(
                K::Agent,
                Some(r.created_at),
                r.id.to_string(),
                Entity::Agent(r),
            ));
        }
    }
    // Tasks by due date: the dated ones through the same index range (`due_at` comparisons
    // exclude NULLs; without a cursor we say so explicitly)…
    let dated_tasks = if dated_bound(K::Task, cursor) == Bound::All {
        let rows: Vec<Task> = tasks::table
            .filter(tasks::business_id.eq(b))
            .filter(tasks::customer_id.eq(c))
            .filter(tasks::due_at.is_not_null())
            .order((tasks::due_at.desc(), tasks::id.desc()))
            .limit(limit)
            .select(Task::as_select())
            .load(conn)?;
        Some(rows)
    } else {
        source!(conn, tasks, due_at, Task, K::Task, b, c, cursor, limit)
    };
    for r in dated_tasks.into_iter().flatten() {
        items.push(Row::new(
            K::Task,
            r.due_at,
            r.id.to_string(),
            Entity::Task(r),
        ));
    }
    // …and the undated ones, which come after every dated item.
    let undated = undated_bound(K::Task, cursor);
    if undated != UndatedBound::Nothing {
        let mut query = tasks::table
            .filter(tasks::business_id.eq(b))
            .filter(tasks::customer_id.eq(c))
            .filter(tasks::due_at.is_null())
            .into_boxed();
        if let UndatedBound::BeforeId(id) = undated {
            query = query.filter(tasks::id.lt(id));
        }
        let rows: Vec<Task> = query
            .order(tasks::id.desc())
            .limit(limit)
            .select(Task::as_select())
            .load(conn)?;
        for r in rows {
            items.push(Row::new(K::Task, None, r.id.to_string(), Entity::Task(r)));
        }
    }

    items.sort_by(|x, y| y.position.cmp_order(&x.position));
    items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    items.into_iter().map(Row::into_item).collect()
}

/// A source row before the merge; only the rows that make the page are turned into JSON.
struct Row {
    position: Position,
    entity: Entity,
}

enum Entity {
    Agent(AgentAction),
    Call(crate::calls::CallView),
    Whatsapp(WhatsAppMessage),
    Task(Task),
    Contract(Contract),
    Invoice(Invoice),
}

impl Row {
    fn new(kind: TimelineKind, ts: Option<NaiveDateTime>, id: String, entity: Entity) -> Row {
        Row {
            position: Position {
                ts,
                key: Some((kind, id)),
            },
            entity,
        }
    }

    fn into_item(self) -> Result<TimelineItem> {
        let Position { ts, key } = self.position;
        let (kind, id) = key.ok_or_else(|| Error::Internal("timeline row without a key".into()))?;
        let data = match &self.entity {
            Entity::Agent(e) => serde_json::to_value(e),
            Entity::Call(e) => serde_json::to_value(e),
            Entity::Whatsapp(e) => serde_json::to_value(e),
            Entity::Task(e) => serde_json::to_value(e),
            Entity::Contract(e) => serde_json::to_value(e),
            Entity::Invoice(e) => serde_json::to_value(e),
        }
        .map_err(|e| Error::Internal(format!("cannot serialise {kind} {id}: {e}")))?;
        Ok(TimelineItem { kind, id, ts, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().naive_utc()
    }

    #[test]
    fn cursors_round_trip_through_text() {
        for text in [
            "2026-06-01T09:00:00Z",
            "2026-06-01T09:00:00.123456Z|task|0193-a",
            "|task|0193-a",
            "2026-06-01T09:00:00Z|whatsapp|x|y",
        ] {
            let c: TimelineCursor = text.parse().unwrap();
            assert_eq!(c.to_string(), text);
        }
        let c: TimelineCursor = "2026-06-01T12:00:00+03:00".parse().unwrap();
        assert_eq!(c, TimelineCursor::before(t("2026-06-01T09:00:00Z")));
        for bad in [
            "",
            "yesterday",
            "2026-06-01T09:00:00Z|task",
            "|",
            "|sms|1",
            "|task|",
        ] {
            assert!(
                matches!(
                    bad.parse::<TimelineCursor>(),
                    Err(Error::Validation {
                        field: "before",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn bounds_follow_the_kind_tie_break() {
        let ts = t("2026-06-01T09:00:00Z");
        let at = |kind, id: &str| Position {
            ts: Some(ts),
            key: Some((kind, id.to_owned())),
        };
        let c = at(TimelineKind::Invoice, "5");
        assert_eq!(
            dated_bound(TimelineKind::Call, Some(&c)),
            Bound::AtOrBefore(ts)
        );
        assert_eq!(
            dated_bound(TimelineKind::Invoice, Some(&c)),
            Bound::BeforeRow(ts, "5".into())
        );
        assert_eq!(dated_bound(TimelineKind::Task, Some(&c)), Bound::Before(ts));
        assert_eq!(dated_bound(TimelineKind::Task, None), Bound::All);
        assert_eq!(
            undated_bound(TimelineKind::Task, Some(&c)),
            UndatedBound::All
        );
        let tail = Position {
            ts: None,
            key: Some((TimelineKind::Task, "7".into())),
        };
        assert_eq!(dated_bound(TimelineKind::Call, Some(&tail)), Bound::Nothing);
        assert_eq!(
            undated_bound(TimelineKind::Task, Some(&tail)),
            UndatedBound::BeforeId("7".into())
        );
    }

    #[test]
    fn order_is_newest_first_then_kind_then_id_with_undated_last() {
        let pos = |ts: Option<&str>, kind, id: &str| Position {
            ts: ts.map(t),
            key: Some((kind, id.to_owned())),
        };
        let newer = pos(Some("2026-06-02T00:00:00Z"), TimelineKind::Call, "1");
        let older_task = pos(Some("2026-06-01T00:00:00Z"), TimelineKind::Task, "1");
        let older_call = pos(Some("2026-06-01T00:00:00Z"), TimelineKind::Call, "9");
        let undated = pos(None, TimelineKind::Task, "9");
        let mut v = vec![
            undated.clone(),
            older_call.clone(),
            newer.clone(),
            older_task.clone(),
        ];
        v.sort_by(|x, y| y.cmp_order(x));
        assert_eq!(v, vec![newer, older_task, older_call, undated]);
    }
}
