//! Conversions between the protobuf messages of proposals and the domain's types.

use crate::convert::{
    document_list, line_items, naive_time, patch_enum, pb_line_items, required, ts,
};
use crate::{
    error::{Error, Result},
    ids::BusinessId,
    pagination::Page,
};
use agentlocator_proto::v1 as pb;

document_list!(
    /// A `ListProposals` request as domain arguments.
    ListProposals,
    pb::ListProposalsRequest,
    crate::proposals::queries::ProposalFilter,
    crate::proposals::queries::ProposalSort,
    crate::proposals::parse_sort
);

/// A `CreateProposal` request as domain arguments.
#[derive(Debug, Clone)]
pub struct CreateProposal {
    pub business_id: BusinessId,
    pub proposal: crate::proposals::NewProposal,
}

impl TryFrom<pb::CreateProposalRequest> for CreateProposal {
    type Error = Error;

    fn try_from(r: pb::CreateProposalRequest) -> Result<Self> {
        Ok(CreateProposal {
            business_id: required("business_id", r.business_id)?,
            proposal: crate::proposals::NewProposal {
                customer_id: required("customer_id", r.customer_id)?,
                title: r.title,
                items: line_items(r.items),
                valid_until: naive_time("valid_until", r.valid_until)?,
            },
        })
    }
}

/// An `UpdateProposal` request as domain arguments.
#[derive(Debug, Clone)]
pub struct UpdateProposal {
    pub business_id: BusinessId,
    pub id: crate::ids::ProposalId,
    pub patch: crate::proposals::ProposalPatch,
}

impl TryFrom<pb::UpdateProposalRequest> for UpdateProposal {
    type Error = Error;

    fn try_from(r: pb::UpdateProposalRequest) -> Result<Self> {
        Ok(UpdateProposal {
            business_id: required("business_id", r.business_id)?,
            id: required("id", r.id)?,
            patch: crate::proposals::ProposalPatch {
                title: r.title,
                items: r.set_items.then(|| line_items(r.items)),
                valid_until: if r.set_valid_until {
                    Some(naive_time("valid_until", r.valid_until)?)
                } else {
                    None
                },
                status: patch_enum("status", r.status)?,
            },
        })
    }
}

impl TryFrom<crate::proposals::Proposal> for pb::Proposal {
    type Error = Error;

    /// Fails only when the stored items are not valid JSON line items.
    fn try_from(p: crate::proposals::Proposal) -> Result<Self> {
        Ok(pb::Proposal {
            items: pb_line_items(&p.items)?,
            id: p.id.into(),
            business_id: p.business_id.into(),
            customer_id: p.customer_id.into(),
            title: p.title,
            total_agorot: p.total_agorot,
            status: p.status.to_string(),
            valid_until: p.valid_until.map(ts),
            created_at: Some(ts(p.created_at)),
            updated_at: Some(ts(p.updated_at)),
        })
    }
}

impl TryFrom<Page<crate::proposals::Proposal>> for pb::ListProposalsResponse {
    type Error = Error;

    fn try_from(p: Page<crate::proposals::Proposal>) -> Result<Self> {
        Ok(pb::ListProposalsResponse {
            page: p.page,
            limit: p.limit,
            total: p.total,
            items: p
                .items
                .into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_>>()?,
        })
    }
}
