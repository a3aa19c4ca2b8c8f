use crate::{
    auth::{BusinessCache, TokenKeys},
    clients::ServiceClients,
};

/// What every handler can reach.
pub struct AppState {
    pub clients: ServiceClients,
    pub tokens: TokenKeys,
    pub businesses: BusinessCache,
    /// `PUBLIC_BASE_URL` without a trailing slash: public links (signing pages) start with it.
    pub public_base_url: String,
}
