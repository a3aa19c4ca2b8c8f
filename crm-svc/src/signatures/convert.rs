//! Conversions between the protobuf messages of signatures and the domain's types.

use crate::convert::{required, ts};
use crate::error::{Error, Result};
use agentlocator_proto::v1 as pb;

/// A link token from a public request: required (no business to scope it; the token is the
/// credential).
pub fn token(value: String) -> Result<String> {
    required("token", value)
}

/// A `Sign` request as domain arguments.
#[derive(Debug, Clone)]
pub struct Sign {
    pub token: String,
    pub signing: crate::signatures::Signing,
}

impl TryFrom<pb::SignRequest> for Sign {
    type Error = Error;

    fn try_from(r: pb::SignRequest) -> Result<Self> {
        Ok(Sign {
            token: token(r.token)?,
            signing: crate::signatures::Signing {
                signer_ip: r
                    .signer_ip
                    .trim()
                    .parse()
                    .map_err(|_| Error::validation("signer_ip", "is not an IP address"))?,
                signer_name: r.signer_name,
                image_png: r.image_png,
                document_sha256: r.document_sha256,
            },
        })
    }
}

/// The document of a signature request: exactly one of `contract_id` and `proposal_id`.
pub fn document_ref(
    contract_id: String,
    proposal_id: String,
) -> Result<crate::signatures::DocumentRef> {
    use crate::signatures::DocumentRef;
    match (contract_id.trim(), proposal_id.trim()) {
        (c, "") if !c.is_empty() => Ok(DocumentRef::Contract(c.to_owned().into())),
        ("", p) if !p.is_empty() => Ok(DocumentRef::Proposal(p.to_owned().into())),
        ("", "") => Err(Error::validation(
            "contract_id",
            "contract_id or proposal_id is required",
        )),
        _ => Err(Error::validation(
            "proposal_id",
            "give contract_id or proposal_id, not both",
        )),
    }
}

/// `(contract_id, proposal_id)` of `d` as proto strings (the other one empty).
pub(crate) fn document_ids(d: &crate::signatures::DocumentRef) -> (String, String) {
    (
        d.contract_id().map(|i| i.to_string()).unwrap_or_default(),
        d.proposal_id().map(|i| i.to_string()).unwrap_or_default(),
    )
}

impl From<crate::signatures::SigningLink> for pb::SignatureLink {
    fn from(l: crate::signatures::SigningLink) -> Self {
        let (contract_id, proposal_id) = document_ids(&l.document);
        pb::SignatureLink {
            signature_id: l.signature_id.into(),
            contract_id,
            proposal_id,
            token: l.token,
            url_path: l.url_path,
            expires_at: Some(ts(l.expires_at)),
        }
    }
}

impl From<crate::signatures::SigningDocument> for pb::SigningDocument {
    fn from(d: crate::signatures::SigningDocument) -> Self {
        let (contract_id, proposal_id) = document_ids(&d.document);
        pb::SigningDocument {
            signature_id: d.signature_id.into(),
            document_type: d.document.kind().to_owned(),
            contract_id,
            proposal_id,
            business_name: d.business_name,
            title: d.title,
            body: d.body,
            document_sha256: d.document_sha256,
            expires_at: Some(ts(d.expires_at)),
        }
    }
}

impl From<crate::signatures::Signature> for pb::Signature {
    /// Without the image (and never the token hash).
    fn from(s: crate::signatures::Signature) -> Self {
        pb::Signature {
            state: s.state(crate::time::now()).as_str().to_owned(),
            id: s.id.into(),
            business_id: s.business_id.into(),
            contract_id: s.contract_id.map(Into::into).unwrap_or_default(),
            proposal_id: s.proposal_id.map(Into::into).unwrap_or_default(),
            signer_name: s.signer_name.unwrap_or_default(),
            signer_ip: s.signer_ip.unwrap_or_default(),
            document_sha256: s.document_sha256.unwrap_or_default(),
            signed_at: s.signed_at.map(ts),
            used_at: s.used_at.map(ts),
            created_at: Some(ts(s.created_at)),
            expires_at: Some(ts(s.expires_at)),
            revoked_at: s.revoked_at.map(ts),
        }
    }
}
