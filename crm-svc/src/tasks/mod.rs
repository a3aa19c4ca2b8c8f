//! The tasks domain: to-dos of a business's staff, optionally about a customer and assigned to a
//! user of the same business. Creating a task and marking it done write `task.created` /
//! `task.done` to the outbox in the same transaction. Every query is scoped to the caller's
//! business: another business's task is [`Error::NotFound`], and its customers and users cannot
//! be referenced ([`Error::Validation`] on `customer_id` / `assignee_id`).

pub mod convert;
pub mod queries;

pub use queries::Task;

use crate::{
    businesses::queries as business,
    customers::queries as customer,
    db::{Db, DbConn},
    error::{Error, Result},
    ids::{BusinessId, CustomerId, TaskId, UserId},
    outbox::queries as outbox,
    pagination::Page,
    pagination::{self, SortSpec, Window},
    tasks::queries::{self as task, TaskFilter, TaskSort, TaskSortColumn},
    text, time,
};
use agentlocator_proto::{
    new_event, to_timestamp,
    v1::{Event, TaskEvent, TaskEventKind, event::Payload},
};
use chrono::NaiveDateTime;

pub const MAX_TITLE_CHARS: usize = 200;

/// The order of a task list when the caller names none: due date ascending, undated tasks last.
pub const DEFAULT_SORT: TaskSort = SortSpec {
    column: TaskSortColumn::DueAt,
    descending: false,
};

/// A task to create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewTask {
    pub title: String,
    pub due_at: Option<NaiveDateTime>,
    /// A customer of the same business.
    pub customer_id: Option<CustomerId>,
    /// A user of the same business.
    pub assignee_id: Option<UserId>,
}

/// A partial change of a task: `None` leaves a field as it is; for the nullable fields
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskPatch {
    pub title: Option<String>,
    pub due_at: Option<Option<NaiveDateTime>>,
    /// `true` on an open task sets `done_at` and announces `task.done`; `false` reopens it.
    pub done: Option<bool>,
    pub assignee_id: Option<Option<UserId>>,
    pub customer_id: Option<Option<CustomerId>>,
}

/// Parses a `sort` request value: `created_at`, `-created_at`, `due_at` or `-due_at`.
pub fn parse_sort(text: &str) -> Result<TaskSort> {
    pagination::parse_sort(text, TaskSortColumn::NAMES)
}

/// The tasks of `business_id` matching `filter`, in `sort` order ([`DEFAULT_SORT`] when `None`),
/// paginated like customers (`page` 1-based, `limit` clamped to 100).
pub async fn list(
    db: &Db,
    business_id: &BusinessId,
    page: i64,
    limit: i64,
    filter: TaskFilter,
    sort: Option<TaskSort>,
) -> Result<Page<Task>> {
    let window = Window::new(page, limit)?;
    let sort = sort.unwrap_or(DEFAULT_SORT);
    let business_id = business_id.clone();
    let (total, items) = db
        .run(move |conn| {
            task::list(
                conn,
                &business_id,
                &filter,
                sort,
                window.offset,
                window.limit,
            )
        })
        .await?;
    Ok(window.page(total, items))
}

/// The task `id` of `business_id`.
pub async fn get(db: &Db, business_id: &BusinessId, id: &TaskId) -> Result<Task> {
    let (business_id, id) = (business_id.clone(), id.clone());
    db.run(move |conn| task::find(conn, &business_id, &id))
        .await?
        .ok_or(Error::NotFound("task"))
}

/// Creates a task and its `task.created` event. The title is required (at most 200
/// characters); `customer_id` and `assignee_id` must belong to `business_id`.
pub async fn create(db: &Db, business_id: &BusinessId, new: NewTask) -> Result<Task> {
    let task = new_task(business_id, new)?;
    let row = task.clone();
    db.transaction(move |conn| insert(conn, &row)).await?;
    db.poke_outbox();
    Ok(task)
}

/// The row of a new task of `business_id`, its title checked.
pub fn new_task(business_id: &BusinessId, new: NewTask) -> Result<Task> {
    let title = text::required_text("title", &new.title, MAX_TITLE_CHARS)?;
    let now = time::now();
    Ok(Task {
        id: TaskId::generate(),
        business_id: business_id.clone(),
        customer_id: new.customer_id,
        title,
        due_at: new.due_at.map(time::truncate_micros),
        done: false,
        done_at: None,
        assignee_id: new.assignee_id,
        notified_at: None,
        created_at: now,
        updated_at: now,
    })
}

/// Inserts `row` (from [`new_task`]) and its `task.created` event, on a connection inside a
/// transaction, checking that its business, customer and assignee exist (call
/// [`Db::poke_outbox`] after the commit).
pub fn insert(conn: &mut DbConn, row: &Task) -> Result<()> {
    if !business::exists(conn, &row.business_id)? {
        return Err(Error::NotFound("business"));
    }
    check_references(conn, row)?;
    task::insert(conn, row)?;
    outbox::enqueue(conn, &event(row, TaskEventKind::Created, row.created_at))
}

/// Applies `patch` to the task `id` of `business_id`. Marking an open task done sets `done_at`
/// and writes `task.done`; reopening clears `done_at`. Moving the due date makes the task due
/// again (its `task.due` notification is sent anew).
pub async fn update(
    db: &Db,
    business_id: &BusinessId,
    id: &TaskId,
    patch: TaskPatch,
) -> Result<Task> {
    let title = patch
        .title
        .as_deref()
        .map(|t| text::required_text("title", t, MAX_TITLE_CHARS))
        .transpose()?;
    let (business_id, id) = (business_id.clone(), id.clone());
    let (task, announced) = db
        .transaction(move |conn| {
            let mut t = task::find(conn, &business_id, &id)?.ok_or(Error::NotFound("task"))?;
            let now = time::now();
            if let Some(title) = title {
                t.title = title;
            }
            if let Some(due_at) = patch.due_at {
                let due_at = due_at.map(time::truncate_micros);
                if due_at != t.due_at {
                    t.due_at = due_at;
                    t.notified_at = None;
                }
            }
            if let Some(assignee_id) = patch.assignee_id {
                t.assignee_id = assignee_id;
            }
            if let Some(customer_id) = patch.customer_id {
                t.customer_id = customer_id;
            }
            let mut announce = false;
            match patch.done {
                Some(true) if !t.done => {
                    t.done = true;
                    t.done_at = Some(now);
                    announce = true;
                }
                Some(false) if t.done => {
                    t.done = false;
                    t.done_at = None;
                }
                _ => {}
            }
            t.updated_at = now;
            check_references(conn, &t)?;
            task::save(conn, &t)?;
            if announce {
                outbox::enqueue(conn, &event(&t, TaskEventKind::Done, now))?;
            }
            Ok((t, announce))
        })
        .await?;
    if announced {
        db.poke_outbox();
    }
    Ok(task)
}

/// Deletes the task `id` of `business_id`.
pub async fn delete(db: &Db, business_id: &BusinessId, id: &TaskId) -> Result<()> {
    let (business_id, id) = (business_id.clone(), id.clone());
    let deleted = db
        .transaction(move |conn| task::delete(conn, &business_id, &id))
        .await?;
    if deleted == 0 {
        return Err(Error::NotFound("task"));
    }
    Ok(())
}

/// The customer and assignee of `task` must be of the task's business.
fn check_references(conn: &mut DbConn, task: &Task) -> Result<()> {
    if let Some(customer_id) = &task.customer_id
        && customer::find(conn, &task.business_id, customer_id)?.is_none()
    {
        return Err(Error::validation(
            "customer_id",
            "no such customer in this business",
        ));
    }
    if let Some(assignee_id) = &task.assignee_id
        && !task::is_user_of(conn, &task.business_id, assignee_id)?
    {
        return Err(Error::validation(
            "assignee_id",
            "no such user in this business",
        ));
    }
    Ok(())
}

/// The `task.<kind>` event of `task`, occurring at `at`.
pub fn event(task: &Task, kind: TaskEventKind, at: NaiveDateTime) -> Event {
    let mut event = new_event(
        task.business_id.as_str(),
        Payload::Task(TaskEvent {
            kind: kind as i32,
            task_id: task.id.to_string(),
            title: task.title.clone(),
            due_at: task.due_at.map(|d| to_timestamp(time::to_utc(d))),
            customer_id: task
                .customer_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            assignee_id: task
                .assignee_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        }),
    );
    event.occurred_at = Some(to_timestamp(time::to_utc(at)));
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentlocator_proto::subject_for;

    #[test]
    fn sort_values_are_the_four_documented_ones() {
        for (text, column, descending) in [
            ("created_at", TaskSortColumn::CreatedAt, false),
            ("-created_at", TaskSortColumn::CreatedAt, true),
            ("due_at", TaskSortColumn::DueAt, false),
            ("-due_at", TaskSortColumn::DueAt, true),
        ] {
            assert_eq!(parse_sort(text).unwrap(), SortSpec { column, descending });
        }
        assert!(matches!(
            parse_sort("title"),
            Err(Error::Validation { field: "sort", .. })
        ));
    }

    #[test]
    fn events_carry_the_task_and_its_subject() {
        let now = time::now();
        let t = Task {
            id: TaskId::from("t1"),
            business_id: BusinessId::from("b1"),
            customer_id: Some(CustomerId::from("c1")),
            title: "להתקשר".into(),
            due_at: Some(now),
            done: true,
            done_at: Some(now),
            assignee_id: None,
            notified_at: None,
            created_at: now,
            updated_at: now,
        };
        let e = event(&t, TaskEventKind::Done, now);
        assert_eq!(subject_for(&e).unwrap(), "al.b1.task.done");
        let Some(Payload::Task(p)) = e.payload else {
            panic!("not a task event")
        };
        assert_eq!(
            (
                p.task_id.as_str(),
                p.customer_id.as_str(),
                p.assignee_id.as_str()
            ),
            ("t1", "c1", "")
        );
        assert!(p.due_at.is_some());
    }
}
