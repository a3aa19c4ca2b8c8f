//! Conversions between the protobuf messages of tasks and the domain's types.

use crate::convert::{naive_time, non_empty, optional_id, required, ts};
use crate::{
    error::{Error, Result},
    ids::BusinessId,
    pagination::{DEFAULT_LIMIT, Page},
};
use agentlocator_proto::v1 as pb;

impl From<crate::tasks::Task> for pb::Task {
    fn from(t: crate::tasks::Task) -> Self {
        pb::Task {
            id: t.id.into(),
            business_id: t.business_id.into(),
            customer_id: t.customer_id.map(Into::into).unwrap_or_default(),
            title: t.title,
            due_at: t.due_at.map(ts),
            done: t.done,
            done_at: t.done_at.map(ts),
            assignee_id: t.assignee_id.map(Into::into).unwrap_or_default(),
            created_at: Some(ts(t.created_at)),
            updated_at: Some(ts(t.updated_at)),
        }
    }
}

impl From<Page<crate::tasks::Task>> for pb::ListTasksResponse {
    fn from(p: Page<crate::tasks::Task>) -> Self {
        pb::ListTasksResponse {
            page: p.page,
            limit: p.limit,
            total: p.total,
            items: p.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// A `ListTasks` request as domain arguments.
#[derive(Debug, Clone)]
pub struct ListTasks {
    pub business_id: BusinessId,
    pub page: i64,
    pub limit: i64,
    pub filter: crate::tasks::queries::TaskFilter,
    pub sort: Option<crate::tasks::queries::TaskSort>,
}

impl TryFrom<pb::ListTasksRequest> for ListTasks {
    type Error = Error;

    fn try_from(r: pb::ListTasksRequest) -> Result<Self> {
        let sort = match non_empty(r.sort) {
            Some(s) => Some(crate::tasks::parse_sort(s.trim())?),
            None => None,
        };
        Ok(ListTasks {
            business_id: required("business_id", r.business_id)?,
            page: r.page.unwrap_or(1),
            limit: r.limit.unwrap_or(DEFAULT_LIMIT),
            filter: crate::tasks::queries::TaskFilter {
                customer_id: optional_id(r.customer_id),
                done: r.done,
                due_before: naive_time("due_before", r.due_before)?,
                due_after: naive_time("due_after", r.due_after)?,
            },
            sort,
        })
    }
}

/// A `CreateTask` request as domain arguments.
#[derive(Debug, Clone)]
pub struct CreateTask {
    pub business_id: BusinessId,
    pub task: crate::tasks::NewTask,
}

impl TryFrom<pb::CreateTaskRequest> for CreateTask {
    type Error = Error;

    fn try_from(r: pb::CreateTaskRequest) -> Result<Self> {
        Ok(CreateTask {
            business_id: required("business_id", r.business_id)?,
            task: crate::tasks::NewTask {
                title: r.title,
                due_at: naive_time("due_at", r.due_at)?,
                customer_id: optional_id(r.customer_id),
                assignee_id: optional_id(r.assignee_id),
            },
        })
    }
}

/// An `UpdateTask` request as domain arguments.
#[derive(Debug, Clone)]
pub struct UpdateTask {
    pub business_id: BusinessId,
    pub id: crate::ids::TaskId,
    pub patch: crate::tasks::TaskPatch,
}

impl TryFrom<pb::UpdateTaskRequest> for UpdateTask {
    type Error = Error;

    fn try_from(r: pb::UpdateTaskRequest) -> Result<Self> {
        Ok(UpdateTask {
            business_id: required("business_id", r.business_id)?,
            id: required("id", r.id)?,
            patch: crate::tasks::TaskPatch {
                title: r.title,
                due_at: if r.set_due_at {
                    Some(naive_time("due_at", r.due_at)?)
                } else {
                    None
                },
                done: r.done,
                assignee_id: r.assignee_id.map(optional_id),
                customer_id: r.customer_id.map(optional_id),
            },
        })
    }
}
