use crate::{
    db::DbConn,
    enums::InvoiceStatus,
    error::Result,
    ids::{BusinessId, CustomerId, InvoiceId},
    schema::invoices,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// An invoice; amounts in agorot, `number` unique per business.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = invoices)]
pub struct Invoice {
    pub id: InvoiceId,
    pub business_id: BusinessId,
    pub customer_id: CustomerId,
    pub number: i64,
    pub status: InvoiceStatus,
    /// JSON `[{"description", "quantity", "unit_price_agorot"}]`.
    #[serde(serialize_with = "super::json_text")]
    pub items: String,
    pub subtotal_agorot: i64,
    pub vat_agorot: i64,
    pub total_agorot: i64,
    pub vat_rate_bp: i32,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub issued_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub due_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, invoice: &Invoice) -> Result<()> {
    diesel::insert_into(invoices::table)
        .values(invoice)
        .execute(conn)?;
    Ok(())
}

/// The invoices of a customer, newest first.
pub fn list_by_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<Invoice>> {
    Ok(invoices::table
        .filter(invoices::business_id.eq(business_id))
        .filter(invoices::customer_id.eq(customer_id))
        .order((invoices::created_at.desc(), invoices::id.desc()))
        .select(Invoice::as_select())
        .load(conn)?)
}
