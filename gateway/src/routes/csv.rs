//! CSV in and out: the customer import (upload → preview → start → progress → errors file) and
//! the exports. Files are streamed from crm-svc chunk by chunk (gRPC server streaming) into a
//! chunked HTTP response, never held whole in the gateway.

use crate::{
    auth::{AuthUser, Crm, Feature, FeatureFlag, Invoices, Voice, WhatsApp},
    error::{ApiError, ErrorBody},
    state::AppState,
};
use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use agentlocator_proto::v1 as pb;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

/// Largest CSV file an import takes (crm-svc refuses more as well).
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// An import's state and progress.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerImport {
    id: String,
    /// `draft` (previewed, not started) | `queued` | `running` | `done` | `failed`
    status: String,
    file_name: String,
    /// `utf-8` | `utf-8-bom` | `utf-16` | `windows-1255`
    encoding: String,
    /// `,` `;` or a tab
    delimiter: String,
    /// Data rows in the file.
    total_rows: i64,
    /// Rows to write (valid, duplicates within the file folded): 100 % of the progress bar.
    planned_rows: i64,
    processed_rows: i64,
    created: i64,
    merged: i64,
    skipped: i64,
    /// Rows that could not be imported (see `/errors`).
    errors: i64,
    failure: Option<String>,
    created_at: Option<String>,
    finished_at: Option<String>,
}

fn rfc3339(t: Option<prost_types::Timestamp>) -> Option<String> {
    t.and_then(|t| agentlocator_proto::from_timestamp(&t))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

impl From<pb::CustomerImport> for CustomerImport {
    fn from(i: pb::CustomerImport) -> Self {
        CustomerImport {
            id: i.id,
            status: i.status,
            file_name: i.file_name,
            encoding: i.encoding,
            delimiter: i.delimiter,
            total_rows: i.total_rows,
            planned_rows: i.planned_rows,
            processed_rows: i.processed_rows,
            created: i.created,
            merged: i.merged,
            skipped: i.skipped,
            errors: i.errors,
            failure: Some(i.failure).filter(|f| !f.is_empty()),
            created_at: rfc3339(i.created_at),
            finished_at: rfc3339(i.finished_at),
        }
    }
}

/// Which column (0-based) each customer field is read from; absent or `null`: not imported.
/// `name` and `phone` are required to start.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportMapping {
    name: Option<u32>,
    phone: Option<u32>,
    email: Option<u32>,
    notes: Option<u32>,
    status: Option<u32>,
}

impl From<ImportMapping> for pb::ImportMapping {
    fn from(m: ImportMapping) -> Self {
        let c = |v: Option<u32>| v.map(|v| v.min(i32::MAX as u32) as i32);
        pb::ImportMapping {
            name: c(m.name),
            phone: c(m.phone),
            email: c(m.email),
            notes: c(m.notes),
            status: c(m.status),
        }
    }
}

impl From<pb::ImportMapping> for ImportMapping {
    fn from(m: pb::ImportMapping) -> Self {
        let c = |v: Option<i32>| v.map(|v| v.max(0) as u32);
        ImportMapping {
            name: c(m.name),
            phone: c(m.phone),
            email: c(m.email),
            notes: c(m.notes),
            status: c(m.status),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportRow {
    /// Line (record) number in the file; the header is 1.
    line: i64,
    cells: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportRowError {
    line: i64,
    /// `name` | `phone` | `email` | `notes` | `status`
    field: String,
    /// Why, in Hebrew.
    message: String,
    /// The row's cells as one CSV line.
    raw: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportPreview {
    import: CustomerImport,
    /// The file's header cells (column names).
    header: Vec<String>,
    /// The mapping asked for, or the one the header names suggest.
    mapping: ImportMapping,
    /// Why this mapping cannot start (no phone column, …).
    mapping_error: Option<String>,
    /// The first rows.
    rows: Vec<ImportRow>,
    /// The first 50 row errors under `mapping`.
    errors: Vec<ImportRowError>,
    error_count: i64,
    /// Rows that would be imported.
    valid_count: i64,
}

impl From<pb::ImportPreview> for ImportPreview {
    fn from(p: pb::ImportPreview) -> Self {
        ImportPreview {
            import: p.import.unwrap_or_default().into(),
            header: p.header,
            mapping: p.mapping.unwrap_or_default().into(),
            mapping_error: Some(p.mapping_error).filter(|e| !e.is_empty()),
            rows: p
                .rows
                .into_iter()
                .map(|r| ImportRow {
                    line: r.line,
                    cells: r.cells,
                })
                .collect(),
            errors: p
                .errors
                .into_iter()
                .map(|e| ImportRowError {
                    line: e.line,
                    field: e.field,
                    message: e.message,
                    raw: e.raw,
                })
                .collect(),
            error_count: p.error_count,
            valid_count: p.valid_count,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// The file's name, shown with the import.
    file_name: Option<String>,
}

/// The request body, at most [`MAX_IMPORT_BYTES`] (else 413, read no further).
async fn read_limited(req: &HttpRequest, mut payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "the file is larger than {} MB",
                MAX_IMPORT_BYTES / (1024 * 1024)
            ),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_IMPORT_BYTES) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("bad_body", e.to_string()))?;
        if body.len() + chunk.len() > MAX_IMPORT_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    if body.is_empty() {
        return Err(ApiError::validation("the file is empty").with_field("file"));
    }
    Ok(body)
}

/// `POST /api/crm/imports?file_name=`: the body is the CSV file itself (`text/csv`, any of the
/// encodings and separators Excel writes). Answers 201 with a draft import and its preview.
#[utoipa::path(post, path = "/api/crm/imports", tag = "imports", security(("bearer" = [])), params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "The CSV file: UTF-8 (with or without BOM), UTF-16 or Windows-1255; separated by `,` `;` or tab; the first line names the columns"),
    responses((status = 201, body = ImportPreview), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden (read-only), or the CRM is off for this business", body = ErrorBody),
        (status = 413, description = "Larger than 20 MB", body = ErrorBody), (status = 422, description = "Not readable as CSV text (named in `field`: `file`)", body = ErrorBody)))]
pub async fn upload(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    req: HttpRequest,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let content = read_limited(&req, payload).await?;
    let preview = state
        .clients
        .crm
        .clone()
        .upload_import(pb::UploadImportRequest {
            business_id: user.business_id.clone(),
            file_name: query.into_inner().file_name.unwrap_or_default(),
            content,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Created().json(ImportPreview::from(preview)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    mapping: Option<ImportMapping>,
}

/// `POST /api/crm/imports/{id}/preview`: the draft's preview under another mapping.
#[utoipa::path(post, path = "/api/crm/imports/{id}/preview", tag = "imports", security(("bearer" = [])), params(("id" = String, Path, description = "Import id")), request_body = PreviewRequest,
    responses((status = 200, body = ImportPreview), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the CRM is off", body = ErrorBody),
        (status = 404, description = "Not found (or another business's)", body = ErrorBody), (status = 409, description = "Already started", body = ErrorBody), (status = 422, description = "Invalid mapping", body = ErrorBody)))]
pub async fn preview(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
    body: web::Json<PreviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let preview = state
        .clients
        .crm
        .clone()
        .preview_import(pb::PreviewImportRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
            mapping: body.into_inner().mapping.map(Into::into),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(ImportPreview::from(preview)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    mapping: ImportMapping,
    /// `skip` (default): a row whose phone is a customer's already leaves that customer as is;
    /// `merge`: the row's non-empty cells overwrite it.
    duplicates: Option<String>,
    /// Import the valid rows of a file that has invalid ones; otherwise such a file is refused
    /// (422, `field` = `import_valid_rows`) and nothing is imported.
    #[serde(default)]
    import_valid_rows: bool,
}

/// `POST /api/crm/imports/{id}/start` → 202: the import is queued as a background job; poll
/// `GET /api/crm/imports/{id}` for its progress.
#[utoipa::path(post, path = "/api/crm/imports/{id}/start", tag = "imports", security(("bearer" = [])), params(("id" = String, Path, description = "Import id")), request_body = StartRequest,
    responses((status = 202, body = CustomerImport), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden (read-only), or the CRM is off", body = ErrorBody),
        (status = 404, description = "Not found (or another business's)", body = ErrorBody), (status = 409, description = "Already started", body = ErrorBody),
        (status = 422, description = "Invalid mapping, or rows with errors without `import_valid_rows`", body = ErrorBody)))]
pub async fn start(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
    body: web::Json<StartRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let b = body.into_inner();
    let import = state
        .clients
        .crm
        .clone()
        .start_import(pb::StartImportRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
            mapping: Some(b.mapping.into()),
            duplicates: b.duplicates.unwrap_or_default(),
            import_valid_rows: b.import_valid_rows,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Accepted().json(CustomerImport::from(import)))
}

/// `GET /api/crm/imports/{id}`: the import's state and progress.
#[utoipa::path(get, path = "/api/crm/imports/{id}", tag = "imports", security(("bearer" = [])), params(("id" = String, Path, description = "Import id")),
    responses((status = 200, body = CustomerImport), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "The CRM is off", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let import = state
        .clients
        .crm
        .clone()
        .get_import(pb::GetImportRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(CustomerImport::from(import)))
}

/// `GET /api/crm/imports/{id}/errors`: the rows that could not be imported, as CSV.
#[utoipa::path(get, path = "/api/crm/imports/{id}/errors", tag = "imports", security(("bearer" = [])), params(("id" = String, Path, description = "Import id")),
    responses((status = 200, description = "CSV (UTF-8 with BOM): row, field, error, the row's cells", content_type = "text/csv", body = String), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "The CRM is off", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn errors(
    state: web::Data<AppState>,
    user: Feature<Crm>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    csv_response(
        &state,
        pb::ExportCsvRequest {
            business_id: user.business_id.clone(),
            kind: "import_errors".into(),
            import_id: id,
        },
        "import-errors.csv",
    )
    .await
}

/// `GET /api/exports/{kind}`: everything of one kind as CSV, oldest first.
#[utoipa::path(get, path = "/api/exports/{kind}", tag = "imports", security(("bearer" = [])),
    params(("kind" = String, Path, description = "customers | calls | whatsapp | tasks | invoices")),
    responses((status = 200, description = "CSV: UTF-8 with BOM (Excel shows Hebrew), CRLF, quoted where needed; text cells starting with = + - @ are prefixed with '. Streamed in chunks (no Content-Length).", content_type = "text/csv", body = String),
        (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "The feature of this kind (CRM, voice, WhatsApp, invoices) is off", body = ErrorBody), (status = 422, description = "Unknown kind", body = ErrorBody)))]
pub async fn export(
    state: web::Data<AppState>,
    user: AuthUser,
    kind: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let kind = kind.into_inner();
    let flags = state
        .businesses
        .get(&user.business_id)
        .await?
        .features
        .unwrap_or_default();
    let (on, code, label) = match kind.as_str() {
        "customers" | "tasks" => (Crm::enabled(&flags), Crm::DISABLED, Crm::LABEL),
        "calls" => (Voice::enabled(&flags), Voice::DISABLED, Voice::LABEL),
        "whatsapp" => (
            WhatsApp::enabled(&flags),
            WhatsApp::DISABLED,
            WhatsApp::LABEL,
        ),
        "invoices" => (
            Invoices::enabled(&flags),
            Invoices::DISABLED,
            Invoices::LABEL,
        ),
        _ => {
            return Err(ApiError::validation(
                "kind must be customers, calls, whatsapp, tasks or invoices",
            )
            .with_field("kind"));
        }
    };
    if !on {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            code,
            format!("{label} is turned off for this business"),
        ));
    }
    let file_name = format!("{kind}.csv");
    csv_response(
        &state,
        pb::ExportCsvRequest {
            business_id: user.business_id.clone(),
            kind,
            import_id: String::new(),
        },
        &file_name,
    )
    .await
}

/// Streams crm-svc's chunks of `request` as a chunked `text/csv` download. Errors before the
/// first chunk are answered as usual; one after it cuts the transfer short (the client sees an
/// incomplete download, never a truncated file that looks whole).
async fn csv_response(
    state: &AppState,
    request: pb::ExportCsvRequest,
    file_name: &str,
) -> Result<HttpResponse, ApiError> {
    let stream = state
        .clients
        .crm
        .clone()
        .export_csv(request)
        .await?
        .into_inner();
    let body = futures::stream::unfold(stream, |mut s| async move {
        match s.message().await {
            Ok(Some(chunk)) => Some((Ok(web::Bytes::from(chunk.data)), s)),
            Ok(None) => None,
            Err(status) => {
                tracing::warn!(error = %status, "CSV export cut short");
                Some((
                    Err(actix_web::error::ErrorInternalServerError("export failed")),
                    s,
                ))
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}
