use crate::{
    auth::{BusinessCache, TokenKeys, UserCache},
    clients::ServiceClients,
};

/// What every handler can reach.
pub struct AppState {
    pub clients: ServiceClients,
    pub tokens: TokenKeys,
    /// Failed sign-ins of this replica (`POST /api/auth/login` throttling).
    pub login_limiter: crate::login_limit::LoginLimiter,
    pub businesses: BusinessCache,
    /// Who the tokens' users are now (exists, active, role, session version).
    pub users: UserCache,
    /// `PUBLIC_BASE_URL` without a trailing slash: public links (signing pages) start with it.
    pub public_base_url: String,
    /// The VAPID public key browsers subscribe to Web Push with (base64url).
    pub vapid_public_key: crate::routes::push::VapidPublicKey,
    /// Who may read `/metrics` on this port.
    pub metrics_access: crate::metrics::MetricsAccess,
    /// `TRUSTED_PROXIES`: whose `X-Forwarded-For` / `X-Forwarded-Proto` count.
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    /// The Content-Security-Policy and friends every response carries.
    pub security_headers: crate::middleware::SecurityHeaders,
}
