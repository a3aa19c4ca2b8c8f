use crate::{
    db::DbConn,
    enums::ProposalStatus,
    error::Result,
    ids::{BusinessId, CustomerId, ProposalId},
    schema::proposals,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A price quote; amounts in agorot.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = proposals)]
pub struct Proposal {
    pub id: ProposalId,
    pub business_id: BusinessId,
    pub customer_id: CustomerId,
    pub title: String,
    /// JSON `[{"description", "quantity", "unit_price_agorot"}]`.
    #[serde(serialize_with = "super::json_text")]
    pub items: String,
    pub total_agorot: i64,
    pub status: ProposalStatus,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub valid_until: Option<NaiveDateTime>,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, proposal: &Proposal) -> Result<()> {
    diesel::insert_into(proposals::table)
        .values(proposal)
        .execute(conn)?;
    Ok(())
}

/// The proposals of a customer, newest first.
pub fn list_by_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<Proposal>> {
    Ok(proposals::table
        .filter(proposals::business_id.eq(business_id))
        .filter(proposals::customer_id.eq(customer_id))
        .order((proposals::created_at.desc(), proposals::id.desc()))
        .select(Proposal::as_select())
        .load(conn)?)
}
