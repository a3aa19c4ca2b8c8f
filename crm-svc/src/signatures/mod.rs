//! E-signatures of contracts and proposals through a public, one-time link.
//!
//! [`create_link`] makes a random 32-byte token (64 hex characters) and stores only its SHA-256,
//! so the database alone cannot be used to sign. A link works for `SIGNATURE_LINK_TTL_DAYS`
//! ([`crate::settings::Settings`], 30 days by default); making a new link for a document revokes
//! the document's earlier pending links. [`sign`] spends the token: in one transaction it records
//! the signer's name, IP address, drawn signature and time, and a SHA-256 of the document as
//! signed ([`crate::contracts::document_sha256`] of its title and body), and marks a contract
//! `signed` or a proposal `accepted`.
//!
//! Nothing signed can be swapped:
//! - the signer sends back the `document_sha256` the signing page was given, and a signature is
//!   recorded only when it is the hash of the document's text now ([`Error::DocumentChanged`]
//!   otherwise; a missing hash is [`Error::Validation`] on `document_sha256`);
//! - staff may still edit a document that has a pending link, but an edit that changes its
//!   signed text (a contract's title or body, a proposal's validity) revokes those links
//!   ([`revoke_on_text_change`]): the signer gets 410 and staff send a new link. Revoking rather
//!   than refusing the edit (409) keeps correcting a typo a single step, needs no "withdraw the
//!   link" action, and the signer's hash check closes the window between reading and signing;
//! - the drawn image is decoded within bounds ([`MAX_IMAGE_WIDTH`] × [`MAX_IMAGE_HEIGHT`] pixels,
//!   [`DECODER_MAX_BYTES`] of decoder memory) and stored encoded anew by [`reencode_png`], never
//!   as uploaded: anything else in the file (text chunks, trailing bytes) is dropped.
//!
//! An unknown, used, revoked or expired token — or a document signed, accepted, rejected or
//! expired meanwhile — is [`Error::Gone`] (HTTP 410). Signing is public: these functions take the
//! token, not a business.
//!
//! A proposal is signed as text: its title, and as body its line items, total before VAT and
//! validity, rendered by [`proposal_body`] (so the hash covers exactly what the signer saw). A
//! link can be made for a draft (which becomes `sent`) or a sent proposal that has not passed
//! its `valid_until`.

pub mod convert;
pub mod queries;

pub use queries::Signature;

use crate::{
    businesses::queries as business,
    contracts::queries as contract,
    contracts::{document_sha256, hex},
    db::{Db, DbConn},
    enums::{ContractStatus, ProposalStatus},
    error::{Error, Result},
    ids::{BusinessId, ContractId, ProposalId, SignatureId},
    line_items,
    proposals::queries as proposal,
    signatures::queries::{self as signature, RequestState, SignedBy},
    strings, text, time,
};
use chrono::{Duration, NaiveDateTime};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

pub use crate::signatures::queries::DocumentRef;

/// Largest accepted signature image file.
pub const MAX_PNG_BYTES: usize = 1024 * 1024;
/// Largest accepted signature image, in pixels (the signing page draws on 600 × 220).
pub const MAX_IMAGE_WIDTH: u32 = 2000;
pub const MAX_IMAGE_HEIGHT: u32 = 1000;
/// Most memory the PNG decoder may allocate for its own buffers.
pub const DECODER_MAX_BYTES: usize = 16 * 1024 * 1024;
pub const MAX_SIGNER_NAME_CHARS: usize = 200;
/// Where the web app's public signing page lives; the token follows.
pub const SIGNING_PATH_PREFIX: &str = "/signature/";

/// A new signing link. `token` is shown once (it is stored only as a hash).
#[derive(Clone, PartialEq, Eq)]
pub struct SigningLink {
    pub signature_id: SignatureId,
    pub document: DocumentRef,
    pub token: String,
    /// `/signature/<token>`, relative to the public base URL.
    pub url_path: String,
    /// When the link stops working.
    pub expires_at: NaiveDateTime,
}

impl std::fmt::Debug for SigningLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningLink")
            .field("signature_id", &self.signature_id)
            .field("document", &self.document)
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// What the public signing page shows before signing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SigningDocument {
    pub signature_id: SignatureId,
    pub document: DocumentRef,
    pub business_name: String,
    pub title: String,
    pub body: String,
    /// SHA-256 of the document as it would be signed now: the signer sends it back.
    pub document_sha256: String,
    /// When the link stops working.
    pub expires_at: NaiveDateTime,
}

/// What the signer sends: [`sign`] checks every field.
#[derive(Clone, PartialEq, Eq)]
pub struct Signing {
    /// At most [`MAX_SIGNER_NAME_CHARS`] characters.
    pub signer_name: String,
    /// The signer's address as the gateway saw it.
    pub signer_ip: IpAddr,
    /// The drawn signature as uploaded: a PNG of at most [`MAX_PNG_BYTES`].
    pub image_png: Vec<u8>,
    /// SHA-256 (hex) of the document as the signing page showed it.
    pub document_sha256: String,
}

impl std::fmt::Debug for Signing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signing")
            .field("signer_ip", &self.signer_ip)
            .field("image_png_bytes", &self.image_png.len())
            .field("document_sha256", &self.document_sha256)
            .finish_non_exhaustive()
    }
}

/// SHA-256 (hex) of a link token: what the database keeps.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.trim().as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    // ThreadRng is a CSPRNG seeded from the operating system.
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// A one-time signing link for the contract `contract_id` of `business_id`, working for `ttl`.
/// A draft contract becomes `sent`; a signed one cannot get a link ([`Error::Conflict`]). The
/// contract's earlier pending links are revoked.
pub async fn create_link(
    db: &Db,
    business_id: &BusinessId,
    contract_id: &ContractId,
    ttl: Duration,
) -> Result<SigningLink> {
    create_link_for(
        db,
        business_id,
        DocumentRef::Contract(contract_id.clone()),
        ttl,
    )
    .await
}

/// A one-time signing link for the proposal `proposal_id` of `business_id`, working for `ttl`.
/// A draft proposal becomes `sent`; an accepted, rejected or expired one — or one past its
/// `valid_until` — cannot get a link ([`Error::Conflict`]). The proposal's earlier pending links
/// are revoked. Signing accepts the proposal.
pub async fn create_proposal_link(
    db: &Db,
    business_id: &BusinessId,
    proposal_id: &ProposalId,
    ttl: Duration,
) -> Result<SigningLink> {
    create_link_for(
        db,
        business_id,
        DocumentRef::Proposal(proposal_id.clone()),
        ttl,
    )
    .await
}

/// A one-time signing link for `document` of `business_id`, working for `ttl` (see
/// [`create_link`] and [`create_proposal_link`]).
pub async fn create_link_for(
    db: &Db,
    business_id: &BusinessId,
    document: DocumentRef,
    ttl: Duration,
) -> Result<SigningLink> {
    if ttl <= Duration::zero() {
        return Err(Error::Internal(format!(
            "a signing link's lifetime must be positive, not {ttl}"
        )));
    }
    let token = new_token();
    let hash = token_hash(&token);
    let business_id = business_id.clone();
    let doc = document.clone();
    let now = time::now();
    let expires_at = now + ttl;
    let signature_id = db
        .transaction(move |conn| {
            match &doc {
                DocumentRef::Contract(id) => {
                    let mut c = contract::find(conn, &business_id, id)?
                        .ok_or(Error::NotFound("contract"))?;
                    if c.status == ContractStatus::Signed {
                        return Err(Error::Conflict("the contract is already signed".into()));
                    }
                    if c.status == ContractStatus::Draft {
                        c.status = ContractStatus::Sent;
                        c.updated_at = now;
                        contract::save(conn, &c)?;
                    }
                }
                DocumentRef::Proposal(id) => {
                    let mut p = proposal::find(conn, &business_id, id)?
                        .ok_or(Error::NotFound("proposal"))?;
                    if !matches!(p.status, ProposalStatus::Draft | ProposalStatus::Sent) {
                        return Err(Error::Conflict(format!(
                            "the proposal is {}: only a draft or sent proposal can be signed",
                            p.status
                        )));
                    }
                    if p.valid_until.is_some_and(|until| until <= now) {
                        return Err(Error::Conflict(
                            "the proposal is past its valid_until".into(),
                        ));
                    }
                    if p.status == ProposalStatus::Draft {
                        p.status = ProposalStatus::Sent;
                        p.updated_at = now;
                        proposal::save(conn, &p)?;
                    }
                }
            }
            signature::revoke_pending(conn, &business_id, &doc, now)?;
            let row = Signature {
                id: SignatureId::generate(),
                business_id,
                contract_id: doc.contract_id().cloned(),
                proposal_id: doc.proposal_id().cloned(),
                token_hash: hash,
                signer_name: None,
                signer_ip: None,
                image_png: None,
                document_sha256: None,
                signed_at: None,
                used_at: None,
                created_at: now,
                expires_at,
                revoked_at: None,
            };
            signature::insert(conn, &row)?;
            Ok(row.id)
        })
        .await?;
    Ok(SigningLink {
        signature_id,
        document,
        url_path: format!("{SIGNING_PATH_PREFIX}{token}"),
        token,
        expires_at,
    })
}

/// Revokes the pending links of `document` of `business_id` when an edit changed the text they
/// would sign: `before` and `after` are [`document_sha256`] of the text before and after the
/// edit. Called by the edits of contracts and proposals inside their transaction.
pub fn revoke_on_text_change(
    conn: &mut DbConn,
    business_id: &BusinessId,
    document: &DocumentRef,
    before: &str,
    after: &str,
) -> Result<()> {
    if before != after {
        revoke(conn, business_id, document)?;
    }
    Ok(())
}

/// Revokes the pending links of `document` of `business_id` (it was withdrawn, or its text
/// changed).
pub fn revoke(conn: &mut DbConn, business_id: &BusinessId, document: &DocumentRef) -> Result<()> {
    let revoked = signature::revoke_pending(conn, business_id, document, time::now())?;
    if revoked > 0 {
        tracing::info!(
            document = document.kind(),
            revoked,
            "pending signing links revoked"
        );
    }
    Ok(())
}

/// What is signed: the document's reference, title and body as the signer sees them.
struct OpenDocument {
    document: DocumentRef,
    business_id: BusinessId,
    title: String,
    body: String,
}

/// The open signature request of `token` and its document, or [`Error::Gone`].
fn open_request(conn: &mut DbConn, token: &str) -> Result<(Signature, OpenDocument)> {
    let gone = || Error::Gone("this signing link is invalid or was already used".into());
    let request = signature::find_by_token_hash(conn, &token_hash(token))?.ok_or_else(gone)?;
    match request.state(time::now()) {
        RequestState::Pending => {}
        RequestState::Signed => return Err(gone()),
        RequestState::Revoked => {
            return Err(Error::Gone(
                "this signing link was withdrawn: the document changed or a newer link was sent"
                    .into(),
            ));
        }
        RequestState::Expired => return Err(Error::Gone("this signing link has expired".into())),
    }
    let business_id = request.business_id.clone();
    let open = match (&request.contract_id, &request.proposal_id) {
        (Some(id), _) => {
            let c = contract::find(conn, &business_id, id)?.ok_or_else(gone)?;
            if c.status == ContractStatus::Signed {
                return Err(Error::Gone("the contract was already signed".into()));
            }
            OpenDocument {
                document: DocumentRef::Contract(c.id),
                business_id,
                title: c.title,
                body: c.body,
            }
        }
        (None, Some(id)) => {
            let p = proposal::find(conn, &business_id, id)?.ok_or_else(gone)?;
            if p.status != ProposalStatus::Sent {
                return Err(Error::Gone(format!(
                    "the proposal is {} and can no longer be signed",
                    p.status
                )));
            }
            if p.valid_until.is_some_and(|until| until <= time::now()) {
                return Err(Error::Gone("the proposal has expired".into()));
            }
            let body = proposal_body(&p)?;
            OpenDocument {
                document: DocumentRef::Proposal(p.id),
                business_id,
                title: p.title,
                body,
            }
        }
        (None, None) => return Err(gone()),
    };
    Ok((request, open))
}

/// The text a proposal is signed as: one line per item (description, quantity × unit price =
/// line total, in shekels), then the total before VAT and, when set, the validity (UTC).
pub fn proposal_body(p: &proposal::Proposal) -> Result<String> {
    let items = line_items::from_json(&p.items)?;
    let mut lines: Vec<String> = items
        .iter()
        .map(|i| {
            format!(
                "{} — {} × {} = {}",
                i.description,
                i.quantity,
                shekels(i.unit_price_agorot),
                shekels(i.quantity.saturating_mul(i.unit_price_agorot))
            )
        })
        .collect();
    lines.push(format!(
        "{}: {}",
        strings::PROPOSAL_TOTAL_BEFORE_VAT,
        shekels(p.total_agorot)
    ));
    if let Some(until) = p.valid_until {
        lines.push(format!(
            "{}: {}",
            strings::PROPOSAL_VALID_UNTIL,
            until.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    Ok(lines.join("\n"))
}

/// SHA-256 of a proposal as it would be signed: its title and [`proposal_body`].
pub fn proposal_sha256(p: &proposal::Proposal) -> Result<String> {
    Ok(document_sha256(&p.title, &proposal_body(p)?))
}

/// `123456` agorot as `₪1,234.56`.
fn shekels(agorot: i64) -> String {
    let sign = if agorot < 0 { "-" } else { "" };
    let a = agorot.unsigned_abs();
    let whole = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}₪{grouped}.{:02}", a % 100)
}

/// The document behind `token`, for the public signing page; [`Error::Gone`] when the link is
/// unknown or used.
pub async fn signing_document(db: &Db, token: &str) -> Result<SigningDocument> {
    let token = token.to_owned();
    db.run(move |conn| {
        let (request, d) = open_request(conn, &token)?;
        let b = business::find(conn, &d.business_id)?.ok_or(Error::NotFound("business"))?;
        Ok(SigningDocument {
            signature_id: request.id,
            document: d.document,
            business_name: b.name,
            document_sha256: document_sha256(&d.title, &d.body),
            title: d.title,
            body: d.body,
            expires_at: request.expires_at,
        })
    })
    .await
}

/// Signs the document behind `token` with `signing`, in one transaction; see the module docs.
/// Returns the completed signature.
///
/// Checked first, without spending the link: the name ([`Error::Validation`] on `signer_name`),
/// the hash's form (on `document_sha256`) and the image ([`reencode_png`], on `image_png`); then
/// that the link is open ([`Error::Gone`]) and that the hash is of the document's text now
/// ([`Error::DocumentChanged`]).
pub async fn sign(db: &Db, token: &str, signing: Signing) -> Result<Signature> {
    let signer_name =
        text::required_text("signer_name", &signing.signer_name, MAX_SIGNER_NAME_CHARS)?;
    let shown_sha256 = check_sha256(&signing.document_sha256)?;
    let upload = signing.image_png;
    let png = tokio::task::spawn_blocking(move || reencode_png(&upload))
        .await
        .map_err(|e| Error::Internal(format!("image task: {e}")))??;
    let token = token.to_owned();
    db.transaction(move |conn| {
        let (mut request, d) = open_request(conn, &token)?;
        let current_sha256 = document_sha256(&d.title, &d.body);
        if shown_sha256 != current_sha256 {
            return Err(Error::DocumentChanged(format!(
                "the {} changed after this page was opened: reload it and read it again",
                d.document.kind()
            )));
        }
        let now = time::now();
        let by = SignedBy {
            signer_name,
            signer_ip: signing.signer_ip.to_string(),
            image_png: png,
            document_sha256: current_sha256,
            at: now,
        };
        // Both updates are conditional: a concurrent signer (or an edit revoking the link) that
        // got here first leaves 0 rows, and the transaction is rolled back. The document goes
        // first, in the order an edit takes the rows (document, then its links).
        let marked = match &d.document {
            DocumentRef::Contract(id) => contract::mark_signed(conn, &d.business_id, id, now)? == 1,
            DocumentRef::Proposal(id) => {
                proposal::mark_accepted(conn, &d.business_id, id, now)? == 1
            }
        } && signature::mark_signed(conn, &request.id, &by)? == 1;
        if !marked {
            return Err(Error::Gone(format!(
                "the {} was already signed, or this link was withdrawn",
                d.document.kind()
            )));
        }
        request.signer_name = Some(by.signer_name);
        request.signer_ip = Some(by.signer_ip);
        request.image_png = Some(by.image_png);
        request.document_sha256 = Some(by.document_sha256);
        request.signed_at = Some(now);
        request.used_at = Some(now);
        Ok(request)
    })
    .await
}

/// A SHA-256 in hex as the signer sent it, lower-cased; [`Error::Validation`] on
/// `document_sha256` when missing or malformed.
fn check_sha256(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::validation(
            "document_sha256",
            "is required: the SHA-256 of the document as the signing page showed it",
        ));
    }
    if text.len() != 64 || !text.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::validation(
            "document_sha256",
            "is not a SHA-256 (64 hex digits)",
        ));
    }
    Ok(text.to_ascii_lowercase())
}

/// The drawn signature `upload`, decoded within bounds and encoded anew as a PNG (8 bits per
/// sample, the decoded colour type; nothing but the pixels is kept). [`Error::Validation`] on
/// `image_png` when it is larger than [`MAX_PNG_BYTES`], is not a complete PNG that decodes, or
/// is larger than [`MAX_IMAGE_WIDTH`] × [`MAX_IMAGE_HEIGHT`] pixels — checked from its header,
/// before any pixel is decoded. Blocking (CPU): run it off the async threads.
pub fn reencode_png(upload: &[u8]) -> Result<Vec<u8>> {
    if upload.len() > MAX_PNG_BYTES {
        return Err(Error::validation(
            "image_png",
            format!("is larger than {MAX_PNG_BYTES} bytes"),
        ));
    }
    let unreadable =
        |_: png::DecodingError| Error::validation("image_png", "is not a complete PNG image");
    let mut decoder = png::Decoder::new_with_limits(
        std::io::Cursor::new(upload),
        png::Limits {
            bytes: DECODER_MAX_BYTES,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    decoder.set_ignore_text_chunk(true);
    decoder.set_ignore_iccp_chunk(true);
    let mut reader = decoder.read_info().map_err(unreadable)?;
    let (width, height) = reader.info().size();
    if width > MAX_IMAGE_WIDTH || height > MAX_IMAGE_HEIGHT {
        return Err(Error::validation(
            "image_png",
            format!("is {width} × {height} pixels; at most {MAX_IMAGE_WIDTH} × {MAX_IMAGE_HEIGHT}"),
        ));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| Error::validation("image_png", "is not a complete PNG image"))?;
    let mut pixels = vec![0; size];
    let frame = reader.next_frame(&mut pixels).map_err(unreadable)?;
    reader.finish().map_err(unreadable)?;
    pixels.truncate(frame.buffer_size());

    let encoding = |e: png::EncodingError| Error::Internal(format!("PNG encoding: {e}"));
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, frame.width, frame.height);
    encoder.set_color(frame.color_type);
    encoder.set_depth(frame.bit_depth);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header().map_err(encoding)?;
    writer.write_image_data(&pixels).map_err(encoding)?;
    writer.finish().map_err(encoding)?;
    Ok(out)
}

/// The signature requests of the contract `contract_id` of `business_id`, newest first,
/// without their images.
pub async fn list_for_contract(
    db: &Db,
    business_id: &BusinessId,
    contract_id: &ContractId,
) -> Result<Vec<Signature>> {
    let (business_id, contract_id) = (business_id.clone(), contract_id.clone());
    db.run(move |conn| {
        if contract::find(conn, &business_id, &contract_id)?.is_none() {
            return Err(Error::NotFound("contract"));
        }
        signature::list_by_contract(conn, &business_id, &contract_id)
    })
    .await
}

/// The signature requests of the proposal `proposal_id` of `business_id`, newest first,
/// without their images.
pub async fn list_for_proposal(
    db: &Db,
    business_id: &BusinessId,
    proposal_id: &ProposalId,
) -> Result<Vec<Signature>> {
    let (business_id, proposal_id) = (business_id.clone(), proposal_id.clone());
    db.run(move |conn| {
        if proposal::find(conn, &business_id, &proposal_id)?.is_none() {
            return Err(Error::NotFound("proposal"));
        }
        signature::list_by_proposal(conn, &business_id, &proposal_id)
    })
    .await
}

/// The signature `id` of `business_id`, with its image.
pub async fn get(db: &Db, business_id: &BusinessId, id: &SignatureId) -> Result<Signature> {
    let (business_id, id) = (business_id.clone(), id.clone());
    db.run(move |conn| signature::find(conn, &business_id, &id))
        .await?
        .ok_or(Error::NotFound("signature"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_characters_and_hashes_differ_from_them() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&format!(" {a}\n")));
    }

    /// `pixels` (RGBA, 8 bits) as a PNG, with a text chunk when `text` is given.
    fn encode(width: u32, height: u32, pixels: &[u8], text: Option<&str>) -> Vec<u8> {
        let rgba = (
            png::ColorType::Rgba,
            png::BitDepth::Eight,
            png::Compression::Fast,
        );
        crate::test_support::encode_png((width, height), rgba, pixels, text)
    }

    #[track_caller]
    fn refused(upload: &[u8]) -> String {
        match reencode_png(upload) {
            Err(Error::Validation {
                field: "image_png",
                message,
            }) => message,
            other => panic!("expected a validation error on image_png, got {other:?}"),
        }
    }

    #[test]
    fn images_are_decoded_and_encoded_anew() {
        let pixels: Vec<u8> = (0..4 * 3 * 2).map(|i| (i * 10) as u8).collect();
        let upload = encode(3, 2, &pixels, Some("<script>alert(1)</script>"));
        let stored = reencode_png(&upload).unwrap();
        assert_ne!(stored, upload);
        assert!(!String::from_utf8_lossy(&stored).contains("script"));
        let mut decoder = png::Decoder::new(std::io::Cursor::new(&stored));
        decoder.set_transformations(png::Transformations::IDENTITY);
        let mut reader = decoder.read_info().unwrap();
        let mut decoded = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut decoded).unwrap();
        assert_eq!((frame.width, frame.height), (3, 2));
        assert_eq!(&decoded[..frame.buffer_size()], pixels.as_slice());
    }

    #[test]
    fn only_whole_bounded_pngs_pass() {
        let good = encode(4, 4, &[0; 64], None);
        assert!(refused(&good[..good.len() - 20]).contains("complete"));
        assert!(refused(&good[..8]).contains("complete"));
        let mut svg = good[..8].to_vec();
        svg.extend_from_slice(br#"<svg xmlns="http://www.w3.org/2000/svg"/>"#);
        assert!(refused(&svg).contains("complete"));
        assert!(refused(b"GIF89a...").contains("complete"));
        assert!(refused(&[]).contains("complete"));
        let mut big = good.clone();
        big.resize(MAX_PNG_BYTES + 1, 0);
        assert!(refused(&big).contains("larger than"));
        // Dimensions are refused from the header: one pixel too wide, then too tall.
        let wide = encode(
            MAX_IMAGE_WIDTH + 1,
            1,
            &vec![0; 4 * (MAX_IMAGE_WIDTH as usize + 1)],
            None,
        );
        assert!(refused(&wide).contains("pixels"), "{}", refused(&wide));
        let tall = encode(
            1,
            MAX_IMAGE_HEIGHT + 1,
            &vec![0; 4 * (MAX_IMAGE_HEIGHT as usize + 1)],
            None,
        );
        assert!(refused(&tall).contains("pixels"));
        let largest = encode(
            MAX_IMAGE_WIDTH,
            MAX_IMAGE_HEIGHT,
            &vec![0; 4 * MAX_IMAGE_WIDTH as usize * MAX_IMAGE_HEIGHT as usize],
            None,
        );
        assert!(reencode_png(&largest).is_ok());
    }

    #[test]
    fn hashes_are_required_and_read_case_insensitively() {
        let sha = "AB".repeat(32);
        assert_eq!(check_sha256(&format!(" {sha} ")).unwrap(), "ab".repeat(32));
        for bad in ["", "  ", "abc", &"g".repeat(64), &"a".repeat(65)] {
            assert!(
                matches!(
                    check_sha256(bad),
                    Err(Error::Validation {
                        field: "document_sha256",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn links_do_not_print_their_token() {
        let link = SigningLink {
            signature_id: "s".into(),
            document: DocumentRef::Contract("c".into()),
            token: "secret-token".into(),
            url_path: "/signature/secret-token".into(),
            expires_at: time::now(),
        };
        assert!(!format!("{link:?}").contains("secret"));
    }

    #[test]
    fn amounts_read_as_shekels() {
        for (agorot, text) in [
            (0, "₪0.00"),
            (5, "₪0.05"),
            (123_456, "₪1,234.56"),
            (100_000_000, "₪1,000,000.00"),
            (-250, "-₪2.50"),
        ] {
            assert_eq!(shekels(agorot), text);
        }
    }
}
