use crate::{
    auth::{Feature, Reports},
    error::{ApiError, ErrorBody},
    routes::params::{self, Query},
    state::AppState,
    views::ReportSummary,
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::GetReportSummaryRequest;

/// `GET /api/reports/summary?from=&to=`: the business's numbers over `[from, to)`, computed by
/// the database.
#[utoipa::path(get, path = "/api/reports/summary", tag = "reports", security(("bearer" = [])),
    params(("from" = Option<String>, Query, description = "RFC 3339; default 30 days before `to`"),
        ("to" = Option<String>, Query, description = "RFC 3339, after `from`; default now")),
    responses((status = 200, body = ReportSummary), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn summary(
    state: web::Data<AppState>,
    user: Feature<Reports>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let res = state
        .clients
        .crm
        .clone()
        .get_report_summary(GetReportSummaryRequest {
            business_id: user.business_id.clone(),
            from: params::time(&q, "from")?,
            to: params::time(&q, "to")?,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(ReportSummary::from(res)))
}
