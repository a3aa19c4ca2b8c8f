//! Conversions between the protobuf messages of users and the domain's types.

use crate::{
    enums::UserRole,
    error::{Error, Result},
    time,
    users::User,
};
use agentlocator_proto::{to_timestamp, v1 as pb};

impl From<User> for pb::User {
    fn from(u: User) -> Self {
        pb::User {
            id: u.id.into(),
            business_id: u.business_id.into(),
            email: u.email,
            name: u.name,
            created_at: Some(to_timestamp(time::to_utc(u.created_at))),
            role: pb::UserRole::from(u.role).into(),
            active: u.deactivated_at.is_none(),
            session_version: u.session_version.max(0) as u32,
        }
    }
}

impl From<UserRole> for pb::UserRole {
    fn from(r: UserRole) -> Self {
        match r {
            UserRole::Owner => pb::UserRole::Owner,
            UserRole::Admin => pb::UserRole::Admin,
            UserRole::Agent => pb::UserRole::Agent,
            UserRole::ReadOnly => pb::UserRole::ReadOnly,
        }
    }
}

/// A role from a request (an `i32` of [`pb::UserRole`]), or [`Error::Validation`] on `role`.
pub fn user_role(value: i32) -> Result<UserRole> {
    match pb::UserRole::try_from(value) {
        Ok(pb::UserRole::Owner) => Ok(UserRole::Owner),
        Ok(pb::UserRole::Admin) => Ok(UserRole::Admin),
        Ok(pb::UserRole::Agent) => Ok(UserRole::Agent),
        Ok(pb::UserRole::ReadOnly) => Ok(UserRole::ReadOnly),
        Ok(pb::UserRole::Unspecified) | Err(_) => Err(Error::validation(
            "role",
            "expected one of owner admin agent read_only",
        )),
    }
}
