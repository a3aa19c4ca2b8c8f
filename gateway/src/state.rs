use crate::clients::ServiceClients;

/// What every handler can reach.
pub struct AppState {
    pub clients: ServiceClients,
    /// Until sign-in exists, a local-only instance (loopback bind address and public URL) serves
    /// this business (slug) without a token. `None` everywhere else: requests get 401.
    pub open_business_slug: Option<String>,
}
