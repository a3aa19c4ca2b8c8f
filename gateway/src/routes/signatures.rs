//! E-signatures: staff create a one-time public link for a contract or a proposal; the signer,
//! who has no account, reads the document and signs through the public routes, which take only
//! the link's token (`/api/public/…`, no bearer token, no feature check: the business is known
//! only from the token). Staff list a document's signature requests and fetch a signature's
//! drawn image; those routes are gated like the link routes (`signature_enabled` and the
//! document's own feature).

use crate::{
    auth::{Contracts, Feature, Proposals, Signature},
    error::{ApiError, ErrorBody},
    state::AppState,
    views::{SignatureLink, SignatureRecord, SignedReceipt, SigningDocument},
};
use actix_web::{
    HttpRequest, HttpResponse,
    body::BoxBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};
use agentlocator_proto::v1::{
    CreateSignatureLinkRequest, GetSignatureImageRequest, GetSigningDocumentRequest,
    ListSignaturesRequest, SignRequest,
};
use base64::Engine;
use serde::Deserialize;

/// Largest signature image file (after base64), as crm-svc enforces it.
pub const MAX_PNG_BYTES: usize = 1024 * 1024;

/// JSON body limit of the signing route: a [`MAX_PNG_BYTES`] image in base64 (4 characters per
/// 3 bytes) plus room for a `data:` prefix, the signer's name and the JSON around them. Larger
/// bodies answer 413 like any other route's.
pub const SIGN_JSON_LIMIT: usize = MAX_PNG_BYTES.div_ceil(3) * 4 + 16 * 1024;

/// A `data:` URL prefix the browser's `canvas.toDataURL()` puts before the base64.
const DATA_URL_PREFIX: &str = "data:image/png;base64,";

/// `POST /api/contracts/{id}/signature-link` → 201 with a one-time public link that expires
/// after `SIGNATURE_LINK_TTL_DAYS`; a draft contract becomes `sent`, and the contract's earlier
/// pending links are revoked.
#[utoipa::path(post, path = "/api/contracts/{id}/signature-link", tag = "signatures", security(("bearer" = [])), params(("id" = String, Path, description = "Contract id")),
    responses((status = 201, body = SignatureLink), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`signature_disabled`, `contracts_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody),
        (status = 409, description = "The contract is already signed", body = ErrorBody)))]
pub async fn create_link(
    state: web::Data<AppState>,
    user: Feature<Signature>,
    _contracts: Feature<Contracts>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    new_link(&state, &user, id.into_inner(), String::new()).await
}

/// `POST /api/proposals/{id}/signature-link` → 201 with a one-time public link that expires
/// after `SIGNATURE_LINK_TTL_DAYS`; a draft proposal becomes `sent`, its earlier pending links
/// are revoked, and signing through the link accepts it.
#[utoipa::path(post, path = "/api/proposals/{id}/signature-link", tag = "signatures", security(("bearer" = [])), params(("id" = String, Path, description = "Proposal id")),
    responses((status = 201, body = SignatureLink), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "Forbidden, or the feature is off for this business (`signature_disabled`, `proposals_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody),
        (status = 409, description = "The proposal is accepted, rejected or expired, or past its `valid_until`", body = ErrorBody)))]
pub async fn create_proposal_link(
    state: web::Data<AppState>,
    user: Feature<Signature>,
    _proposals: Feature<Proposals>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    new_link(&state, &user, String::new(), id.into_inner()).await
}

async fn new_link(
    state: &AppState,
    user: &Feature<Signature>,
    contract_id: String,
    proposal_id: String,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let link = state
        .clients
        .crm
        .clone()
        .create_signature_link(CreateSignatureLinkRequest {
            business_id: user.business_id.clone(),
            contract_id,
            proposal_id,
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Created().json(SignatureLink {
        url: format!("{}{}", state.public_base_url, link.url_path),
        expires_at: crate::views::rfc3339(link.expires_at.as_ref()),
        signature_id: link.signature_id,
        contract_id: Some(link.contract_id).filter(|s| !s.is_empty()),
        proposal_id: Some(link.proposal_id).filter(|s| !s.is_empty()),
        token: link.token,
    }))
}

/// `GET /api/contracts/{id}/signatures` → the contract's signature requests, newest first.
#[utoipa::path(get, path = "/api/contracts/{id}/signatures", tag = "signatures", security(("bearer" = [])), params(("id" = String, Path, description = "Contract id")),
    responses((status = 200, body = [SignatureRecord]), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "The feature is off for this business (`signature_disabled`, `contracts_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn contract_signatures(
    state: web::Data<AppState>,
    user: Feature<Signature>,
    _contracts: Feature<Contracts>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    list(&state, &user, id.into_inner(), String::new()).await
}

/// `GET /api/proposals/{id}/signatures` → the proposal's signature requests, newest first.
#[utoipa::path(get, path = "/api/proposals/{id}/signatures", tag = "signatures", security(("bearer" = [])), params(("id" = String, Path, description = "Proposal id")),
    responses((status = 200, body = [SignatureRecord]), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "The feature is off for this business (`signature_disabled`, `proposals_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's)", body = ErrorBody)))]
pub async fn proposal_signatures(
    state: web::Data<AppState>,
    user: Feature<Signature>,
    _proposals: Feature<Proposals>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    list(&state, &user, String::new(), id.into_inner()).await
}

async fn list(
    state: &AppState,
    user: &Feature<Signature>,
    contract_id: String,
    proposal_id: String,
) -> Result<HttpResponse, ApiError> {
    let rows = state
        .clients
        .crm
        .clone()
        .list_signatures(ListSignaturesRequest {
            business_id: user.business_id.clone(),
            contract_id,
            proposal_id,
        })
        .await?
        .into_inner()
        .signatures;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(SignatureRecord::from)
            .collect::<Vec<_>>(),
    ))
}

/// `GET /api/signatures/{id}/image` → the drawn signature (`image/png`); 404 while the request
/// is not signed.
#[utoipa::path(get, path = "/api/signatures/{id}/image", tag = "signatures", security(("bearer" = [])), params(("id" = String, Path, description = "Signature id")),
    responses((status = 200, description = "The signature as drawn", content_type = "image/png", body = Vec<u8>), (status = 401, description = "Not signed in", body = ErrorBody), (status = 403, description = "The feature is off for this business (`signature_disabled`)", body = ErrorBody), (status = 404, description = "Not found (or another business's), or not signed yet", body = ErrorBody)))]
pub async fn image(
    state: web::Data<AppState>,
    user: Feature<Signature>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let image = state
        .clients
        .crm
        .clone()
        .get_signature_image(GetSignatureImageRequest {
            business_id: user.business_id.clone(),
            id: id.into_inner(),
        })
        .await?
        .into_inner();
    if image.image_png.is_empty() {
        return Err(ApiError::not_found(
            "this signature request is not signed yet",
        ));
    }
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        // A signature's image never changes, but it is personal data: the browser may keep it,
        // shared caches may not.
        .insert_header(("cache-control", "private, max-age=3600"))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(image.image_png))
}

/// `GET /api/public/signatures/{token}` (no sign-in): the contract or proposal to show before
/// signing, with the SHA-256 the signer's POST must send back.
#[utoipa::path(get, path = "/api/public/signatures/{token}", tag = "signatures", params(("token" = String, Path, description = "The token of the signing link")),
    responses((status = 200, body = SigningDocument),
        (status = 410, description = "The link is unknown, was already used, was revoked (the document's text changed, or a newer link was made) or has expired, or its document is signed (`gone`)", body = ErrorBody)))]
pub async fn document(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let d = state
        .clients
        .crm
        .clone()
        .get_signing_document(GetSigningDocumentRequest {
            token: token.into_inner(),
        })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok().json(SigningDocument::from(d)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignBody {
    /// At most 200 characters.
    #[serde(default)]
    signer_name: String,
    /// The drawn signature: a PNG of at most 1 MB and 2000 × 1000 pixels, in standard base64 (a
    /// `data:image/png;base64,` prefix is accepted). It is decoded and stored encoded anew.
    #[serde(default)]
    image_png_base64: String,
    /// The `document_sha256` of the signing page's GET: the document as the signer was shown
    /// it. Required; when the document's text is no longer that, 409 `document_changed`.
    #[serde(default)]
    document_sha256: String,
}

/// `POST /api/public/signatures/{token}` (no sign-in): signs the document once (a contract becomes
/// `signed`, a proposal `accepted`), recording the signer's name, IP address, drawn signature
/// (encoded anew), the time and a SHA-256 of the document — only when the SHA-256 the signer
/// sends is the document's now.
#[utoipa::path(post, path = "/api/public/signatures/{token}", tag = "signatures", params(("token" = String, Path, description = "The token of the signing link")), request_body = SignBody,
    responses((status = 200, body = SignedReceipt), (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "The document's text is not the one whose `document_sha256` was sent (`document_changed`): reload the page", body = ErrorBody),
        (status = 410, description = "The link is unknown, was already used, was revoked or has expired, or its document is signed (`gone`)", body = ErrorBody),
        (status = 413, description = "The body is larger than a 1 MB image in base64", body = ErrorBody),
        (status = 422, description = "Invalid field (named in `field`): `signer_name`; `image_png_base64` (not base64, or not a complete PNG of at most 2000 × 1000 pixels); `document_sha256` (missing — clients that do not send it are refused — or not 64 hex digits)", body = ErrorBody)))]
pub async fn sign(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Json<SignBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let encoded = b.image_png_base64.trim();
    let encoded = encoded.strip_prefix(DATA_URL_PREFIX).unwrap_or(encoded);
    let image_png = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| {
            ApiError::validation("image_png_base64: is not valid base64")
                .with_field("image_png_base64")
        })?;
    let signed = state
        .clients
        .crm
        .clone()
        .sign(SignRequest {
            token: token.into_inner(),
            signer_name: b.signer_name,
            signer_ip: state.trusted_proxies.client_of_request(&req)?.to_string(),
            image_png,
            document_sha256: b.document_sha256,
        })
        .await
        .map_err(|status| {
            // crm-svc checks the decoded image as `image_png`; the request calls it
            // `image_png_base64`.
            let e = ApiError::from(status);
            match e.field.as_deref() {
                Some("image_png") => e.with_field("image_png_base64"),
                _ => e,
            }
        })?
        .into_inner();
    Ok(HttpResponse::Ok().json(SignedReceipt::from(signed)))
}

/// Route middleware of the signing route: JSON bodies up to [`SIGN_JSON_LIMIT`] instead of
/// the API's [`super::JSON_LIMIT`] (same error answers, 413 beyond it).
pub async fn raise_body_limit(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut data = actix_web::dev::Extensions::new();
    data.insert(super::json_config(SIGN_JSON_LIMIT));
    data.insert(web::PayloadConfig::new(SIGN_JSON_LIMIT));
    req.add_data_container(std::rc::Rc::new(data));
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signing_limit_fits_a_full_image_in_base64() {
        let encoded = base64::engine::general_purpose::STANDARD.encode(vec![0u8; MAX_PNG_BYTES]);
        assert!(encoded.len() + DATA_URL_PREFIX.len() + 1024 < SIGN_JSON_LIMIT);
        const { assert!(SIGN_JSON_LIMIT < 2 * super::super::JSON_LIMIT) };
    }
}
