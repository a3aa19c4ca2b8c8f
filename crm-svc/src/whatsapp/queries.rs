use crate::{
    db::DbConn,
    error::Result,
    ids::{BusinessId, CustomerId, WhatsAppMessageId},
    schema::whatsapp_messages,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A WhatsApp message to or from a business's paired number.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = whatsapp_messages)]
pub struct WhatsAppMessage {
    pub id: WhatsAppMessageId,
    pub business_id: BusinessId,
    /// The provider's id of the message, unique per business.
    pub provider_message_id: String,
    pub customer_id: Option<CustomerId>,
    /// `inbound` or `outbound`.
    pub direction: String,
    pub from_number: String,
    pub to_number: String,
    pub body: String,
    /// `pending | sent | delivered | read | failed | received`.
    pub status: String,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, message: &WhatsAppMessage) -> Result<()> {
    diesel::insert_into(whatsapp_messages::table)
        .values(message)
        .execute(conn)?;
    Ok(())
}

pub fn find_by_provider_id(
    conn: &mut DbConn,
    business_id: &BusinessId,
    provider_message_id: &str,
) -> Result<Option<WhatsAppMessage>> {
    Ok(whatsapp_messages::table
        .filter(whatsapp_messages::business_id.eq(business_id))
        .filter(whatsapp_messages::provider_message_id.eq(provider_message_id))
        .select(WhatsAppMessage::as_select())
        .first(conn)
        .optional()?)
}

/// Sets the delivery status of a message; returns how many rows changed (0 when unknown).
pub fn update_status(
    conn: &mut DbConn,
    business_id: &BusinessId,
    provider_message_id: &str,
    status: &str,
) -> Result<usize> {
    Ok(diesel::update(
        whatsapp_messages::table
            .filter(whatsapp_messages::business_id.eq(business_id))
            .filter(whatsapp_messages::provider_message_id.eq(provider_message_id)),
    )
    .set((
        whatsapp_messages::status.eq(status),
        whatsapp_messages::updated_at.eq(time::now()),
    ))
    .execute(conn)?)
}

/// The messages with a customer, newest first.
pub fn list_by_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<WhatsAppMessage>> {
    Ok(whatsapp_messages::table
        .filter(whatsapp_messages::business_id.eq(business_id))
        .filter(whatsapp_messages::customer_id.eq(customer_id))
        .order((
            whatsapp_messages::created_at.desc(),
            whatsapp_messages::id.desc(),
        ))
        .select(WhatsAppMessage::as_select())
        .load(conn)?)
}

/// The `limit` newest messages with a customer, newest first.
pub fn recent_by_customer(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    limit: i64,
) -> Result<Vec<WhatsAppMessage>> {
    Ok(whatsapp_messages::table
        .filter(whatsapp_messages::business_id.eq(business_id))
        .filter(whatsapp_messages::customer_id.eq(customer_id))
        .order((
            whatsapp_messages::created_at.desc(),
            whatsapp_messages::id.desc(),
        ))
        .limit(limit)
        .select(WhatsAppMessage::as_select())
        .load(conn)?)
}
