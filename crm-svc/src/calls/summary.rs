//! The summary of a completed call: a short Hebrew text and the follow-ups the agent promised.
//!
//! When a call completes ([`request`], in the event's transaction) its summary row is written
//! `pending` — once per call, however often the completion is delivered. The summariser
//! ([`crate::call_summarizer`]) claims pending rows ([`claim`]), asks the language model outside
//! any transaction, and [`store`]s the result with its `call.summarized` event and, when staff
//! must act, the call's one follow-up task (the same task a turn the agent could not answer
//! creates; never a second). Without a model, or when it fails, the summary is the
//! deterministic [`fallback`]: what the caller asked first and what the agent did, labelled as
//! made without a model — never invented.

use super::{Call, CallTurn};
use crate::{
    db::{DbConn, write_transaction},
    error::{Error, Result},
    ids::{BusinessId, CallId},
    outbox::queries as outbox,
    schema::{agent_actions, call_follow_ups, call_summaries},
    strings, time,
};
use agentlocator_common::agent_tools::ToolName;
use agentlocator_proto::{
    Event, new_event,
    v1::{CallSummaryEvent, event::Payload},
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

pub const STATUS_PENDING: &str = "pending";
pub const STATUS_DONE: &str = "done";
/// Longest summary kept (characters); a longer one from the model is cut.
pub const MAX_SUMMARY_CHARS: usize = 1_000;
/// Most follow-ups kept, and the longest one (characters).
pub const MAX_FOLLOW_UPS: usize = 5;
pub const MAX_FOLLOW_UP_CHARS: usize = 200;
/// Turns of a call the summary is made from (the most recent ones of a very long call).
pub const MAX_TURNS: i64 = 60;
/// How long a claimed summary is left to its summariser before another may take it.
pub const CLAIM_SECONDS: i64 = 60;

/// Who wrote a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The language model.
    Llm,
    /// [`fallback`]: without a model, from the turns and the agent's actions.
    Fallback,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Llm => "llm",
            Source::Fallback => "fallback",
        }
    }
}

/// A summary to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub text: String,
    /// What the agent promised that staff must still do.
    pub follow_ups: Vec<String>,
}

impl Draft {
    /// `text` and `follow_ups` trimmed and cut to their limits; `None` when the text is empty.
    pub fn new(text: &str, follow_ups: &[String]) -> Option<Draft> {
        let text = cut(text, MAX_SUMMARY_CHARS);
        if text.is_empty() {
            return None;
        }
        let follow_ups = follow_ups
            .iter()
            .map(|f| cut(f, MAX_FOLLOW_UP_CHARS))
            .filter(|f| !f.is_empty())
            .take(MAX_FOLLOW_UPS)
            .collect();
        Some(Draft { text, follow_ups })
    }
}

fn cut(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A call's summary as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// `pending` (being made) | `done`
    pub status: String,
    /// Hebrew; empty while pending.
    pub text: String,
    pub follow_ups: Vec<String>,
    /// `llm` | `fallback`; empty while pending.
    pub source: String,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

/// The stored row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = call_summaries)]
struct Row {
    call_id: CallId,
    business_id: BusinessId,
    status: String,
    summary: String,
    follow_ups: String,
    source: String,
    attempts: i32,
    claimed_until: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl Row {
    fn summary(self) -> Result<Summary> {
        Ok(Summary {
            follow_ups: serde_json::from_str(&self.follow_ups).map_err(|e| {
                Error::Internal(format!(
                    "call {} has malformed summary follow_ups: {e}",
                    self.call_id
                ))
            })?,
            status: self.status,
            text: self.summary,
            source: self.source,
            updated_at: self.updated_at,
        })
    }
}

/// Asks for the summary of `call`, which has just completed: a `pending` row unless it has one.
pub fn request(conn: &mut DbConn, call: &Call) -> Result<()> {
    let exists: i64 = call_summaries::table
        .filter(call_summaries::call_id.eq(&call.id))
        .select(diesel::dsl::count_star())
        .get_result(conn)?;
    if exists > 0 {
        return Ok(());
    }
    let now = time::now();
    diesel::insert_into(call_summaries::table)
        .values(Row {
            call_id: call.id.clone(),
            business_id: call.business_id.clone(),
            status: STATUS_PENDING.into(),
            summary: String::new(),
            follow_ups: "[]".into(),
            source: String::new(),
            attempts: 0,
            claimed_until: None,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)?;
    Ok(())
}

/// The summaries of the calls `ids` (those that have one).
pub fn of_calls(conn: &mut DbConn, ids: &[CallId]) -> Result<HashMap<CallId, Summary>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<Row> = call_summaries::table
        .filter(call_summaries::call_id.eq_any(ids))
        .select(Row::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|r| Ok((r.call_id.clone(), r.summary()?)))
        .collect()
}

/// The summary of `call_id` of `business_id`, if it has one.
pub fn of_call(
    conn: &mut DbConn,
    business_id: &BusinessId,
    call_id: &CallId,
) -> Result<Option<Summary>> {
    call_summaries::table
        .filter(call_summaries::call_id.eq(call_id))
        .filter(call_summaries::business_id.eq(business_id))
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .map(Row::summary)
        .transpose()
}

/// What a summary is made from.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub call: Call,
    pub business_name: String,
    /// Oldest first.
    pub turns: Vec<CallTurn>,
    /// What the agent did in the call, as the timeline says it, in order.
    pub actions: Vec<String>,
    /// A turn nothing answered (its question), when the call has one.
    pub unanswered: Option<String>,
}

/// Up to `limit` pending summaries nobody is working on, oldest first, claimed for
/// [`CLAIM_SECONDS`] from `now` (in one transaction: `FOR UPDATE SKIP LOCKED` on PostgreSQL,
/// the single writer on SQLite), with what each is made from.
pub fn claim(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> Result<Vec<Input>> {
    write_transaction(conn, |conn| {
        macro_rules! claimable {
            () => {
                call_summaries::table
                    .filter(call_summaries::status.eq(STATUS_PENDING))
                    .filter(
                        call_summaries::claimed_until
                            .is_null()
                            .or(call_summaries::claimed_until.lt(now)),
                    )
                    .order((
                        call_summaries::created_at.asc(),
                        call_summaries::call_id.asc(),
                    ))
                    .limit(limit)
                    .select(call_summaries::call_id)
            };
        }
        let ids: Vec<CallId> = match conn {
            DbConn::Postgres(pg) => claimable!().for_update().skip_locked().load(pg)?,
            DbConn::Sqlite(sqlite) => claimable!().load(sqlite)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(call_summaries::table.filter(call_summaries::call_id.eq_any(&ids)))
            .set((
                call_summaries::claimed_until.eq(now + chrono::Duration::seconds(CLAIM_SECONDS)),
                call_summaries::attempts.eq(call_summaries::attempts + 1),
            ))
            .execute(conn)?;
        let mut inputs = Vec::with_capacity(ids.len());
        for id in &ids {
            let found = crate::schema::calls::table
                .find(id)
                .select(Call::as_select())
                .first(conn)
                .optional()?;
            if let Some(c) = found {
                inputs.push(input(conn, c)?);
            }
        }
        Ok(inputs)
    })
}

/// What the summary of `call` is made from.
pub fn input(conn: &mut DbConn, call: Call) -> Result<Input> {
    let business_name = crate::businesses::queries::find(conn, &call.business_id)?
        .map(|b| b.name)
        .unwrap_or_default();
    let turns = super::turns(conn, &call, MAX_TURNS)?;
    let actions = agent_actions::table
        .filter(agent_actions::business_id.eq(&call.business_id))
        .filter(agent_actions::conversation_ref.eq(&call.twilio_sid))
        .order((agent_actions::created_at.asc(), agent_actions::id.asc()))
        .select(agent_actions::summary)
        .load(conn)?;
    let unanswered = call_follow_ups::table
        .filter(call_follow_ups::call_id.eq(&call.id))
        .select(call_follow_ups::question)
        .first::<String>(conn)
        .optional()?
        .filter(|q| !q.trim().is_empty());
    Ok(Input {
        call,
        business_name,
        turns,
        actions,
        unanswered,
    })
}

/// The summary made without a language model: what the caller asked first (the first turn, or
/// the transcript) and what the agent did (its actions), labelled as such. Follow-ups: the turn
/// nothing answered, when there is one (its task exists already).
pub fn fallback(input: &Input) -> Draft {
    let asked = input
        .turns
        .iter()
        .map(|t| t.caller_text.trim())
        .find(|t| !t.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            input
                .call
                .transcript
                .as_deref()
                .and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty()))
                .map(str::to_owned)
        });
    let text = strings::call_summary_fallback(
        asked.as_deref().map(|a| cut(a, 200)).as_deref(),
        &input.actions,
    );
    let follow_ups: Vec<String> = input
        .unanswered
        .iter()
        .map(|q| strings::call_summary_unanswered(&cut(q, 150)))
        .collect();
    Draft::new(&text, &follow_ups).unwrap_or(Draft {
        text,
        follow_ups: Vec::new(),
    })
}

/// Whether the agent already created a task for staff in `call` (`create_task`, `hand_off`), or
/// the call has its follow-up task.
fn has_staff_task(conn: &mut DbConn, call: &Call) -> Result<bool> {
    let by_agent: i64 = agent_actions::table
        .filter(agent_actions::business_id.eq(&call.business_id))
        .filter(agent_actions::conversation_ref.eq(&call.twilio_sid))
        .filter(
            agent_actions::tool.eq_any([ToolName::CreateTask.as_str(), ToolName::HandOff.as_str()]),
        )
        .select(diesel::dsl::count_star())
        .get_result(conn)?;
    if by_agent > 0 {
        return Ok(true);
    }
    Ok(follow_up_task(conn, call)?.is_some())
}

fn follow_up_task(conn: &mut DbConn, call: &Call) -> Result<Option<String>> {
    Ok(call_follow_ups::table
        .filter(call_follow_ups::call_id.eq(&call.id))
        .select(call_follow_ups::task_id)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Stores `draft` as the summary of `call_id` (inside the caller's transaction) with its
/// `call.summarized` event, unless the call is summarised already (then `None`, nothing changes).
/// When the draft has follow-ups and no task for staff exists from this call, the call's
/// follow-up task is created (its `task.created` event too).
pub fn store(
    conn: &mut DbConn,
    call_id: &CallId,
    draft: &Draft,
    source: Source,
) -> Result<Option<Event>> {
    let now = time::now();
    let follow_ups = serde_json::to_string(&draft.follow_ups)
        .map_err(|e| Error::Internal(format!("cannot encode follow-ups: {e}")))?;
    let updated = diesel::update(
        call_summaries::table
            .filter(call_summaries::call_id.eq(call_id))
            .filter(call_summaries::status.eq(STATUS_PENDING)),
    )
    .set((
        call_summaries::status.eq(STATUS_DONE),
        call_summaries::summary.eq(&draft.text),
        call_summaries::follow_ups.eq(&follow_ups),
        call_summaries::source.eq(source.as_str()),
        call_summaries::claimed_until.eq(None::<NaiveDateTime>),
        call_summaries::updated_at.eq(now),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Ok(None);
    }
    let c = crate::schema::calls::table
        .find(call_id)
        .select(Call::as_select())
        .first(conn)?;
    if !draft.follow_ups.is_empty() && !has_staff_task(conn, &c)? {
        super::mark_follow_up(conn, &c, &draft.follow_ups.join("; "))?;
        if let Some(task) = super::create_follow_up_task(conn, &c)? {
            tracing::info!(call_sid = %c.twilio_sid, task_id = %task.id, "follow-up task created from the call's summary");
        }
    }
    let task_id = follow_up_task(conn, &c)?.unwrap_or_default();
    let event = new_event(
        c.business_id.as_str(),
        Payload::CallSummary(CallSummaryEvent {
            call_sid: c.twilio_sid.clone(),
            call_id: c.id.to_string(),
            customer_id: c
                .customer_id
                .as_ref()
                .map(|id| id.to_string())
                .unwrap_or_default(),
            direction: c.direction.clone(),
            from_number: c.from_number.clone(),
            to_number: c.to_number.clone(),
            status: c.status.clone(),
            duration_seconds: c.duration_seconds,
            summary: draft.text.clone(),
            follow_ups: draft.follow_ups.clone(),
            source: source.as_str().into(),
            task_id,
        }),
    );
    outbox::enqueue(conn, &event)?;
    Ok(Some(event))
}
