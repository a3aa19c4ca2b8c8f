use crate::{
    db::DbConn,
    error::Result,
    ids::{BusinessId, CustomerId, TaskId, UserId},
    schema::tasks,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A to-do for staff, optionally about a customer; `notified_at` is set once `task.due` went out.
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
    pub assignee_id: Option<UserId>,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub notified_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, task: &Task) -> Result<()> {
    diesel::insert_into(tasks::table)
        .values(task)
        .execute(conn)?;
    Ok(())
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
