//! Calls of a customer, read-only: the voice service writes them through events
//! ([`crate::event_consumer`]); staff page through them newest first. Scoped to the caller's
//! business: another business's customer is [`Error::NotFound`].

pub mod convert;
pub mod queries;
pub mod summary;

pub use queries::Call;

use crate::{
    customers::queries as customer,
    db::{Db, DbConn},
    enums::TranscriptStatus,
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    pagination::Page,
    pagination::Window,
    schema::calls,
};
use diesel::prelude::*;

/// The calls with the customer `customer_id` of `business_id`, newest first (by `started_at`,
/// then id), paginated like customers.
pub async fn list_for_customer(
    db: &Db,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    page: i64,
    limit: i64,
) -> Result<Page<CallView>> {
    let window = Window::new(page, limit)?;
    let (business_id, customer_id) = (business_id.clone(), customer_id.clone());
    let (total, items) = db
        .run(move |conn| {
            if customer::find(conn, &business_id, &customer_id)?.is_none() {
                return Err(Error::NotFound("customer"));
            }
            let (total, items) = page_of(conn, &business_id, &customer_id, window)?;
            Ok((total, with_summaries(conn, items)?))
        })
        .await?;
    Ok(window.page(total, items))
}

/// A call with its summary, as staff see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CallView {
    #[serde(flatten)]
    pub call: Call,
    /// `None` until the call completes (and for calls from before summaries).
    pub summary: Option<summary::Summary>,
}

/// `calls` with their summaries, in the same order.
pub fn with_summaries(conn: &mut DbConn, calls: Vec<Call>) -> Result<Vec<CallView>> {
    let ids: Vec<_> = calls.iter().map(|c| c.id.clone()).collect();
    let mut summaries = summary::of_calls(conn, &ids)?;
    Ok(calls
        .into_iter()
        .map(|call| CallView {
            summary: summaries.remove(&call.id),
            call,
        })
        .collect())
}

fn page_of(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    window: Window,
) -> Result<(i64, Vec<Call>)> {
    let of_customer = || {
        calls::table
            .filter(calls::business_id.eq(business_id))
            .filter(calls::customer_id.eq(customer_id))
    };
    let total: i64 = of_customer()
        .select(diesel::dsl::count_star())
        .get_result(conn)?;
    let items = of_customer()
        .order((calls::started_at.desc(), calls::id.desc()))
        .limit(window.limit)
        .offset(window.offset)
        .select(Call::as_select())
        .load(conn)?;
    Ok((total, items))
}

/// What the assistant answered on `call`, in order (stored as a JSON list of strings).
pub fn ai_replies(call: &Call) -> Result<Vec<String>> {
    serde_json::from_str(&call.ai_replies)
        .map_err(|e| Error::Internal(format!("call {} has malformed ai_replies: {e}", call.id)))
}

/// Remembers that `call` had a turn the business's knowledge could not answer (`question` is
/// what the caller asked). Once per call: a second such turn keeps the first question.
pub fn mark_follow_up(conn: &mut DbConn, call: &Call, question: &str) -> Result<()> {
    use crate::schema::call_follow_ups as f;
    let exists: i64 = f::table
        .filter(f::call_id.eq(&call.id))
        .select(diesel::dsl::count_star())
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(f::table)
            .values((
                f::call_id.eq(&call.id),
                f::business_id.eq(&call.business_id),
                f::question.eq(question),
                f::created_at.eq(crate::time::now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Creates the follow-up task of a completed `call` if it was marked and has none yet, with its
/// `task.created` event in the outbox (same transaction). Returns the new task.
pub fn create_follow_up_task(conn: &mut DbConn, call: &Call) -> Result<Option<crate::tasks::Task>> {
    use crate::{
        ids::TaskId, outbox::queries as outbox, schema::call_follow_ups as f, strings, tasks,
        tasks::Task, tasks::queries as task, time,
    };
    use agentlocator_proto::v1::TaskEventKind;
    if has_message(conn, call)? {
        return Ok(None); // the caller's message is the call's task
    }
    let pending: Option<String> = f::table
        .filter(f::call_id.eq(&call.id))
        .filter(f::task_id.is_null())
        .select(f::question)
        .first(conn)
        .optional()?;
    let Some(question) = pending else {
        return Ok(None);
    };
    let now = time::now();
    let caller = caller_of(call);
    let row = Task {
        id: TaskId::generate(),
        business_id: call.business_id.clone(),
        customer_id: call.customer_id.clone(),
        title: strings::call_follow_up_title(caller, &question),
        due_at: None,
        done: false,
        done_at: None,
        assignee_id: None,
        notified_at: None,
        created_at: now,
        updated_at: now,
    };
    task::insert(conn, &row)?;
    diesel::update(f::table.filter(f::call_id.eq(&call.id)))
        .set(f::task_id.eq(Some(row.id.to_string())))
        .execute(conn)?;
    outbox::enqueue(conn, &tasks::event(&row, TaskEventKind::Created, now))?;
    Ok(Some(row))
}

fn caller_of(call: &Call) -> &str {
    if call.direction.starts_with("outbound") {
        &call.to_number
    } else {
        &call.from_number
    }
}

/// Whether the caller left a message on `call` while the business was closed.
fn has_message(conn: &mut DbConn, call: &Call) -> Result<bool> {
    use crate::schema::call_messages as m;
    let n: i64 = m::table
        .filter(m::call_id.eq(&call.id))
        .select(diesel::dsl::count_star())
        .get_result(conn)?;
    Ok(n > 0)
}

/// A recording or transcript of `call` that is the caller's message left while the business was
/// closed (`due_at`: when it reopens), or any later transcript of such a call (`due_at` `None`,
/// e.g. from `transcribe-pending`): the call's one staff task is created, due at `due_at`, with
/// its `task.created` in the outbox, and its title follows the call's transcript. Returns the
/// task when it was created now.
pub fn record_message(
    conn: &mut DbConn,
    call: &Call,
    due_at: Option<chrono::NaiveDateTime>,
) -> Result<Option<crate::tasks::Task>> {
    use crate::{
        ids::TaskId, schema::call_messages as m, strings, tasks, tasks::Task,
        tasks::queries as task, time,
    };
    let title = strings::closed_call_message_title(
        caller_of(call),
        call.transcript.as_deref().unwrap_or_default(),
    );
    let existing: Option<Option<String>> = m::table
        .filter(m::call_id.eq(&call.id))
        .select(m::task_id)
        .first(conn)
        .optional()?;
    match (existing, due_at) {
        (Some(Some(task_id)), _) => {
            if let Some(mut t) = task::find(conn, &call.business_id, &TaskId::from(task_id))?
                && t.title != title
            {
                t.title = title;
                t.updated_at = time::now();
                task::save(conn, &t)?;
            }
            Ok(None)
        }
        // Staff deleted the task; or not a message at all.
        (Some(None), _) | (None, None) => Ok(None),
        (None, Some(due_at)) => {
            let now = time::now();
            let row = Task {
                id: TaskId::generate(),
                business_id: call.business_id.clone(),
                customer_id: call.customer_id.clone(),
                title,
                due_at: Some(time::truncate_micros(due_at)),
                done: false,
                done_at: None,
                assignee_id: None,
                notified_at: None,
                created_at: now,
                updated_at: now,
            };
            tasks::insert(conn, &row)?;
            diesel::insert_into(m::table)
                .values((
                    m::call_id.eq(&call.id),
                    m::business_id.eq(&call.business_id),
                    m::task_id.eq(Some(row.id.to_string())),
                    m::created_at.eq(now),
                ))
                .execute(conn)?;
            Ok(Some(row))
        }
    }
}

/// A call whose recording still waits for a transcript (recorded while no transcription engine
/// was configured).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingTranscript {
    pub business_id: BusinessId,
    pub call_sid: String,
    pub recording_url: String,
}

/// Up to `limit` calls with a pending transcript and a recording, oldest first, across businesses
/// (`agentlocator transcribe-pending`).
pub async fn pending_transcripts(db: &Db, limit: i64) -> Result<Vec<PendingTranscript>> {
    let limit = limit.clamp(1, 10_000);
    let rows: Vec<(BusinessId, String, Option<String>)> = db
        .run(move |conn| {
            Ok(calls::table
                .filter(calls::transcript_status.eq(TranscriptStatus::Pending))
                .filter(calls::recording_url.is_not_null())
                .order((calls::started_at.asc(), calls::id.asc()))
                .limit(limit)
                .select((calls::business_id, calls::twilio_sid, calls::recording_url))
                .load(conn)?)
        })
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(business_id, call_sid, url)| {
            Some(PendingTranscript {
                business_id,
                call_sid,
                recording_url: url.filter(|u| !u.trim().is_empty())?,
            })
        })
        .collect())
}

/// One answered turn of a call: what the caller said and what the assistant replied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallTurn {
    pub caller_text: String,
    pub ai_reply: String,
}

/// Appends an answered turn to `call` (in the event's transaction; events of one call are
/// applied in order, and a redelivered event is skipped before it reaches here).
pub fn append_turn(
    conn: &mut DbConn,
    call: &Call,
    caller_text: &str,
    ai_reply: &str,
) -> Result<()> {
    use crate::schema::call_turns as t;
    let last: Option<i32> = t::table
        .filter(t::call_id.eq(&call.id))
        .select(diesel::dsl::max(t::seq))
        .first(conn)?;
    diesel::insert_into(t::table)
        .values((
            t::call_id.eq(&call.id),
            t::seq.eq(last.unwrap_or(0) + 1),
            t::caller_text.eq(caller_text.trim()),
            t::ai_reply.eq(ai_reply.trim()),
            t::created_at.eq(crate::time::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The answered turns of the call `call_sid` of `business_id`, oldest first; the most recent
/// `limit` when there are more. A call that is not logged (yet) has none.
pub async fn conversation(
    db: &Db,
    business_id: &BusinessId,
    call_sid: &str,
    limit: i64,
) -> Result<Vec<CallTurn>> {
    let (business_id, call_sid) = (business_id.clone(), call_sid.to_owned());
    db.run(move |conn| {
        let call = calls::table
            .filter(calls::business_id.eq(&business_id))
            .filter(calls::twilio_sid.eq(&call_sid))
            .select(Call::as_select())
            .first(conn)
            .optional()?;
        match call {
            Some(call) => turns(conn, &call, limit),
            None => Ok(vec![]),
        }
    })
    .await
}

/// The answered turns of `call`, oldest first; the most recent `limit` (1 to 200) when there are
/// more.
pub fn turns(conn: &mut DbConn, call: &Call, limit: i64) -> Result<Vec<CallTurn>> {
    use crate::schema::call_turns as t;
    let limit = limit.clamp(1, 200);
    let mut rows: Vec<(String, String)> = t::table
        .filter(t::call_id.eq(&call.id))
        .order(t::seq.desc())
        .limit(limit)
        .select((t::caller_text, t::ai_reply))
        .load(conn)?;
    rows.reverse();
    Ok(rows
        .into_iter()
        .map(|(caller_text, ai_reply)| CallTurn {
            caller_text,
            ai_reply,
        })
        .collect())
}
