use crate::{
    db::DbConn,
    enums::ContractStatus,
    error::Result,
    ids::{BusinessId, ContractId, CustomerId},
    schema::contracts,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A contract sent to a customer for e-signature.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = contracts)]
pub struct Contract {
    pub id: ContractId,
    pub business_id: BusinessId,
    pub customer_id: CustomerId,
    pub title: String,
    pub body: String,
    pub status: ContractStatus,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, contract: &Contract) -> Result<()> {
    diesel::insert_into(contracts::table)
        .values(contract)
        .execute(conn)?;
    Ok(())
}

/// The contracts of a customer, newest first.
pub fn list_by_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<Contract>> {
    Ok(contracts::table
        .filter(contracts::business_id.eq(business_id))
        .filter(contracts::customer_id.eq(customer_id))
        .order((contracts::created_at.desc(), contracts::id.desc()))
        .select(Contract::as_select())
        .load(conn)?)
}
