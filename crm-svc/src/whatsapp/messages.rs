//! WhatsApp messages with a customer, read-only: the WhatsApp bridge writes them through events
//! ([`crate::event_consumer`]); staff page through them newest first. Scoped to the caller's
//! business: another business's customer is [`Error::NotFound`].

use crate::{
    customers::queries as customer,
    db::{Db, DbConn},
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    pagination::Page,
    pagination::Window,
    schema::whatsapp_messages,
    whatsapp::WhatsAppMessage,
};
use diesel::prelude::*;

/// The messages with the customer `customer_id` of `business_id`, newest first (by
/// `created_at`, then id), paginated like customers.
pub async fn list_for_customer(
    db: &Db,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    page: i64,
    limit: i64,
) -> Result<Page<WhatsAppMessage>> {
    let window = Window::new(page, limit)?;
    let (business_id, customer_id) = (business_id.clone(), customer_id.clone());
    let (total, items) = db
        .run(move |conn| {
            if customer::find(conn, &business_id, &customer_id)?.is_none() {
                return Err(Error::NotFound("customer"));
            }
            page_of(conn, &business_id, &customer_id, window)
        })
        .await?;
    Ok(window.page(total, items))
}

fn page_of(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    window: Window,
) -> Result<(i64, Vec<WhatsAppMessage>)> {
    let of_customer = || {
        whatsapp_messages::table
            .filter(whatsapp_messages::business_id.eq(business_id))
            .filter(whatsapp_messages::customer_id.eq(customer_id))
    };
    let total: i64 = of_customer()
        .select(diesel::dsl::count_star())
        .get_result(conn)?;
    let items = of_customer()
        .order((
            whatsapp_messages::created_at.desc(),
            whatsapp_messages::id.desc(),
        ))
        .limit(window.limit)
        .offset(window.offset)
        .select(WhatsAppMessage::as_select())
        .load(conn)?;
    Ok((total, items))
}
