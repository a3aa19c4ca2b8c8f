use crate::{
    appointments::{Appointment, queries as appointment},
    calls::Call,
    db::DbConn,
    error::Result,
    ids::{BusinessId, CallId, CustomerId, TaskId},
    schema::{call_follow_ups, calls, customers, tasks},
    tasks::Task,
    today::FollowUp,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

/// The calls of a day and the follow-ups among them.
pub struct DayCalls {
    /// Each with its customer's name.
    pub calls: Vec<(Call, Option<String>)>,
    pub follow_ups: HashMap<CallId, FollowUp>,
}

/// The names of the customers `ids` of `business_id` (another business's are left out).
fn names(
    conn: &mut DbConn,
    business_id: &BusinessId,
    ids: impl IntoIterator<Item = CustomerId>,
) -> Result<HashMap<CustomerId, String>> {
    let mut ids: Vec<CustomerId> = ids.into_iter().collect();
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

/// `rows` with the name of each one's customer (`customer_of`).
fn named<T>(
    conn: &mut DbConn,
    business_id: &BusinessId,
    rows: Vec<T>,
    customer_of: impl Fn(&T) -> Option<&CustomerId>,
) -> Result<Vec<(T, Option<String>)>> {
    let names = names(
        conn,
        business_id,
        rows.iter().filter_map(&customer_of).cloned(),
    )?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let name = customer_of(&r).and_then(|id| names.get(id).cloned());
            (r, name)
        })
        .collect())
}

/// The calls of `business_id` started in `[from, to)`, newest first, at most `limit`, with their
/// follow-ups.
pub fn calls(
    conn: &mut DbConn,
    business_id: &BusinessId,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: i64,
) -> Result<DayCalls> {
    let rows = calls::table
        .filter(calls::business_id.eq(business_id))
        .filter(calls::started_at.ge(from))
        .filter(calls::started_at.lt(to))
        .order((calls::started_at.desc(), calls::id.desc()))
        .limit(limit)
        .select(Call::as_select())
        .load(conn)?;
    let ids: Vec<&CallId> = rows.iter().map(|c| &c.id).collect();
    let follow_ups: Vec<(CallId, String, Option<TaskId>)> = if ids.is_empty() {
        Vec::new()
    } else {
        call_follow_ups::table
            .filter(call_follow_ups::business_id.eq(business_id))
            .filter(call_follow_ups::call_id.eq_any(ids))
            .select((
                call_follow_ups::call_id,
                call_follow_ups::question,
                call_follow_ups::task_id,
            ))
            .load(conn)?
    };
    let task_ids: Vec<&TaskId> = follow_ups.iter().filter_map(|f| f.2.as_ref()).collect();
    let done: HashMap<TaskId, bool> = if task_ids.is_empty() {
        HashMap::new()
    } else {
        tasks::table
            .filter(tasks::business_id.eq(business_id))
            .filter(tasks::id.eq_any(task_ids))
            .select((tasks::id, tasks::done))
            .load::<(TaskId, bool)>(conn)?
            .into_iter()
            .collect()
    };
    Ok(DayCalls {
        calls: named(conn, business_id, rows, |c| c.customer_id.as_ref())?,
        follow_ups: follow_ups
            .into_iter()
            .map(|(id, question, task)| {
                // No task yet (the call is still on) is not done; a deleted task is.
                let task_done = task.is_some_and(|t| done.get(&t).copied().unwrap_or(true));
                (
                    id,
                    FollowUp {
                        question,
                        task_done,
                    },
                )
            })
            .collect(),
    })
}

/// The tasks of `business_id` not done and due before `before`, earliest first, at most `limit`,
/// each with its customer's name.
pub fn tasks_due_before(
    conn: &mut DbConn,
    business_id: &BusinessId,
    before: NaiveDateTime,
    limit: i64,
) -> Result<Vec<(Task, Option<String>)>> {
    let rows = tasks::table
        .filter(tasks::business_id.eq(business_id))
        .filter(tasks::done.eq(false))
        .filter(tasks::due_at.lt(before))
        .order((tasks::due_at.asc(), tasks::id.asc()))
        .limit(limit)
        .select(Task::as_select())
        .load(conn)?;
    named(conn, business_id, rows, |t| t.customer_id.as_ref())
}

/// The appointments of `business_id` overlapping `[from, to)`, by start, at most `limit`, each
/// with its customer's name.
pub fn appointments(
    conn: &mut DbConn,
    business_id: &BusinessId,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: usize,
) -> Result<Vec<(Appointment, Option<String>)>> {
    let mut rows = appointment::list_overlapping(conn, business_id, from, to, None)?;
    rows.truncate(limit);
    named(conn, business_id, rows, |a| a.customer_id.as_ref())
}
