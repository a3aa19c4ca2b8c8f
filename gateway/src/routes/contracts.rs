use crate::{
    auth::{Contracts, Feature},
    error::{ApiError, ErrorBody},
    routes::params::{self, Query},
    state::AppState,
    views::{Contract, Page},
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{
    CreateContractRequest, DeleteContractRequest, GetContractRequest, ListContractsRequest,
    UpdateContractRequest,
};
use serde::Deserialize;

/// `GET /api/contracts?page=&limit=&customer_id=&status=&sort=`
#[utoipa::path(get, path = "/api/contracts", tag = "contracts", security(("bearer" = [])),
    params(("page" = Option<i64>, Query, description = "1-based, default 1"),
        ("limit" = Option<i64>, Query, description = "default 25, at most 100 (larger is clamped)"),
        ("customer_id" = Option<String>, Query),
        ("status" = Option<String>, Query, description = "draft | sent | signed"),
        ("sort" = Option<String>, Query, description = "created_at | -created_at | updated_at | -updated_at (default -created_at)")),
    responses((status = 200, body = Page<Contract>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: Feature<Contracts>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let p = params::page(&q)?;
    let res = state
        .clients
        .crm
        .clone()
        .list_contracts(ListContractsRequest {
            business_id: user.business_id.clone(),
            page: p.page,
            limit: p.limit,
            customer_id: params::text(&q, "customer_id"),
            status: params::text(&q, "status"),
            sort: params::text(&q, "sort"),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Page::<Contract>::from(res)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContract {
    /// A customer of the business.
    #[serde(default)]
    customer_id: String,
    /// One line, at most 200 characters.
    #[serde(default)]
    title: String,
    /// At most 100,000 characters.
    #[serde(default)]
    body: String,
}

/// `POST /api/contracts` → 201 with a draft.
#[utoipa::path(post, path = "/api/contracts", tag = "contracts", security(("bearer" = [])), request_body = NewContract,
    responses((status = 201, body = Contract), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    user: Feature<Contracts>,
    body: web::Json<NewContract>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let c = body.into_inner();
    let created = state
        .clients
        .crm
        .clone()
        .create_contract(CreateContractRequest {
            business_id: user.business_id.clone(),
            customer_id: c.customer_id,
            title: c.title,
            body: c.body,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Created().json(Contract::from(created)))
}

/// `GET /api/contracts/{id}`
#[utoipa::path(get, path = "/api/contracts/{id}", tag = "contracts", security(("bearer" = [])), params(("id" = String, Path, description = "Contract id")),
    responses((status = 200, body = Contract), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: Feature<Contracts>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let c = state
        .clients
        .crm
        .clone()
        .get_contract(GetContractRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Contract::from(c)))
}

/// A change of a contract that is not signed yet. `status` is `draft` or `sent`: a contract
/// becomes `signed` only through its signature link.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractPatch {
    title: Option<String>,
    body: Option<String>,
    /// draft | sent
    status: Option<String>,
}

/// `PATCH /api/contracts/{id}`: only the fields given change.
#[utoipa::path(patch, path = "/api/contracts/{id}", tag = "contracts", security(("bearer" = [])), params(("id" = String, Path, description = "Contract id")), request_body = ContractPatch,
    responses((status = 200, body = Contract), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody),
        (status = 409, description = "The contract is signed, or `signed` was asked for", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    user: Feature<Contracts>,
    id: web::Path<String>,
    body: web::Json<ContractPatch>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let p = body.into_inner();
    let c = state
        .clients
        .crm
        .clone()
        .update_contract(UpdateContractRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
            title: p.title,
            body: p.body,
            status: p.status,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Contract::from(c)))
}

/// `DELETE /api/contracts/{id}` → 204; a signed contract is a record and stays.
#[utoipa::path(delete, path = "/api/contracts/{id}", tag = "contracts", security(("bearer" = [])), params(("id" = String, Path, description = "Contract id")),
    responses((status = 204, description = "Deleted"), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody),
        (status = 409, description = "The contract is signed", body = ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    user: Feature<Contracts>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    state
        .clients
        .crm
        .clone()
        .delete_contract(DeleteContractRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
