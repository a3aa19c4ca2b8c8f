use crate::{
    db::{DbConn, MultiBackend},
    error::Result,
    ids::{BusinessId, CustomerId, TaskId, UserId},
    pagination::SortSpec,
    schema::{tasks, users},
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A to-do for staff, optionally about a customer; `notified_at` is set once `task.due` went out,
/// `done_at` when it was marked done.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = tasks)]
pub struct Task {
    pub id: TaskId,
    pub business_id: BusinessId,
    pub customer_id: Option<CustomerId>,
    pub title: String,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub due_at: Option<NaiveDateTime>,
    pub done: bool,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub done_at: Option<NaiveDateTime>,
    pub assignee_id: Option<UserId>,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub notified_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

/// What a task list is narrowed to (all AND-ed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    pub customer_id: Option<CustomerId>,
    pub done: Option<bool>,
    /// `due_at < due_before` (tasks without a due date never match).
    pub due_before: Option<NaiveDateTime>,
    /// `due_at >= due_after` (tasks without a due date never match).
    pub due_after: Option<NaiveDateTime>,
}

/// The columns a task list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskSortColumn {
    CreatedAt,
    DueAt,
}

/// How a task list is ordered; the default is `due_at` ascending.
pub type TaskSort = SortSpec<TaskSortColumn>;

impl TaskSortColumn {
    pub const NAMES: &'static [(&'static str, TaskSortColumn)] = &[
        ("created_at", TaskSortColumn::CreatedAt),
        ("due_at", TaskSortColumn::DueAt),
    ];
}

fn filtered<'a>(
    business_id: &'a BusinessId,
    filter: &'a TaskFilter,
) -> tasks::BoxedQuery<'a, MultiBackend> {
    let mut query = tasks::table
        .filter(tasks::business_id.eq(business_id))
        .into_boxed();
    if let Some(customer_id) = &filter.customer_id {
        query = query.filter(tasks::customer_id.eq(customer_id));
    }
    if let Some(done) = filter.done {
        query = query.filter(tasks::done.eq(done));
    }
    if let Some(before) = filter.due_before {
        query = query.filter(tasks::due_at.lt(before));
    }
    if let Some(after) = filter.due_after {
        query = query.filter(tasks::due_at.ge(after));
    }
    query
}

/// The tasks of `business_id` matching `filter` in `sort` order (ties broken by id in the same
/// direction; tasks without a due date last whichever way `due_at` is sorted), `limit` of them
/// after skipping `offset`, plus how many match in all.
pub fn list(
    conn: &mut DbConn,
    business_id: &BusinessId,
    filter: &TaskFilter,
    sort: TaskSort,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Task>)> {
    let total: i64 = filtered(business_id, filter)
        .select(diesel::dsl::count_star())
        .get_result(conn)?;
    let query = filtered(business_id, filter);
    // `due_at IS NULL` is false (0) for dated tasks on both backends, so ordering by it first
    // puts undated tasks last in either direction (SQLite and PostgreSQL disagree on where
    // NULLs go by themselves).
    let query = match (sort.column, sort.descending) {
        (TaskSortColumn::DueAt, false) => query.order((
            tasks::due_at.is_null().asc(),
            tasks::due_at.asc(),
            tasks::id.asc(),
        )),
        (TaskSortColumn::DueAt, true) => query.order((
            tasks::due_at.is_null().asc(),
            tasks::due_at.desc(),
            tasks::id.desc(),
        )),
        (TaskSortColumn::CreatedAt, false) => {
            query.order((tasks::created_at.asc(), tasks::id.asc()))
        }
        (TaskSortColumn::CreatedAt, true) => {
            query.order((tasks::created_at.desc(), tasks::id.desc()))
        }
    };
    let items = query
        .limit(limit)
        .offset(offset)
        .select(Task::as_select())
        .load(conn)?;
    Ok((total, items))
}

pub fn insert(conn: &mut DbConn, task: &Task) -> Result<()> {
    diesel::insert_into(tasks::table)
        .values(task)
        .execute(conn)?;
    Ok(())
}

/// The task `id` of `business_id`; a task of another business is `None`.
pub fn find(conn: &mut DbConn, business_id: &BusinessId, id: &TaskId) -> Result<Option<Task>> {
    Ok(tasks::table
        .filter(tasks::id.eq(id))
        .filter(tasks::business_id.eq(business_id))
        .select(Task::as_select())
        .first(conn)
        .optional()?)
}

/// Writes the editable columns of `task` (matched by id and business); returns the rows changed.
pub fn save(conn: &mut DbConn, task: &Task) -> Result<usize> {
    Ok(diesel::update(
        tasks::table
            .filter(tasks::id.eq(&task.id))
            .filter(tasks::business_id.eq(&task.business_id)),
    )
    .set((
        tasks::customer_id.eq(&task.customer_id),
        tasks::title.eq(&task.title),
        tasks::due_at.eq(task.due_at),
        tasks::done.eq(task.done),
        tasks::done_at.eq(task.done_at),
        tasks::assignee_id.eq(&task.assignee_id),
        tasks::notified_at.eq(task.notified_at),
        tasks::updated_at.eq(task.updated_at),
    ))
    .execute(conn)?)
}

/// Deletes the task `id` of `business_id`; returns how many rows went (0 or 1).
pub fn delete(conn: &mut DbConn, business_id: &BusinessId, id: &TaskId) -> Result<usize> {
    Ok(diesel::delete(
        tasks::table
            .filter(tasks::id.eq(id))
            .filter(tasks::business_id.eq(business_id)),
    )
    .execute(conn)?)
}

/// Whether `user_id` is a staff member of `business_id`.
pub fn is_user_of(conn: &mut DbConn, business_id: &BusinessId, user_id: &UserId) -> Result<bool> {
    let n: i64 = users::table
        .filter(users::id.eq(user_id))
        .filter(users::business_id.eq(business_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The tasks of a customer, newest first.
pub fn list_by_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<Task>> {
    Ok(tasks::table
        .filter(tasks::business_id.eq(business_id))
        .filter(tasks::customer_id.eq(customer_id))
        .order((tasks::created_at.desc(), tasks::id.desc()))
        .select(Task::as_select())
        .load(conn)?)
}
