use crate::{
    auth::{Feature, Proposals},
    error::{ApiError, ErrorBody},
    routes::params::{self, Query},
    state::AppState,
    views::{LineItem, Page, Proposal},
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{
    CreateProposalRequest, DeleteProposalRequest, GetProposalRequest, ListProposalsRequest,
    UpdateProposalRequest,
};
use serde::Deserialize;

/// `GET /api/proposals?page=&limit=&customer_id=&status=&sort=`
#[utoipa::path(get, path = "/api/proposals", tag = "proposals", security(("bearer" = [])),
    params(("page" = Option<i64>, Query, description = "1-based, default 1"),
        ("limit" = Option<i64>, Query, description = "default 25, at most 100 (larger is clamped)"),
        ("customer_id" = Option<String>, Query),
        ("status" = Option<String>, Query, description = "draft | sent | accepted | rejected | expired"),
        ("sort" = Option<String>, Query, description = "created_at | -created_at | valid_until | -valid_until (default -created_at)")),
    responses((status = 200, body = Page<Proposal>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: Feature<Proposals>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let p = params::page(&q)?;
    let res = state
        .clients
        .crm
        .clone()
        .list_proposals(ListProposalsRequest {
            business_id: user.business_id.clone(),
            page: p.page,
            limit: p.limit,
            customer_id: params::text(&q, "customer_id"),
            status: params::text(&q, "status"),
            sort: params::text(&q, "sort"),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Page::<Proposal>::from(res)))
}

/// A new proposal. `total_agorot` is computed by the server: sending it is refused (422).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposal {
    /// A customer of the business.
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    title: String,
    /// 1 to 100 lines.
    #[serde(default)]
    items: Vec<LineItem>,
    /// RFC 3339.
    valid_until: Option<String>,
}

/// `POST /api/proposals` → 201 with a draft.
#[utoipa::path(post, path = "/api/proposals", tag = "proposals", security(("bearer" = [])), request_body = NewProposal,
    responses((status = 201, body = Proposal), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    user: Feature<Proposals>,
    body: web::Json<NewProposal>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let p = body.into_inner();
    let created = state
        .clients
        .crm
        .clone()
        .create_proposal(CreateProposalRequest {
            business_id: user.business_id.clone(),
            customer_id: p.customer_id,
            title: p.title,
            items: p.items.into_iter().map(Into::into).collect(),
            valid_until: params::body_time("valid_until", p.valid_until.as_deref())?,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Created().json(Proposal::from(created)))
}

/// `GET /api/proposals/{id}`
#[utoipa::path(get, path = "/api/proposals/{id}", tag = "proposals", security(("bearer" = [])), params(("id" = String, Path, description = "Proposal id")),
    responses((status = 200, body = Proposal), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: Feature<Proposals>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let p = state
        .clients
        .crm
        .clone()
        .get_proposal(GetProposalRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Proposal::from(p)))
}

/// A change of a proposal: `title` and `items` while a draft, `valid_until` while a draft or
/// sent; `status` moves it `draft → sent`, `sent → accepted | rejected | expired` (else 409).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalPatch {
    title: Option<String>,
    items: Option<Vec<LineItem>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "crate::views::nullable")]
    #[schema(value_type = Option<String>)]
    valid_until: Option<Option<String>>,
    /// draft | sent | accepted | rejected | expired
    status: Option<String>,
}

/// `PATCH /api/proposals/{id}`: only the fields given change.
#[utoipa::path(patch, path = "/api/proposals/{id}", tag = "proposals", security(("bearer" = [])), params(("id" = String, Path, description = "Proposal id")), request_body = ProposalPatch,
    responses((status = 200, body = Proposal), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody),
        (status = 409, description = "Not allowed in the proposal's status", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    user: Feature<Proposals>,
    id: web::Path<String>,
    body: web::Json<ProposalPatch>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let p = body.into_inner();
    let valid_until = match &p.valid_until {
        Some(Some(v)) => params::body_time("valid_until", Some(v))?,
        _ => None,
    };
    let updated = state
        .clients
        .crm
        .clone()
        .update_proposal(UpdateProposalRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
            title: p.title,
            set_items: p.items.is_some(),
            items: p
                .items
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            set_valid_until: p.valid_until.is_some(),
            valid_until,
            status: p.status,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Proposal::from(updated)))
}

/// `DELETE /api/proposals/{id}` → 204; an accepted proposal is a record and stays.
#[utoipa::path(delete, path = "/api/proposals/{id}", tag = "proposals", security(("bearer" = [])), params(("id" = String, Path, description = "Proposal id")),
    responses((status = 204, description = "Deleted"), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody),
        (status = 409, description = "The proposal was accepted", body = ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    user: Feature<Proposals>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    state
        .clients
        .crm
        .clone()
        .delete_proposal(DeleteProposalRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
