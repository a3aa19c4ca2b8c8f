//! Sign-in tokens and the extractors that guard every API route.
//!
//! A token is a JWT carrying the user id, business id and role, signed and checked by
//! [`agentlocator_common::jwt`] (RS256 with a configured key pair, else HS256 with `SECRET_KEY`).
//! Handlers
//! take an [`AuthUser`] (any signed-in user), or a [`Feature`] gate that also checks the business
//! has the feature on — a handler that forgets either does not get a business id to work with.
//!
//! A valid signature is not enough: the token's user must still exist, be active and carry the
//! current session version (signing out or deactivation moves it on), and the role that counts is
//! the user's role now, not the one in the token. Users are cached for [`USER_CACHE_TTL`]; a change
//! made through this gateway takes effect here at once, on other replicas within the TTL.

use crate::{error::ApiError, state::AppState};
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use agentlocator_proto::v1::{Business, FeatureFlags, GetUserRequest, User};
use futures::future::LocalBoxFuture;
use std::{
    marker::PhantomData,
    time::{Duration, Instant},
};

pub use agentlocator_common::jwt::{Claims, JwtError, Role, TOKEN_TTL, TokenKeys};

impl From<JwtError> for ApiError {
    fn from(e: JwtError) -> Self {
        match e {
            JwtError::Expired => ApiError::unauthorized("the sign-in has expired; sign in again"),
            JwtError::Invalid => ApiError::unauthorized("invalid token"),
            JwtError::CannotSign | JwtError::Signing(_) => ApiError::internal(e),
        }
    }
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: String,
    pub business_id: String,
    pub role: Role,
}

impl AuthUser {
    /// Refuses users who may only read (`read_only`).
    pub fn require_write(&self) -> Result<(), ApiError> {
        match self.role {
            Role::ReadOnly => Err(ApiError::forbidden("read-only users cannot make changes")),
            _ => Ok(()),
        }
    }

    /// Only owners and admins manage the business's settings.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Owner | Role::Admin => Ok(()),
            _ => Err(ApiError::forbidden("only an owner or admin can do this")),
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("sign in required"))?
        .to_str()
        .map_err(|_| ApiError::unauthorized("invalid Authorization header"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized("expected Authorization: Bearer <token>"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            "expected Authorization: Bearer <token>",
        ));
    }
    Ok(token.trim())
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("AppState missing"))
}

impl AuthUser {
    /// The signed-in user of `claims`, checked against the user as crm-svc has them now.
    async fn of_claims(state: &AppState, claims: Claims) -> Result<Self, ApiError> {
        let user = state.users.get(&claims.business_id, &claims.sub).await?;
        if !user.active || user.session_version != claims.sv {
            return Err(ApiError::unauthorized(
                "the sign-in has ended; sign in again",
            ));
        }
        let role = Role::from_proto(user.role)
            .ok_or_else(|| ApiError::internal(format!("user with unknown role {}", user.role)))?;
        Ok(AuthUser {
            user_id: claims.sub,
            business_id: claims.business_id,
            role,
        })
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let checked = state(req).and_then(|state| {
            let claims = state.tokens.verify(bearer(req)?)?;
            Ok((state, claims))
        });
        Box::pin(async move {
            let (state, claims) = checked?;
            AuthUser::of_claims(&state, claims).await
        })
    }
}

/// A per-business feature switch (DESIGN: feature flags). A disabled feature answers
/// `403 {"error": "<feature>_disabled"}`.
pub trait FeatureFlag {
    /// The error code when off, e.g. `crm_disabled`.
    const DISABLED: &'static str;
    const LABEL: &'static str;
    fn enabled(flags: &FeatureFlags) -> bool;
}

macro_rules! feature_flags {
    ($($ty:ident => $field:ident, $code:literal, $label:literal;)*) => {
        $(
            pub struct $ty;
            impl FeatureFlag for $ty {
                const DISABLED: &'static str = $code;
                const LABEL: &'static str = $label;
                fn enabled(flags: &FeatureFlags) -> bool {
                    flags.$field
                }
            }
        )*
    };
}

feature_flags! {
    Crm => crm_enabled, "crm_disabled", "CRM";
    WhatsApp => whatsapp_enabled, "whatsapp_disabled", "WhatsApp";
    Signature => signature_enabled, "signature_disabled", "signatures";
    Invoices => invoices_enabled, "invoices_disabled", "invoices";
    Contracts => contracts_enabled, "contracts_disabled", "contracts";
    Voice => voice_enabled, "voice_disabled", "voice";
    Proposals => proposals_enabled, "proposals_disabled", "proposals";
    Calendar => calendar_enabled, "calendar_disabled", "calendar";
    Reports => reports_enabled, "reports_disabled", "reports";
}

/// A signed-in user whose business has feature `F` on.
pub struct Feature<F: FeatureFlag> {
    pub user: AuthUser,
    _flag: PhantomData<F>,
}

impl<F: FeatureFlag> std::ops::Deref for Feature<F> {
    type Target = AuthUser;
    fn deref(&self) -> &AuthUser {
        &self.user
    }
}

impl<F: FeatureFlag + 'static> FromRequest for Feature<F> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        let state = state(req);
        Box::pin(async move {
            let user = user.await?;
            let business = state?.businesses.get(&user.business_id).await?;
            let on = business.features.as_ref().is_some_and(F::enabled);
            if !on {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::FORBIDDEN,
                    F::DISABLED,
                    format!("{} is turned off for this business", F::LABEL),
                ));
            }
            Ok(Feature {
                user,
                _flag: PhantomData,
            })
        })
    }
}

/// Copies of what crm-svc holds, each trusted for `ttl` after it was fetched.
struct TtlCache<V> {
    ttl: Duration,
    entries: std::sync::Mutex<std::collections::HashMap<String, (Instant, V)>>,
}

impl<V: Clone> TtlCache<V> {
    fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Default::default(),
        }
    }

    fn fresh(&self, key: &str) -> Option<V> {
        self.lock()
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, key: String, value: V) {
        self.lock().insert(key, (Instant::now(), value));
    }

    fn remove(&self, key: &str) {
        self.lock().remove(key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (Instant, V)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Businesses as the gateway sees them, cached for a few seconds: every gated request needs the
/// feature flags, and a flag change must still take effect quickly on every replica.
pub struct BusinessCache {
    crm: crate::clients::CrmClient,
    cache: TtlCache<Business>,
}

impl BusinessCache {
    pub fn new(crm: crate::clients::CrmClient, ttl: Duration) -> Self {
        Self {
            crm,
            cache: TtlCache::new(ttl),
        }
    }

    pub async fn get(&self, business_id: &str) -> Result<Business, ApiError> {
        if let Some(b) = self.cache.fresh(business_id) {
            return Ok(b);
        }
        use agentlocator_proto::v1::{GetBusinessRequest, get_business_request::By};
        let b = self
            .crm
            .clone()
            .get_business(GetBusinessRequest {
                by: Some(By::Id(business_id.to_string())),
            })
            .await
            .map_err(|s| match s.code() {
                // The token names a business that is gone.
                tonic::Code::NotFound => ApiError::unauthorized("the business no longer exists"),
                _ => ApiError::from(s),
            })?
            .into_inner();
        self.put(b.clone());
        Ok(b)
    }

    /// Stores a fresh copy (after this gateway changed it).
    pub fn put(&self, b: Business) {
        self.cache.put(b.id.clone(), b);
    }
}

/// How long the gateway trusts a cached copy of a user (exists, active, role, session version):
/// how long a deactivation, demotion or sign-out made through another replica may take to reach
/// this one.
pub const USER_CACHE_TTL: Duration = Duration::from_secs(3);

/// Users as the gateway sees them, cached for [`USER_CACHE_TTL`].
pub struct UserCache {
    crm: crate::clients::CrmClient,
    cache: TtlCache<User>,
}

impl UserCache {
    pub fn new(crm: crate::clients::CrmClient, ttl: Duration) -> Self {
        Self {
            crm,
            cache: TtlCache::new(ttl),
        }
    }

    /// User `user_id` of `business_id`; a user who is gone is a 401.
    pub async fn get(&self, business_id: &str, user_id: &str) -> Result<User, ApiError> {
        let key = format!("{business_id}/{user_id}");
        if let Some(u) = self.cache.fresh(&key) {
            return Ok(u);
        }
        let u = self
            .crm
            .clone()
            .get_user(GetUserRequest {
                business_id: business_id.to_string(),
                id: user_id.to_string(),
            })
            .await
            .map_err(|s| match s.code() {
                tonic::Code::NotFound | tonic::Code::InvalidArgument => {
                    ApiError::unauthorized("the user no longer exists")
                }
                _ => ApiError::from(s),
            })?
            .into_inner();
        self.cache.put(key, u.clone());
        Ok(u)
    }

    /// Stores a fresh copy (after this gateway changed the user).
    pub fn put(&self, u: User) {
        self.cache.put(format!("{}/{}", u.business_id, u.id), u);
    }

    /// Forgets user `user_id` of `business_id` (the next request asks crm-svc).
    pub fn forget(&self, business_id: &str, user_id: &str) {
        self.cache.remove(&format!("{business_id}/{user_id}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_errors_are_401_and_say_when_expired() {
        let t = TokenKeys::hs256(b"0123456789abcdef0123456789abcdef");
        let token = t.issue("u1", "b1", Role::Agent).unwrap();
        let other = TokenKeys::hs256(b"another-key-another-key-another-key!");
        let e = ApiError::from(other.verify(&token).unwrap_err());
        assert_eq!((e.status.as_u16(), e.code), (401, "unauthorized"));

        let claims = Claims {
            sub: "u".into(),
            business_id: "b".into(),
            role: Role::Owner,
            iat: 1,
            exp: 2,
            sv: 0,
        };
        let e = ApiError::from(t.verify(&t.sign(&claims).unwrap()).unwrap_err());
        assert_eq!(e.code, "unauthorized");
        assert!(e.message.contains("expired"));
    }

    #[test]
    fn a_token_signed_with_none_is_refused() {
        let t = TokenKeys::hs256(b"0123456789abcdef0123456789abcdef");
        // header {"alg":"none","typ":"JWT"}, payload with far-future exp, empty signature
        let forged = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1IiwiYnVzaW5lc3NfaWQiOiJiIiwicm9sZSI6Im93bmVyIiwiaWF0IjoxLCJleHAiOjQxMDI0NDQ4MDB9.";
        assert!(t.verify(forged).is_err());
    }
}
