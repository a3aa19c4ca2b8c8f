use crate::{
    auth::{Crm, Feature},
    error::{ApiError, ErrorBody},
    pagination,
    state::AppState,
    views::{Customer, Page},
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{
    CreateCustomerRequest, DeleteCustomerRequest, GetCustomerRequest, ListCustomersRequest,
    UpdateCustomerRequest,
};
use serde::Deserialize;
use std::collections::HashMap;

/// `GET /api/crm/customers?page=&limit=&q=&status=` or `?after=<cursor>&…`: pages by number, or
/// (for scrolling deep into a large list) after the `X-Next-Cursor` of the previous page; or
/// `?ids=a,b,c`: just those customers (the names behind a page of another list, in one request).
#[utoipa::path(get, path = "/api/crm/customers", tag = "customers", security(("bearer" = [])),
    params(("page" = Option<i64>, Query, description = "1-based, default 1"),
        ("after" = Option<String>, Query, description = "instead of `page`: the `X-Next-Cursor` of the previous page (keyset paging, equally fast at any depth; the response's `page` is then 0)"),
        ("limit" = Option<i64>, Query, description = "default 25, at most 100 (larger is clamped)"),
        ("q" = Option<String>, Query, description = "name, email or phone in any Israeli format"),
        ("status" = Option<String>, Query, description = "lead | active | inactive"),
        ("ids" = Option<String>, Query, description = "comma-separated customer ids (at most 100), alone: just those customers, newest first; ids of no customer of the business are left out")),
    responses((status = 200, body = Page<Customer>, headers(("X-Next-Cursor" = String, description = "After a full page: the `after` of the next page"))), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let p = pagination::parse(
        q.get("page").map(String::as_str),
        q.get("limit").map(String::as_str),
    )
    .map_err(ApiError::validation)?;
    let res = state
        .clients
        .crm
        .clone()
        .list_customers(ListCustomersRequest {
            business_id: user.business_id.clone(),
            page: p.page,
            limit: p.limit,
            query: q.get("q").cloned().unwrap_or_default(),
            status: q.get("status").cloned().unwrap_or_default(),
            after: q.get("after").cloned().unwrap_or_default(),
            ids: q
                .get("ids")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|id| !id.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
        })
        .await?
        .into_inner();
    let mut out = HttpResponse::Ok();
    if !res.next_cursor.is_empty() {
        out.insert_header((super::timeline::NEXT_CURSOR_HEADER, res.next_cursor.clone()));
    }
    Ok(out.json(Page::<Customer>::from(res)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    name: String,
    phone: String,
    email: Option<String>,
    status: Option<String>,
    source: Option<String>,
    #[serde(default)]
    notes: String,
}

/// `POST /api/crm/customers` → 201 with the customer.
#[utoipa::path(post, path = "/api/crm/customers", tag = "customers", security(("bearer" = [])), request_body = NewCustomer,
    responses((status = 201, body = Customer), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 409, description = "Conflicts with existing data", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    body: web::Json<NewCustomer>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let c = body.into_inner();
    let created = state
        .clients
        .crm
        .clone()
        .create_customer(CreateCustomerRequest {
            business_id: user.business_id.clone(),
            name: c.name,
            phone: c.phone,
            email: c.email.unwrap_or_default(),
            status: c.status.unwrap_or_default(),
            source: c.source.unwrap_or_default(),
            notes: c.notes,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Created().json(Customer::from(created)))
}

/// `GET /api/crm/customers/{id}`
#[utoipa::path(get, path = "/api/crm/customers/{id}", tag = "customers", security(("bearer" = [])), params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, body = Customer), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let c = state
        .clients
        .crm
        .clone()
        .get_customer(GetCustomerRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Customer::from(c)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    name: Option<String>,
    phone: Option<String>,
    /// `null` or `""` clears it.
    #[serde(default, deserialize_with = "crate::views::nullable")]
    #[schema(value_type = Option<String>)]
    email: Option<Option<String>>,
    status: Option<String>,
    notes: Option<String>,
}

/// `PATCH /api/crm/customers/{id}`: only the fields given change.
#[utoipa::path(patch, path = "/api/crm/customers/{id}", tag = "customers", security(("bearer" = [])), params(("id" = String, Path, description = "Customer id")), request_body = CustomerPatch,
    responses((status = 200, body = Customer), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody), (status = 409, description = "Conflicts with existing data", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
    body: web::Json<CustomerPatch>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let p = body.into_inner();
    let c = state
        .clients
        .crm
        .clone()
        .update_customer(UpdateCustomerRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
            name: p.name,
            phone: p.phone,
            email: p.email.map(Option::unwrap_or_default),
            status: p.status,
            notes: p.notes,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Customer::from(c)))
}

/// `DELETE /api/crm/customers/{id}` → 204.
#[utoipa::path(delete, path = "/api/crm/customers/{id}", tag = "customers", security(("bearer" = [])), params(("id" = String, Path, description = "Customer id")),
    responses((status = 204, description = "Deleted"), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody),
        (status = 409, description = "The customer has invoices, contracts or proposals", body = ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    state
        .clients
        .crm
        .clone()
        .delete_customer(DeleteCustomerRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
