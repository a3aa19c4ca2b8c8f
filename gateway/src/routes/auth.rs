use crate::{
    auth::{AuthUser, Claims, Role},
    error::{ApiError, ErrorBody},
    state::AppState,
    views::{Business, User},
};
use actix_web::{HttpRequest, HttpResponse, web};
use agentlocator_proto::v1::{AuthenticateRequest, SignOutUserRequest};
use serde::Deserialize;
use std::time::Instant;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    email: String,
    password: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds until the token expires.
    expires_in: u64,
    user: User,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    user: User,
    business: Business,
}

/// `POST /api/auth/login {email, password}` → `{token, user}`.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, description = "Signed in", body = LoginResponse),
        (status = 401, description = "Wrong email or password", body = ErrorBody), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins for this email from this address, from this address, or for this email from any address it never signed in from (`too_many_attempts`); `Retry-After` and `retry_after` say when to try again",
            body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until sign-in may be tried again")))))]
pub async fn login(
    req: HttpRequest,
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
    let ip = state.trusted_proxies.client_of_request(&req)?;
    let limiter = &state.login_limiter;
    if let Err(wait) = limiter.check(&email, ip, Instant::now()) {
        // Rounded up: never tell the client to come back before the lock ends.
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Err(ApiError::too_many_attempts(
            "too many failed sign-ins; try again later",
            seconds,
        ));
    }
    let user = match state
        .clients
        .crm
        .clone()
        .authenticate(AuthenticateRequest {
            email: email.clone(),
            password,
        })
        .await
    {
        Ok(user) => user.into_inner(),
        Err(status) => {
            if status.code() == tonic::Code::Unauthenticated {
                limiter.failed(&email, ip, Instant::now());
            }
            return Err(status.into());
        }
    };
    limiter.succeeded(&email, ip, Instant::now());
    let role = Role::from_proto(user.role)
        .ok_or_else(|| ApiError::internal(format!("unknown role {}", user.role)))?;
    let token = state
        .tokens
        .sign(&Claims::new(&user.id, &user.business_id, role).with_session(user.session_version))?;
    state.users.put(user.clone());
    Ok(HttpResponse::Ok().json(LoginResponse {
        token,
        token_type: "Bearer",
        expires_in: crate::auth::TOKEN_TTL.as_secs(),
        user: User::from(user),
    }))
}

/// `POST /api/auth/logout` → 204: ends every session of the signed-in user (all devices): their
/// tokens stop working and their live notification connections close.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Signed out everywhere"), (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let u = state
        .clients
        .crm
        .clone()
        .sign_out_user(SignOutUserRequest {
            business_id: user.business_id.clone(),
            id: user.user_id.clone(),
        })
        .await?
        .into_inner();
    state.users.put(u);
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/me` → the signed-in user and their business.
#[utoipa::path(get, path = "/api/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let u = state.users.get(&user.business_id, &user.user_id).await?;
    let business = state.businesses.get(&user.business_id).await?;
    Ok(HttpResponse::Ok().json(Me {
        user: User::from(u),
        business: Business::from(business),
    }))
}
