use crate::{
    auth::{Crm, Feature},
    error::{ApiError, ErrorBody},
    state::AppState,
    views::TimelineItem,
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::GetTimelineRequest;
use std::collections::HashMap;

/// Response header with the cursor of the next (older) page; absent on the last page.
pub const NEXT_CURSOR_HEADER: &str = "x-next-cursor";

/// `GET /api/customers/{id}/timeline?limit=&before=` → a JSON array of
/// `{kind, id, ts, data}`, newest first; the next page's cursor is in `X-Next-Cursor`.
#[utoipa::path(get, path = "/api/customers/{id}/timeline", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Customer id"),
        ("limit" = Option<i64>, Query, description = "default 50, at most 200"),
        ("before" = Option<String>, Query, description = "the X-Next-Cursor of the previous page")),
    responses((status = 200, body = Vec<TimelineItem>,
            headers(("x-next-cursor" = String, description = "cursor of the next page; absent on the last"))),
        (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let limit = match query
        .get("limit")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| {
            ApiError::validation(format!("limit: must be a whole number, got {v:?}"))
                .with_field("limit")
        })?),
    };
    let res = state
        .clients
        .crm
        .clone()
        .get_timeline(GetTimelineRequest {
            business_id: user.business_id.clone(),
            customer_id: id.into_inner(),
            before: query.get("before").cloned().unwrap_or_default(),
            limit,
        })
        .await?
        .into_inner();
    let items = res
        .items
        .into_iter()
        .map(TimelineItem::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    let mut out = HttpResponse::Ok();
    if !res.next_cursor.is_empty() {
        out.insert_header((NEXT_CURSOR_HEADER, res.next_cursor));
    }
    Ok(out.json(items))
}
