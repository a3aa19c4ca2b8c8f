use crate::{
    auth::{AuthUser, Role},
    error::ApiError,
    state::AppState,
    views::{Business, User},
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{AuthenticateRequest, GetUserRequest};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    email: String,
    password: String,
}

/// `POST /api/auth/login {email, password}` → `{token, user}`.
pub async fn login(
    state: web::Data<AppState>,
    body: web::Json<Login>,
) -> Result<HttpResponse, ApiError> {
    let Login { email, password } = body.into_inner();
    if email.trim().is_empty() {
        return Err(ApiError::validation("email: is required").with_field("email"));
    }
    if password.is_empty() {
        return Err(ApiError::validation("password: is required").with_field("password"));
    }
    let user = state
        .clients
        .crm
        .clone()
        .authenticate(AuthenticateRequest { email, password })
        .await?
        .into_inner();
    let role = Role::parse(&user.role)
        .ok_or_else(|| ApiError::internal(format!("unknown role {:?}", user.role)))?;
    let token = state.tokens.issue(&user.id, &user.business_id, role)?;
    Ok(HttpResponse::Ok().json(json!({
        "token": token,
        "token_type": "Bearer",
        "expires_in": crate::auth::TOKEN_TTL.as_secs(),
        "user": User::from(user),
    })))
}

/// `GET /api/me` → the signed-in user and their business.
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let u = state
        .clients
        .crm
        .clone()
        .get_user(GetUserRequest {
            business_id: user.business_id.clone(),
            id: user.user_id.clone(),
        })
        .await
        .map_err(|s| match s.code() {
            tonic::Code::NotFound => ApiError::unauthorized("the user no longer exists"),
            _ => ApiError::from(s),
        })?
        .into_inner();
    let business = state.businesses.get(&user.business_id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "user": User::from(u),
        "business": Business::from(business),
    })))
}
