//! Conversions between the protobuf messages of contracts and the domain's types.

use crate::convert::{document_list, patch_enum, required, ts};
use crate::{
    error::{Error, Result},
    ids::BusinessId,
    pagination::Page,
};
use agentlocator_proto::v1 as pb;

document_list!(
    /// A `ListContracts` request as domain arguments.
    ListContracts,
    pb::ListContractsRequest,
    crate::contracts::queries::ContractFilter,
    crate::contracts::queries::ContractSort,
    crate::contracts::parse_sort
);

/// A `CreateContract` request as domain arguments.
#[derive(Debug, Clone)]
pub struct CreateContract {
    pub business_id: BusinessId,
    pub contract: crate::contracts::NewContract,
}

impl TryFrom<pb::CreateContractRequest> for CreateContract {
    type Error = Error;

    fn try_from(r: pb::CreateContractRequest) -> Result<Self> {
        Ok(CreateContract {
            business_id: required("business_id", r.business_id)?,
            contract: crate::contracts::NewContract {
                customer_id: required("customer_id", r.customer_id)?,
                title: r.title,
                body: r.body,
            },
        })
    }
}

/// An `UpdateContract` request as domain arguments.
#[derive(Debug, Clone)]
pub struct UpdateContract {
    pub business_id: BusinessId,
    pub id: crate::ids::ContractId,
    pub patch: crate::contracts::ContractPatch,
}

impl TryFrom<pb::UpdateContractRequest> for UpdateContract {
    type Error = Error;

    fn try_from(r: pb::UpdateContractRequest) -> Result<Self> {
        Ok(UpdateContract {
            business_id: required("business_id", r.business_id)?,
            id: required("id", r.id)?,
            patch: crate::contracts::ContractPatch {
                title: r.title,
                body: r.body,
                status: patch_enum("status", r.status)?,
            },
        })
    }
}

impl From<crate::contracts::Contract> for pb::Contract {
    fn from(c: crate::contracts::Contract) -> Self {
        pb::Contract {
            id: c.id.into(),
            business_id: c.business_id.into(),
            customer_id: c.customer_id.into(),
            title: c.title,
            body: c.body,
            status: c.status.to_string(),
            created_at: Some(ts(c.created_at)),
            updated_at: Some(ts(c.updated_at)),
        }
    }
}

impl From<Page<crate::contracts::Contract>> for pb::ListContractsResponse {
    fn from(p: Page<crate::contracts::Contract>) -> Self {
        pb::ListContractsResponse {
            page: p.page,
            limit: p.limit,
            total: p.total,
            items: p.items.into_iter().map(Into::into).collect(),
        }
    }
}
