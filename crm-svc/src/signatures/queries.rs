use crate::{
    db::DbConn,
    error::Result,
    ids::{BusinessId, ContractId, ProposalId, SignatureId},
    schema::signatures,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// The document a signature request is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// An e-signature request for one contract or one proposal, reached through a public link whose
/// token is stored only as a hash; filled in when signed. A link works until `expires_at`,
/// unless it is used or revoked first (by an edit of the document's text, or a newer link).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = signatures)]
pub struct Signature {
    pub id: SignatureId,
    pub business_id: BusinessId,
    pub contract_id: Option<ContractId>,
    pub proposal_id: Option<ProposalId>,
    /// SHA-256 of the link token; never serialised.
    #[serde(skip)]
    pub token_hash: String,
    pub signer_name: Option<String>,
    pub signer_ip: Option<String>,
    /// The drawn signature; served by its own endpoint, not inside the JSON form.
    #[serde(skip)]
    pub image_png: Option<Vec<u8>>,
    /// SHA-256 (hex) of the document as signed.
    pub document_sha256: Option<String>,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub signed_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub used_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    /// When the link stops working (`created_at` + `SIGNATURE_LINK_TTL_DAYS`).
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub expires_at: NaiveDateTime,
    /// When the link was withdrawn unused: the document's text changed, or a newer link was made.
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub revoked_at: Option<NaiveDateTime>,
}

/// Where a signature request stands, from its row and the time `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    Signed,
    Revoked,
    Expired,
    Pending,
}

impl RequestState {
    /// `signed`, `revoked`, `expired` or `pending`.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Signed => "signed",
            RequestState::Revoked => "revoked",
            RequestState::Expired => "expired",
            RequestState::Pending => "pending",
        }
    }
}

impl Signature {
    /// Signed (used), else revoked, else expired at `now`, else pending.
    pub fn state(&self, now: NaiveDateTime) -> RequestState {
        if self.used_at.is_some() {
            RequestState::Signed
        } else if self.revoked_at.is_some() {
            RequestState::Revoked
        } else if self.expires_at <= now {
            RequestState::Expired
        } else {
            RequestState::Pending
        }
    }
}

/// What signing fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedBy {
    pub signer_name: String,
    pub signer_ip: String,
    pub image_png: Vec<u8>,
    pub document_sha256: String,
    pub at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, signature: &Signature) -> Result<()> {
    diesel::insert_into(signatures::table)
        .values(signature)
        .execute(conn)?;
    Ok(())
}

/// The signature request whose link token hashes to `token_hash`.
pub fn find_by_token_hash(conn: &mut DbConn, token_hash: &str) -> Result<Option<Signature>> {
    Ok(signatures::table
        .filter(signatures::token_hash.eq(token_hash))
        .select(Signature::as_select())
        .first(conn)
        .optional()?)
}

/// The signature `id` of `business_id`.
pub fn find(
    conn: &mut DbConn,
    business_id: &BusinessId,
    id: &SignatureId,
) -> Result<Option<Signature>> {
    Ok(signatures::table
        .filter(signatures::id.eq(id))
        .filter(signatures::business_id.eq(business_id))
        .select(Signature::as_select())
        .first(conn)
        .optional()?)
}

/// Fills in the signature `id` and marks its link used, unless it was used, revoked or expired
/// already; returns the rows changed (0: used or revoked meanwhile — by a concurrent signer or an
/// edit, say).
pub fn mark_signed(conn: &mut DbConn, id: &SignatureId, by: &SignedBy) -> Result<usize> {
    Ok(diesel::update(
        signatures::table
            .filter(signatures::id.eq(id))
            .filter(signatures::used_at.is_null())
            .filter(signatures::revoked_at.is_null())
            .filter(signatures::expires_at.gt(by.at)),
    )
    .set((
        signatures::signer_name.eq(&by.signer_name),
        signatures::signer_ip.eq(&by.signer_ip),
        signatures::image_png.eq(&by.image_png),
        signatures::document_sha256.eq(&by.document_sha256),
        signatures::signed_at.eq(by.at),
        signatures::used_at.eq(by.at),
    ))
    .execute(conn)?)
}

/// Revokes the links of `document` of `business_id` that still work at `at`; returns how many.
pub fn revoke_pending(
    conn: &mut DbConn,
    business_id: &BusinessId,
    document: &DocumentRef,
    at: NaiveDateTime,
) -> Result<usize> {
    let pending = signatures::table
        .filter(signatures::business_id.eq(business_id))
        .filter(signatures::used_at.is_null())
        .filter(signatures::revoked_at.is_null())
        .filter(signatures::expires_at.gt(at));
    let revoke = signatures::revoked_at.eq(Some(at));
    Ok(match document {
        DocumentRef::Contract(id) => diesel::update(pending.filter(signatures::contract_id.eq(id)))
            .set(revoke)
            .execute(conn)?,
        DocumentRef::Proposal(id) => diesel::update(pending.filter(signatures::proposal_id.eq(id)))
            .set(revoke)
            .execute(conn)?,
    })
}

/// The signature requests of a contract, newest first, without their images (`image_png` is
/// `None`; [`find`] has it).
pub fn list_by_contract(
    conn: &mut DbConn,
    business_id: &BusinessId,
    contract_id: &ContractId,
) -> Result<Vec<Signature>> {
    Ok(without_image()
        .filter(signatures::business_id.eq(business_id))
        .filter(signatures::contract_id.eq(contract_id))
        .load::<Signature>(conn)?)
}

/// The signature requests of a proposal, newest first, without their images.
pub fn list_by_proposal(
    conn: &mut DbConn,
    business_id: &BusinessId,
    proposal_id: &ProposalId,
) -> Result<Vec<Signature>> {
    Ok(without_image()
        .filter(signatures::business_id.eq(business_id))
        .filter(signatures::proposal_id.eq(proposal_id))
        .load::<Signature>(conn)?)
}

/// Signature rows newest first, with `NULL` in place of the image.
fn without_image() -> WithoutImageQuery {
    use diesel::{
        dsl::sql,
        sql_types::{Binary, Nullable},
    };
    signatures::table
        .order((signatures::created_at.desc(), signatures::id.desc()))
        // In the field order of `Signature` (`Queryable` is positional).
        .select((
            signatures::id,
            signatures::business_id,
            signatures::contract_id,
            signatures::proposal_id,
            signatures::token_hash,
            signatures::signer_name,
            signatures::signer_ip,
            sql::<Nullable<Binary>>("NULL"),
            signatures::document_sha256,
            signatures::signed_at,
            signatures::used_at,
            signatures::created_at,
            signatures::expires_at,
            signatures::revoked_at,
        ))
}

/// The query of [`without_image`].
type WithoutImageQuery = diesel::dsl::Select<
    diesel::dsl::Order<
        signatures::table,
        (
            diesel::dsl::Desc<signatures::created_at>,
            diesel::dsl::Desc<signatures::id>,
        ),
    >,
    WithoutImage,
>;

type WithoutImage = (
    signatures::id,
    signatures::business_id,
    signatures::contract_id,
    signatures::proposal_id,
    signatures::token_hash,
    signatures::signer_name,
    signatures::signer_ip,
    diesel::expression::SqlLiteral<diesel::sql_types::Nullable<diesel::sql_types::Binary>>,
    signatures::document_sha256,
    signatures::signed_at,
    signatures::used_at,
    signatures::created_at,
    signatures::expires_at,
    signatures::revoked_at,
);
