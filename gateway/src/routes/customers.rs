use crate::{
    error::ApiError,
    pagination,
    scope::BusinessScope,
    state::AppState,
    views::{Customer, Page},
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::ListCustomersRequest;
use std::collections::HashMap;

/// `GET /api/crm/customers?page=&limit=&q=&status=`
pub async fn list(
    state: web::Data<AppState>,
    scope: BusinessScope,
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
            business_id: scope.business_id,
            page: p.page,
            limit: p.limit,
            query: q.get("q").cloned().unwrap_or_default(),
            status: q.get("status").cloned().unwrap_or_default(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(Page::<Customer>::from(res)))
}
