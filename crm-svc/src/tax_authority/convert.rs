//! Proto conversions of the Tax Authority connection.

use super::Status;
use crate::convert::ts;
use agentlocator_proto::v1 as pb;

impl From<Status> for pb::TaxAuthorityStatus {
    fn from(s: Status) -> Self {
        pb::TaxAuthorityStatus {
            configured: s.configured,
            environment: s.environment.to_owned(),
            connected: s.connected,
            connected_at: s.connected_at.map(ts),
            connected_by: s.connected_by.map(Into::into).unwrap_or_default(),
            awaiting: s.awaiting,
        }
    }
}
