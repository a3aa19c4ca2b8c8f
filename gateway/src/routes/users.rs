//! User management by the business's owners and admins: list, add, change name/role, deactivate
//! and reactivate. The rules (only an owner touches owners; a business keeps an active owner)
//! are crm-svc's; the acting user is named to it by id so that their current role decides.

use crate::{
    auth::{AuthUser, Role},
    error::{ApiError, ErrorBody},
    state::AppState,
    views::User,
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{CreateUserRequest, ListUsersRequest, UpdateUserRequest};
use serde::Deserialize;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UserList {
    items: Vec<User>,
    total: usize,
}

/// A role in a request body: one of the four, else a 422 naming `role`.
fn role(value: &str) -> Result<Role, ApiError> {
    Role::parse(value.trim()).ok_or_else(|| {
        ApiError::validation(format!(
            "role: expected one of owner admin agent read_only, got {value:?}"
        ))
        .with_field("role")
    })
}

/// `GET /api/users` (owner or admin): every user of the business, oldest first.
#[utoipa::path(get, path = "/api/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserList), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only an owner or admin", body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let users = state
        .clients
        .crm
        .clone()
        .list_users(ListUsersRequest {
            business_id: user.business_id.clone(),
            actor_id: user.user_id.clone(),
        })
        .await?
        .into_inner()
        .users;
    let items: Vec<User> = users.into_iter().map(User::from).collect();
    Ok(HttpResponse::Ok().json(UserList {
        total: items.len(),
        items,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    email: String,
    #[serde(default)]
    name: String,
    /// `owner` (only an owner may add one) | `admin` | `agent` | `read_only`.
    role: String,
    /// The first password (at least 10 characters), handed to the new user by the person who adds
    /// them.
    password: String,
}

/// `POST /api/users` (owner or admin) → 201: adds a user who signs in with the given password.
#[utoipa::path(post, path = "/api/users", tag = "users", security(("bearer" = [])), request_body = NewUser,
    responses((status = 201, body = User), (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only an owner or admin; only an owner adds an owner", body = ErrorBody),
        (status = 409, description = "The email is taken", body = ErrorBody),
        (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let b = body.into_inner();
    let created = state
        .clients
        .crm
        .clone()
        .create_user(CreateUserRequest {
            business_id: user.business_id.clone(),
            actor_id: user.user_id.clone(),
            email: b.email,
            name: b.name,
            role: role(&b.role)?.to_proto().into(),
            password: b.password,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Created().json(User::from(created)))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    name: Option<String>,
    /// `owner` | `admin` | `agent` | `read_only`; only an owner makes or changes an owner.
    role: Option<String>,
    /// `false` deactivates: the user cannot sign in and every token of theirs stops working at
    /// once. `true` reactivates (they sign in again).
    active: Option<bool>,
}

/// `PATCH /api/users/{id}` (owner or admin): name, role, active. The business always keeps one
/// active owner (409 otherwise).
#[utoipa::path(patch, path = "/api/users/{id}", tag = "users", security(("bearer" = [])), request_body = UserPatch,
    params(("id" = String, Path)),
    responses((status = 200, body = User), (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only an owner or admin; only an owner changes an owner", body = ErrorBody),
        (status = 404, description = "No such user in this business", body = ErrorBody),
        (status = 409, description = "The change would leave the business without an active owner", body = ErrorBody),
        (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: web::Json<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let p = body.into_inner();
    let updated = state
        .clients
        .crm
        .clone()
        .update_user(UpdateUserRequest {
            business_id: user.business_id.clone(),
            actor_id: user.user_id.clone(),
            id: id.into_inner(),
            name: p.name,
            role: p
                .role
                .as_deref()
                .map(role)
                .transpose()?
                .map(|r| r.to_proto().into()),
            active: p.active,
        })
        .await?
        .into_inner();
    state.users.put(updated.clone());
    Ok(HttpResponse::Ok().json(User::from(updated)))
}
