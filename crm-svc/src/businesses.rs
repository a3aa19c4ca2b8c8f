//! Looking up a business (tenant): by id, by slug, or by a Twilio number it answers.

use crate::{
    db::Db,
    error::{Error, Result},
    ids::BusinessId,
    models::{Business, business},
};
use agentlocator_common::phone::normalize_il;

/// How to find a business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusinessLookup {
    Id(BusinessId),
    Slug(String),
    /// A number the business answers on, any Israeli format.
    PhoneNumber(String),
}

/// The business `lookup` names, or [`Error::NotFound`].
pub async fn get(db: &Db, lookup: BusinessLookup) -> Result<Business> {
    let lookup = match lookup {
        BusinessLookup::PhoneNumber(n) => BusinessLookup::PhoneNumber(
            normalize_il(&n).map_err(|e| Error::validation("phone_number", e.to_string()))?,
        ),
        other => other,
    };
    db.run(move |conn| match &lookup {
        BusinessLookup::Id(id) => business::find(conn, id),
        BusinessLookup::Slug(slug) => business::find_by_slug(conn, slug),
        BusinessLookup::PhoneNumber(e164) => business::find_by_twilio_number(conn, e164),
    })
    .await?
    .ok_or(Error::NotFound("business"))
}
