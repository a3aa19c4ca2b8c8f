//! Web Push subscriptions: the browser fetches the VAPID public key, subscribes with its push
//! service and hands the subscription here; notify-svc then sends the business's notifications
//! to it. Subscriptions are stored per user (crm-svc) and are idempotent on the endpoint.

use crate::{auth::AuthUser, error::ApiError, error::ErrorBody, state::AppState};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{DeletePushSubscriptionRequest, SavePushSubscriptionRequest};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The VAPID public key, resolved on first use (`VAPID_PUBLIC_KEY`, or the pair a local instance
/// keeps in `DATA_DIR`, the same pair notify-svc signs with). `None` when Web Push is off.
pub struct VapidPublicKey {
    config: agentlocator_common::Config,
    key: OnceLock<Option<String>>,
}

impl VapidPublicKey {
    pub fn new(config: agentlocator_common::Config) -> Self {
        VapidPublicKey {
            config,
            key: OnceLock::new(),
        }
    }

    fn get(&self) -> Result<&str, ApiError> {
        let key = match self.key.get() {
            Some(k) => k,
            None => {
                let keys =
                    agentlocator_common::vapid::VapidKeys::resolve(&self.config).map_err(|e| {
                        ApiError::unavailable(format!("Web Push keys: {} {}", e.var, e.message))
                    })?;
                self.key.get_or_init(|| keys.map(|k| k.public_key))
            }
        };
        key.as_deref().ok_or_else(|| {
            ApiError::new(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "push_not_configured",
                "Web Push is off on this server (VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY)",
            )
        })
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicKey {
    /// The VAPID public key (uncompressed P-256 point, base64url): `applicationServerKey`.
    public_key: String,
}

/// `GET /api/push/public-key`
#[utoipa::path(get, path = "/api/push/public-key", tag = "push", security(("bearer" = [])),
    responses((status = 200, body = PublicKey), (status = 401, description = "Not signed in", body = ErrorBody), (status = 503, description = "Web Push is off (`push_not_configured`)", body = ErrorBody)))]
pub async fn public_key(
    state: web::Data<AppState>,
    _user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(PublicKey {
        public_key: state.vapid_public_key.get()?.to_string(),
    }))
}

/// The keys of a browser `PushSubscription`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SubscriptionKeys {
    /// base64url P-256 public key of the browser (65 bytes).
    p256dh: String,
    /// base64url authentication secret (16 bytes).
    auth: String,
}

/// A browser `PushSubscription` as `JSON.stringify(subscription)` gives it
/// (`expirationTime` is accepted and ignored).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Subscription {
    /// The push service URL (https).
    endpoint: String,
    keys: SubscriptionKeys,
    #[allow(dead_code)]
    #[serde(rename = "expirationTime")]
    expiration_time: Option<f64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Subscribed {
    id: String,
    endpoint: String,
}

/// `POST /api/push/subscribe` → 201 (also for a subscription already stored).
#[utoipa::path(post, path = "/api/push/subscribe", tag = "push", security(("bearer" = [])), request_body = Subscription,
    responses((status = 201, body = Subscribed), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 422, description = "Invalid subscription (field named in `field`)", body = ErrorBody)))]
pub async fn subscribe(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<Subscription>,
) -> Result<HttpResponse, ApiError> {
    let s = body.into_inner();
    let saved = state
        .clients
        .crm
        .clone()
        .save_push_subscription(SavePushSubscriptionRequest {
            business_id: user.business_id.clone(),
            user_id: user.user_id.clone(),
            endpoint: s.endpoint,
            p256dh: s.keys.p256dh,
            auth: s.keys.auth,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Created().json(Subscribed {
        id: saved.id,
        endpoint: saved.endpoint,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Unsubscribe {
    /// The endpoint of the subscription to remove.
    endpoint: String,
}

/// `DELETE /api/push/subscribe` → 204 (also when there was no such subscription of this user).
#[utoipa::path(delete, path = "/api/push/subscribe", tag = "push", security(("bearer" = [])), request_body = Unsubscribe,
    responses((status = 204, description = "Removed"), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 422, description = "No endpoint", body = ErrorBody)))]
pub async fn unsubscribe(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<Unsubscribe>,
) -> Result<HttpResponse, ApiError> {
    state
        .clients
        .crm
        .clone()
        .delete_push_subscription(DeletePushSubscriptionRequest {
            business_id: user.business_id.clone(),
            user_id: user.user_id.clone(),
            endpoint: body.into_inner().endpoint,
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
