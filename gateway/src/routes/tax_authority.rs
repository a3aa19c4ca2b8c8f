//! The business's connection to the Tax Authority, for allocation numbers (מספר הקצאה): its
//! state, connecting (OAuth2 with the Authority; owners and admins) and disconnecting. Part of
//! invoices: off with the invoices feature (403 `invoices_disabled`).
//!
//! Connecting: `POST /api/tax-authority/connect` answers the Authority's authorize URL, which
//! the web app opens; the Authority sends the browser back to the web app's page
//! `/settings/tax-authority/callback?code=…&state=…`, which posts both to
//! `POST /api/tax-authority/callback` under the same sign-in. The state is bound to the business
//! and the user who started the connect and is used once.

use crate::{
    auth::{Feature, Invoices},
    error::{ApiError, ErrorBody},
    state::AppState,
    views::TaxAuthorityStatus,
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{
    CompleteTaxAuthorityConnectRequest, DisconnectTaxAuthorityRequest,
    GetTaxAuthorityStatusRequest, StartTaxAuthorityConnectRequest,
};
use serde::{Deserialize, Serialize};

/// `GET /api/tax-authority`: whether the business is connected.
#[utoipa::path(get, path = "/api/tax-authority", tag = "invoices", security(("bearer" = [])),
    responses((status = 200, body = TaxAuthorityStatus), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "The invoices feature is off for this business", body = ErrorBody)))]
pub async fn status(
    state: web::Data<AppState>,
    user: Feature<Invoices>,
) -> Result<HttpResponse, ApiError> {
    let s = state
        .clients
        .crm
        .clone()
        .get_tax_authority_status(GetTaxAuthorityStatusRequest {
            business_id: user.business_id.clone(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(TaxAuthorityStatus::from(s)))
}

/// Where to send the browser to connect.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConnectStart {
    /// The Tax Authority's authorize page (with this connect's `state`).
    pub authorize_url: String,
}

/// `POST /api/tax-authority/connect` (owner or admin): starts connecting the business.
#[utoipa::path(post, path = "/api/tax-authority/connect", tag = "invoices", security(("bearer" = [])),
    responses((status = 200, body = ConnectStart), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Only an owner or admin, or the invoices feature is off", body = ErrorBody),
        (status = 409, description = "The server is not set up to reach the Tax Authority", body = ErrorBody)))]
pub async fn connect(
    state: web::Data<AppState>,
    user: Feature<Invoices>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let r = state
        .clients
        .crm
        .clone()
        .start_tax_authority_connect(StartTaxAuthorityConnectRequest {
            business_id: user.business_id.clone(),
            user_id: user.user_id.clone(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(ConnectStart {
        authorize_url: r.authorize_url,
    }))
}

/// What the Tax Authority sent the browser back with.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectCallback {
    code: String,
    state: String,
}

/// `POST /api/tax-authority/callback` (owner or admin, the one who started the connect):
/// completes it with the Authority's code.
#[utoipa::path(post, path = "/api/tax-authority/callback", tag = "invoices", security(("bearer" = [])), request_body = ConnectCallback,
    responses((status = 200, body = TaxAuthorityStatus), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Only an owner or admin, or the invoices feature is off", body = ErrorBody),
        (status = 409, description = "The server is not set up to reach the Tax Authority", body = ErrorBody),
        (status = 422, description = "An unknown, used, expired or another user's state, or a code the Authority refused (named in `field`)", body = ErrorBody),
        (status = 503, description = "The Tax Authority could not be reached", body = ErrorBody)))]
pub async fn callback(
    state: web::Data<AppState>,
    user: Feature<Invoices>,
    body: web::Json<ConnectCallback>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let b = body.into_inner();
    let s = state
        .clients
        .crm
        .clone()
        .complete_tax_authority_connect(CompleteTaxAuthorityConnectRequest {
            business_id: user.business_id.clone(),
            user_id: user.user_id.clone(),
            code: b.code,
            state: b.state,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(TaxAuthorityStatus::from(s)))
}

/// `DELETE /api/tax-authority` (owner or admin): forgets the business's tokens; its documents
/// then wait ("not connected") until it connects again.
#[utoipa::path(delete, path = "/api/tax-authority", tag = "invoices", security(("bearer" = [])),
    responses((status = 200, body = TaxAuthorityStatus), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Only an owner or admin, or the invoices feature is off", body = ErrorBody)))]
pub async fn disconnect(
    state: web::Data<AppState>,
    user: Feature<Invoices>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let s = state
        .clients
        .crm
        .clone()
        .disconnect_tax_authority(DisconnectTaxAuthorityRequest {
            business_id: user.business_id.clone(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(TaxAuthorityStatus::from(s)))
}
