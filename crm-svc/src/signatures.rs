//! E-signatures of contracts and proposals through a public, one-time link.
//!
//! [`create_link`] makes a random 32-byte token (64 hex characters) and stores only its SHA-256,
//! so the database alone cannot be used to sign. [`sign`] spends the token: in one transaction
//! it records the signer's name, IP address, drawn signature (PNG) and time, and a SHA-256 of the
//! document as signed ([`crate::contracts::document_sha256`] of its title and body), and marks a
//! contract `signed` or a proposal `accepted`.
//! An unknown or used token — or a document signed, accepted, rejected or expired meanwhile — is
//! [`Error::Gone`] (HTTP 410). Signing is public: these functions take the token, not a business.
//!
//! A proposal is signed as text: its title, and as body its line items, total before VAT and
//! validity, rendered by [`proposal_body`] (so the hash covers exactly what the signer saw). A
//! link can be made for a draft (which becomes `sent`) or a sent proposal that has not passed
//! its `valid_until`.

use crate::{
    contracts::{document_sha256, hex},
    db::{Db, DbConn},
    enums::{ContractStatus, ProposalStatus},
    error::{Error, Result},
    ids::{BusinessId, ContractId, ProposalId, SignatureId},
    line_items,
    models::{
        business, contract, proposal,
        signature::{self, Signature, SignedBy},
    },
    pagination, strings, time,
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// Largest accepted signature image.
pub const MAX_PNG_BYTES: usize = 1024 * 1024;
pub const MAX_SIGNER_NAME_CHARS: usize = 200;
/// The eight bytes every PNG file starts with.
pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
/// Where the web app's public signing page lives; the token follows.
pub const SIGNING_PATH_PREFIX: &str = "/signature/";

/// The document a signature request is for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum DocumentRef {
    Contract(ContractId),
    Proposal(ProposalId),
}

impl DocumentRef {
    /// `contract` or `proposal`.
    pub fn kind(&self) -> &'static str {
        match self {
            DocumentRef::Contract(_) => "contract",
            DocumentRef::Proposal(_) => "proposal",
        }
    }
    pub fn contract_id(&self) -> Option<&ContractId> {
        match self {
            DocumentRef::Contract(id) => Some(id),
            DocumentRef::Proposal(_) => None,
        }
    }
    pub fn proposal_id(&self) -> Option<&ProposalId> {
        match self {
            DocumentRef::Proposal(id) => Some(id),
            DocumentRef::Contract(_) => None,
        }
    }
}

/// A new signing link. `token` is shown once (it is stored only as a hash).
#[derive(Clone, PartialEq, Eq)]
pub struct SigningLink {
    pub signature_id: SignatureId,
    pub document: DocumentRef,
    pub token: String,
    /// `/signature/<token>`, relative to the public base URL.
    pub url_path: String,
}

impl std::fmt::Debug for SigningLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningLink")
            .field("signature_id", &self.signature_id)
            .field("document", &self.document)
            .field("token", &"<redacted>")
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
    /// SHA-256 of the document as it would be signed now.
    pub document_sha256: String,
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

/// A one-time signing link for the contract `contract_id` of `business_id`. A draft contract
/// becomes `sent`; a signed one cannot get a link ([`Error::Conflict`]). Earlier unused links
/// stay valid until the contract is signed through one of them.
pub async fn create_link(
    db: &Db,
    business_id: &BusinessId,
    contract_id: &ContractId,
) -> Result<SigningLink> {
    create_link_for(db, business_id, DocumentRef::Contract(contract_id.clone())).await
}

/// A one-time signing link for the proposal `proposal_id` of `business_id`. A draft proposal
/// becomes `sent`; an accepted, rejected or expired one — or one past its `valid_until` — cannot
/// get a link ([`Error::Conflict`]). Signing accepts the proposal.
pub async fn create_proposal_link(
    db: &Db,
    business_id: &BusinessId,
    proposal_id: &ProposalId,
) -> Result<SigningLink> {
    create_link_for(db, business_id, DocumentRef::Proposal(proposal_id.clone())).await
}

/// A one-time signing link for `document` of `business_id` (see [`create_link`] and
/// [`create_proposal_link`]).
pub async fn create_link_for(
    db: &Db,
    business_id: &BusinessId,
    document: DocumentRef,
) -> Result<SigningLink> {
    let token = new_token();
    let hash = token_hash(&token);
    let business_id = business_id.clone();
    let doc = document.clone();
    let signature_id = db
        .transaction(move |conn| {
            let now = time::now();
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
    })
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
    if request.used_at.is_some() {
        return Err(gone());
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
        })
    })
    .await
}

/// Signs the document behind `token` as `signer_name` from `ip` with the drawn signature
/// `png` (a PNG of at most 1 MB), in one transaction; see the module docs. Returns the
/// completed signature.
pub async fn sign(
    db: &Db,
    token: &str,
    signer_name: &str,
    ip: IpAddr,
    png: Vec<u8>,
) -> Result<Signature> {
    let signer_name = pagination::required_text("signer_name", signer_name, MAX_SIGNER_NAME_CHARS)?;
    check_png(&png)?;
    let token = token.to_owned();
    db.transaction(move |conn| {
        let (mut request, d) = open_request(conn, &token)?;
        let now = time::now();
        let by = SignedBy {
            signer_name,
            signer_ip: ip.to_string(),
            image_png: png,
            document_sha256: document_sha256(&d.title, &d.body),
            at: now,
        };
        // Both updates are conditional: a concurrent signer that got here first leaves 0 rows
        // (and the transaction is rolled back).
        let marked = signature::mark_signed(conn, &request.id, &by)? == 1
            && match &d.document {
                DocumentRef::Contract(id) => {
                    contract::mark_signed(conn, &d.business_id, id, now)? == 1
                }
                DocumentRef::Proposal(id) => {
                    proposal::mark_accepted(conn, &d.business_id, id, now)? == 1
                }
            };
        if !marked {
            return Err(Error::Gone(format!(
                "the {} was already signed",
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

fn check_png(png: &[u8]) -> Result<()> {
    if png.len() > MAX_PNG_BYTES {
        return Err(Error::validation(
            "image_png",
            format!("is larger than {MAX_PNG_BYTES} bytes"),
        ));
    }
    if !png.starts_with(&PNG_SIGNATURE) || png.len() <= PNG_SIGNATURE.len() {
        return Err(Error::validation("image_png", "is not a PNG image"));
    }
    Ok(())
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

    #[test]
    fn only_small_pngs_pass() {
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend_from_slice(b"IHDR...");
        assert!(check_png(&png).is_ok());
        assert!(
            check_png(&PNG_SIGNATURE).is_err(),
            "a bare signature is no image"
        );
        assert!(check_png(b"GIF89a...").is_err());
        assert!(check_png(&[]).is_err());
        let mut big = PNG_SIGNATURE.to_vec();
        big.resize(MAX_PNG_BYTES, 0);
        assert!(check_png(&big).is_ok());
        big.push(0);
        assert!(matches!(
            check_png(&big),
            Err(Error::Validation {
                field: "image_png",
                ..
            })
        ));
    }

    #[test]
    fn links_do_not_print_their_token() {
        let link = SigningLink {
            signature_id: "s".into(),
            document: DocumentRef::Contract("c".into()),
            token: "secret-token".into(),
            url_path: "/signature/secret-token".into(),
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
