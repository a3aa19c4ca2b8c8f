use crate::{
    auth::{Feature, Invoices},
    error::{ApiError, ErrorBody},
    routes::params::{self, Query},
    state::AppState,
    views::{Invoice, LineItem, NumberingSequence, Page},
};
use actix_web::{HttpResponse, web};
use agentlocator_proto::v1::{
    CreateInvoiceRequest, DeleteInvoiceRequest, GetInvoiceRequest, GetNumberingRequest,
    ListInvoicesRequest, SetFirstNumberRequest, UpdateInvoiceRequest,
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
    /// tax_invoice (default) | tax_invoice_receipt | receipt | credit_note
    doc_type: Option<String>,
    /// Required on receipts and invoice-receipts, refused elsewhere: cash | cheque |
    /// bank_transfer | credit_card | bit | paybox.
    payment_method: Option<String>,
    /// Required on a credit note: an issued tax invoice (or invoice-receipt) of the same
    /// customer; the credit notes of one invoice never exceed its total (422).
    credited_invoice_id: Option<String>,
    /// The customer's ע.מ / ח.פ / ת.ז; a wrong check digit is a 422 naming `customer_tax_id`.
    customer_tax_id: Option<String>,
}

/// `POST /api/invoices` → 201 with a draft document (numbered in its type's sequence when it
/// is sent).
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
            doc_type: i.doc_type.unwrap_or_default(),
            payment_method: i.payment_method.unwrap_or_default(),
            credited_invoice_id: i.credited_invoice_id.unwrap_or_default(),
            customer_tax_id: i.customer_tax_id.unwrap_or_default(),
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
/// `draft → sent | cancelled`, `sent → paid | cancelled` (anything else is 409). Cancelling an
/// issued tax invoice issues a credit note for all of it (an issued document never changes);
/// one credited in part already, or an issued credit note, is 409.
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

/// Where each document type's sequence stands.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NumberingList {
    pub items: Vec<NumberingSequence>,
}

/// `GET /api/invoices/numbering`: the next number of each document type.
#[utoipa::path(get, path = "/api/invoices/numbering", tag = "invoices", security(("bearer" = [])),
    responses((status = 200, body = NumberingList), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`<feature>_disabled`)", body = ErrorBody)))]
pub async fn numbering(
    state: web::Data<AppState>,
    user: Feature<Invoices>,
) -> Result<HttpResponse, ApiError> {
    let n = state
        .clients
        .crm
        .clone()
        .get_numbering(GetNumberingRequest {
            business_id: user.business_id.clone(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(NumberingList {
        items: n.sequences.into_iter().map(Into::into).collect(),
    }))
}

/// The first number of a document type's sequence.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirstNumber {
    /// 1 to 999,999,999.
    first_number: i64,
}

/// `PUT /api/invoices/numbering/{doc_type}` (owner or admin): where a type's sequence starts —
/// a business moving from another system continues its own numbers. Only before the type's
/// first document (409 after).
#[utoipa::path(put, path = "/api/invoices/numbering/{doc_type}", tag = "invoices", security(("bearer" = [])),
    params(("doc_type" = String, Path, description = "tax_invoice | tax_invoice_receipt | receipt | credit_note")), request_body = FirstNumber,
    responses((status = 200, body = NumberingSequence), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Only an owner or admin, or the feature is off", body = ErrorBody),
        (status = 409, description = "A document of this type was already issued", body = ErrorBody), (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody)))]
pub async fn set_first_number(
    state: web::Data<AppState>,
    user: Feature<Invoices>,
    doc_type: web::Path<String>,
    body: web::Json<FirstNumber>,
) -> Result<HttpResponse, ApiError> {
    user.require_admin()?;
    let n = state
        .clients
        .crm
        .clone()
        .set_first_number(SetFirstNumberRequest {
            business_id: user.business_id.clone(),
            doc_type: doc_type.into_inner(),
            first_number: body.into_inner().first_number,
        })
        .await?
        .into_inner();
    let sequence = n
        .sequences
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("crm-svc answered no sequence"))?;
    Ok(HttpResponse::Ok().json(NumberingSequence::from(sequence)))
}
