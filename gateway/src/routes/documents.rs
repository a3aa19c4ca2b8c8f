use crate::{
    auth::{AuthUser, Contracts, FeatureFlag, Invoices},
    error::{ApiError, ErrorBody},
    state::AppState,
};
use actix_web::{HttpResponse, http::header, web};
use agentlocator_proto::v1::GetDocumentPdfRequest;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PdfQuery {
    /// `true`: the copy, marked "העתק"; otherwise the original, marked "מקור".
    copy: Option<bool>,
}

/// `GET /api/documents/{id}/pdf?copy=`: the PDF of an issued invoice (any document type) or a
/// signed contract — Hebrew, right to left, rendered once when it was issued and stored, so
/// every download is the same bytes (`ETag` = its SHA-256).
#[utoipa::path(get, path = "/api/documents/{id}/pdf", tag = "invoices", security(("bearer" = [])),
    params(("id" = String, Path, description = "An invoice id or a contract id"), PdfQuery),
    responses((status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "The feature (invoices or contracts) is off for this business", body = ErrorBody),
        (status = 404, description = "Not found (or another business's)", body = ErrorBody), (status = 409, description = "A draft, or a contract not signed yet: no PDF", body = ErrorBody)))]
pub async fn pdf(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    query: web::Query<PdfQuery>,
) -> Result<HttpResponse, ApiError> {
    let res = state
        .clients
        .crm
        .clone()
        .get_document_pdf(GetDocumentPdfRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
            copy: query.copy.unwrap_or(false),
        })
        .await?
        .into_inner();
    let flags = state
        .businesses
        .get(&user.business_id)
        .await?
        .features
        .unwrap_or_default();
    let (on, code, label) = if res.kind == "contract" {
        (
            Contracts::enabled(&flags),
            Contracts::DISABLED,
            Contracts::LABEL,
        )
    } else {
        (
            Invoices::enabled(&flags),
            Invoices::DISABLED,
            Invoices::LABEL,
        )
    };
    if !on {
        return Err(ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            code,
            format!("{label} is turned off for this business"),
        ));
    }
    let disposition = if query.copy.unwrap_or(false) {
        res.file_name.replace(".pdf", "-copy.pdf")
    } else {
        res.file_name
    };
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{disposition}\""),
        ))
        .insert_header((header::ETAG, format!("\"{}\"", res.sha256)))
        .insert_header((header::CACHE_CONTROL, "private, max-age=0"))
        .body(res.pdf))
}
