use crate::clients::ServiceClients;

/// What every handler can reach.
pub struct AppState {
    pub clients: ServiceClients,
    /// Until sign-in exists, the embedded default serves this business (slug) without a token.
    /// `None` everywhere else: requests are refused with 401.
    pub open_business_slug: Option<String>,
}
