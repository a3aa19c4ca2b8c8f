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

/// An e-signature request for one contract or one proposal, reached through a public link whose
/// token is stored only as a hash; filled in when signed.
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

/// The signature requests of a contract, newest first.
pub fn list_by_contract(
    conn: &mut DbConn,
    business_id: &BusinessId,
    contract_id: &ContractId,
) -> Result<Vec<Signature>> {
    Ok(signatures::table
        .filter(signatures::business_id.eq(business_id))
        .filter(signatures::contract_id.eq(contract_id))
        .order((signatures::created_at.desc(), signatures::id.desc()))
        .select(Signature::as_select())
        .load(conn)?)
}
