use crate::{
    auth::{BusinessCache, Tokens},
    clients::ServiceClients,
};

/// What every handler can reach.
pub struct AppState {
    pub clients: ServiceClients,
    pub tokens: Tokens,
    pub businesses: BusinessCache,
}
