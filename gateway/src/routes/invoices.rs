use crate::{
    auth::{Feature, Invoices},
    error::{ApiError, ErrorBody},
    routes::params::{self, Query},
    state::AppState,
    views::{Invoice, LineItem, Page},
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{
    CreateInvoiceRequest, DeleteInvoiceRequest, GetInvoiceRequest, ListInvoicesRequest,
    UpdateInvoiceRequest,
};
use serde::Deserialize;

/// `GET /api/invoices?page=&limit=&customer_id=&status=&sort=`
#[utoipa::path(get, path = "/api/invoices", tag = "invoices", security(("bearer" = [])),
    params(("page" = Option<i64>, Query, description = "1-based, default 1"),
        ("limit" = Option<i64>, Query, description = "default 25, at most 100 (larger is clamped)"),
        ("customer_id" = Option<String>, Query),
        ("status" = Option<String>, Query, description = "draft | sent | paid | cancelled"),
        ("sort" = Option<String>, Query, description = "created_at | -created_at | number | -number (default -created_at)")),
    responses((status = 200, body = Page<Invoice>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: Feature<Invoices>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let p = params::page(&q)?;
    let res = state
        .clients
        .crm
        .clone()
        .list_invoices(ListInvoicesRequest {
            business_id: user.business_id.clone(),
            page: p.page,
            limit: p.limit,
            customer_id: params::text(&q, "customer_id"),
            status: params::text(&q, "status"),
            sort: params::text(&q, "sort"),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Page::<Invoice>::from(res)))
}

/// A new invoice. Amounts are computed by the server: a request carrying `subtotal_agorot`,
/// `vat_agorot`, `total_agorot` (or any other unknown field) is refused with 422.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvoice {
    /// A customer of the business.
    #[serde(default)]
    customer_id: String,
    /// 1 to 100 lines.
    #[serde(default)]
    items: Vec<LineItem>,
    /// RFC 3339.
    due_at: Option<String>,
}

/// `POST /api/invoices` → 201 with a draft (numbered when it is sent).
#[utoipa::path(post, path = "/api/invoices", tag = "invoices", security(("bearer" = [])), request_body = NewInvoice,
    responses((status = 201, body = Invoice), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    user: Feature<Invoices>,
    body: web::Json<NewInvoice>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let i = body.into_inner();
    let created = state
        .clients
        .crm
        .clone()
        .create_invoice(CreateInvoiceRequest {
            business_id: user.business_id.clone(),
            customer_id: i.customer_id,
            items: i.items.into_iter().map(Into::into).collect(),
            due_at: params::body_time("due_at", i.due_at.as_deref())?,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Created().json(Invoice::from(created)))
}

/// `GET /api/invoices/{id}`
#[utoipa::path(get, path = "/api/invoices/{id}", tag = "invoices", security(("bearer" = [])), params(("id" = String, Path, description = "Invoice id")),
    responses((status = 200, body = Invoice), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: Feature<Invoices>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let i = state
        .clients
        .crm
        .clone()
        .get_invoice(GetInvoiceRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Invoice::from(i)))
}

/// A change of an invoice. `items` and `due_at` only while it is a draft; `status` moves it
/// `draft → sent | cancelled`, `sent → paid | cancelled` (anything else is 409).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoicePatch {
    items: Option<Vec<LineItem>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "crate::views::nullable")]
    #[schema(value_type = Option<String>)]
    due_at: Option<Option<String>>,
    /// draft | sent | paid | cancelled
    status: Option<String>,
}

/// `PATCH /api/invoices/{id}`: only the fields given change.
#[utoipa::path(patch, path = "/api/invoices/{id}", tag = "invoices", security(("bearer" = [])), params(("id" = String, Path, description = "Invoice id")), request_body = InvoicePatch,
    responses((status = 200, body = Invoice), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody),
        (status = 409, description = "Not allowed in the invoice's status (a transition the life cycle does not allow, or editing an issued invoice)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    user: Feature<Invoices>,
    id: web::Path<String>,
    body: web::Json<InvoicePatch>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let p = body.into_inner();
    let due_at = match &p.due_at {
        Some(Some(v)) => params::body_time("due_at", Some(v))?,
        _ => None,
    };
    let i = state
        .clients
        .crm
        .clone()
        .update_invoice(UpdateInvoiceRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
            set_items: p.items.is_some(),
            items: p
                .items
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            set_due_at: p.due_at.is_some(),
            due_at,
            status: p.status,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Invoice::from(i)))
}

/// `DELETE /api/invoices/{id}` → 204; only a draft (an issued invoice is cancelled instead).
#[utoipa::path(delete, path = "/api/invoices/{id}", tag = "invoices", security(("bearer" = [])), params(("id" = String, Path, description = "Invoice id")),
    responses((status = 204, description = "Deleted"), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody),
        (status = 409, description = "The invoice is not a draft (cancel it instead)", body = ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    user: Feature<Invoices>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    state
        .clients
        .crm
        .clone()
        .delete_invoice(DeleteInvoiceRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
