//! Read-only lists of a customer's calls and WhatsApp messages (the voice and WhatsApp services
//! write them through events).

use crate::{
    auth::{Crm, Feature},
    error::{ApiError, ErrorBody},
    routes::params::{self, Query},
    state::AppState,
    views::{Call, Page, WhatsAppMessage},
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{ListCustomerCallsRequest, ListCustomerWhatsAppMessagesRequest};

/// `GET /api/customers/{id}/calls?page=&limit=`: newest first.
#[utoipa::path(get, path = "/api/customers/{id}/calls", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Customer id"),
        ("page" = Option<i64>, Query, description = "1-based, default 1"),
        ("limit" = Option<i64>, Query, description = "default 25, at most 100 (larger is clamped)")),
    responses((status = 200, body = Page<Call>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn calls(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let p = params::page(&query)?;
    let res = state
        .clients
        .crm
        .clone()
        .list_customer_calls(ListCustomerCallsRequest {
            business_id: user.business_id.clone(),
            customer_id: id.into_inner(),
            page: p.page,
            limit: p.limit,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Page::<Call>::from(res)))
}

/// `GET /api/customers/{id}/whatsapp?page=&limit=`: newest first.
#[utoipa::path(get, path = "/api/customers/{id}/whatsapp", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Customer id"),
        ("page" = Option<i64>, Query, description = "1-based, default 1"),
        ("limit" = Option<i64>, Query, description = "default 25, at most 100 (larger is clamped)")),
    responses((status = 200, body = Page<WhatsAppMessage>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn whatsapp(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let p = params::page(&query)?;
    let res = state
        .clients
        .crm
        .clone()
        .list_customer_whats_app_messages(ListCustomerWhatsAppMessagesRequest {
            business_id: user.business_id.clone(),
            customer_id: id.into_inner(),
            page: p.page,
            limit: p.limit,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Page::<WhatsAppMessage>::from(res)))
}
