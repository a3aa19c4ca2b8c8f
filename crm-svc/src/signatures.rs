//! E-signatures of contracts through a public, one-time link.
//!
//! [`create_link`] makes a random 32-byte token (64 hex characters) and stores only its SHA-256,
//! so the database alone cannot be used to sign. [`sign`] spends the token: in one transaction
//! it records the signer's name, IP address, drawn signature (PNG) and time, and a SHA-256 of the
//! contract as signed ([`crate::contracts::document_sha256`]), and marks the contract `signed`.
//! An unknown or used token — or a contract signed meanwhile — is [`Error::Gone`] (HTTP 410).
//! Signing is public: these functions take the token, not a business.

use crate::{
    contracts::{document_sha256, hex},
    db::{Db, DbConn},
    enums::ContractStatus,
    error::{Error, Result},
    ids::{BusinessId, ContractId, SignatureId},
    models::{
        business, contract,
        signature::{self, Signature, SignedBy},
    },
    pagination, time,
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

/// A new signing link. `token` is shown once (it is stored only as a hash).
#[derive(Clone, PartialEq, Eq)]
pub struct SigningLink {
    pub signature_id: SignatureId,
    pub contract_id: ContractId,
    pub token: String,
    /// `/signature/<token>`, relative to the public base URL.
    pub url_path: String,
}

impl std::fmt::Debug for SigningLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningLink")
            .field("signature_id", &self.signature_id)
            .field("contract_id", &self.contract_id)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// What the public signing page shows before signing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SigningDocument {
    pub signature_id: SignatureId,
    pub contract_id: ContractId,
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
    let token = new_token();
    let hash = token_hash(&token);
    let (business_id, id) = (business_id.clone(), contract_id.clone());
    let signature_id = db
        .transaction(move |conn| {
            let mut c =
                contract::find(conn, &business_id, &id)?.ok_or(Error::NotFound("contract"))?;
            if c.status == ContractStatus::Signed {
                return Err(Error::Conflict("the contract is already signed".into()));
            }
            let now = time::now();
            if c.status == ContractStatus::Draft {
                c.status = ContractStatus::Sent;
                c.updated_at = now;
                contract::save(conn, &c)?;
            }
            let row = Signature {
                id: SignatureId::generate(),
                business_id,
                contract_id: Some(c.id),
                proposal_id: None,
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
        contract_id: contract_id.clone(),
        url_path: format!("{SIGNING_PATH_PREFIX}{token}"),
        token,
    })
}

/// The open signature request of `token` and its contract, or [`Error::Gone`].
fn open_request(conn: &mut DbConn, token: &str) -> Result<(Signature, contract::Contract)> {
    let gone = || Error::Gone("this signing link is invalid or was already used".into());
    let request = signature::find_by_token_hash(conn, &token_hash(token))?.ok_or_else(gone)?;
    if request.used_at.is_some() {
        return Err(gone());
    }
    let contract_id = request
        .contract_id
        .clone()
        .ok_or_else(|| Error::Gone("this link is not for a contract".into()))?;
    let c = contract::find(conn, &request.business_id, &contract_id)?.ok_or_else(gone)?;
    if c.status == ContractStatus::Signed {
        return Err(Error::Gone("the contract was already signed".into()));
    }
    Ok((request, c))
}

/// The document behind `token`, for the public signing page; [`Error::Gone`] when the link is
/// unknown or used.
pub async fn signing_document(db: &Db, token: &str) -> Result<SigningDocument> {
    let token = token.to_owned();
    db.run(move |conn| {
        let (request, c) = open_request(conn, &token)?;
        let b = business::find(conn, &request.business_id)?.ok_or(Error::NotFound("business"))?;
        Ok(SigningDocument {
            signature_id: request.id,
            contract_id: c.id,
            business_name: b.name,
            document_sha256: document_sha256(&c.title, &c.body),
            title: c.title,
            body: c.body,
        })
    })
    .await
}

/// Signs the contract behind `token` as `signer_name` from `ip` with the drawn signature
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
        let (mut request, c) = open_request(conn, &token)?;
        let now = time::now();
        let by = SignedBy {
            signer_name,
            signer_ip: ip.to_string(),
            image_png: png,
            document_sha256: document_sha256(&c.title, &c.body),
            at: now,
        };
        // Both updates are conditional: a concurrent signer that got here first leaves 0 rows.
        if signature::mark_signed(conn, &request.id, &by)? == 0
            || contract::mark_signed(conn, &c.business_id, &c.id, now)? == 0
        {
            return Err(Error::Gone("the contract was already signed".into()));
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
            contract_id: "c".into(),
            token: "secret-token".into(),
            url_path: "/signature/secret-token".into(),
        };
        assert!(!format!("{link:?}").contains("secret"));
    }
}
