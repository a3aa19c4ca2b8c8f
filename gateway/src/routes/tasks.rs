use crate::{
    auth::{Crm, Feature},
    error::{ApiError, ErrorBody},
    pagination,
    state::AppState,
    views::{Page, Task, parse_time},
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{
    CreateTaskRequest, DeleteTaskRequest, GetTaskRequest, ListTasksRequest, UpdateTaskRequest,
};
use serde::Deserialize;
use std::collections::HashMap;

/// `GET /api/tasks?page=&limit=&customer_id=&done=&due_before=&due_after=&sort=`
#[utoipa::path(get, path = "/api/tasks", tag = "tasks", security(("bearer" = [])),
    params(("page" = Option<i64>, Query), ("limit" = Option<i64>, Query),
        ("customer_id" = Option<String>, Query), ("done" = Option<bool>, Query),
        ("due_before" = Option<String>, Query, description = "RFC 3339"),
        ("due_after" = Option<String>, Query, description = "RFC 3339"),
        ("sort" = Option<String>, Query, description = "created_at | -created_at | due_at | -due_at (default due_at)")),
    responses((status = 200, body = Page<Task>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let p = pagination::parse(
        q.get("page").map(String::as_str),
        q.get("limit").map(String::as_str),
    )
    .map_err(ApiError::validation)?;
    let done = match q.get("done").map(|s| s.trim()) {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(ApiError::validation(format!(
                "done: expected true or false, got {other:?}"
            ))
            .with_field("done"));
        }
    };
    let time = |field: &str| -> Result<_, ApiError> {
        q.get(field)
            .filter(|v| !v.trim().is_empty())
            .map(|v| parse_time(field, v))
            .transpose()
    };
    let res = state
        .clients
        .crm
        .clone()
        .list_tasks(ListTasksRequest {
            business_id: user.business_id.clone(),
            page: p.page,
            limit: p.limit,
            customer_id: q.get("customer_id").cloned().unwrap_or_default(),
            done,
            due_before: time("due_before")?,
            due_after: time("due_after")?,
            sort: q.get("sort").cloned().unwrap_or_default(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Page::<Task>::from(res)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    title: String,
    due_at: Option<String>,
    customer_id: Option<String>,
    assignee_id: Option<String>,
}

/// `POST /api/tasks` → 201.
#[utoipa::path(post, path = "/api/tasks", tag = "tasks", security(("bearer" = [])), request_body = NewTask,
    responses((status = 201, body = Task), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    body: web::Json<NewTask>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let t = body.into_inner();
    let created = state
        .clients
        .crm
        .clone()
        .create_task(CreateTaskRequest {
            business_id: user.business_id.clone(),
            title: t.title,
            due_at: t
                .due_at
                .as_deref()
                .map(|v| parse_time("due_at", v))
                .transpose()?,
            customer_id: t.customer_id.unwrap_or_default(),
            assignee_id: t.assignee_id.unwrap_or_default(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Created().json(Task::from(created)))
}

/// `GET /api/tasks/{id}`
#[utoipa::path(get, path = "/api/tasks/{id}", tag = "tasks", security(("bearer" = [])), params(("id" = String, Path, description = "Task id")),
    responses((status = 200, body = Task), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let t = state
        .clients
        .crm
        .clone()
        .get_task(GetTaskRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Task::from(t)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    title: Option<String>,
    #[serde(default, deserialize_with = "crate::views::nullable")]
    #[schema(value_type = Option<String>)]
    due_at: Option<Option<String>>,
    done: Option<bool>,
    #[serde(default, deserialize_with = "crate::views::nullable")]
    #[schema(value_type = Option<String>)]
    assignee_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::views::nullable")]
    #[schema(value_type = Option<String>)]
    customer_id: Option<Option<String>>,
}

/// `PATCH /api/tasks/{id}`: `null` clears `due_at`, `assignee_id` and `customer_id`.
#[utoipa::path(patch, path = "/api/tasks/{id}", tag = "tasks", security(("bearer" = [])), params(("id" = String, Path, description = "Task id")), request_body = TaskPatch,
    responses((status = 200, body = Task), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
    body: web::Json<TaskPatch>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let p = body.into_inner();
    let due_at = match &p.due_at {
        Some(Some(v)) => Some(parse_time("due_at", v)?),
        _ => None,
    };
    let t = state
        .clients
        .crm
        .clone()
        .update_task(UpdateTaskRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
            title: p.title,
            set_due_at: p.due_at.is_some(),
            due_at,
            done: p.done,
            assignee_id: p.assignee_id.map(Option::unwrap_or_default),
            customer_id: p.customer_id.map(Option::unwrap_or_default),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Task::from(t)))
}

/// `DELETE /api/tasks/{id}` → 204.
#[utoipa::path(delete, path = "/api/tasks/{id}", tag = "tasks", security(("bearer" = [])), params(("id" = String, Path, description = "Task id")),
    responses((status = 204, description = "Deleted"), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    state
        .clients
        .crm
        .clone()
        .delete_task(DeleteTaskRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
