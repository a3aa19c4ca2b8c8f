//! Calls of a customer, read-only: the voice service writes them through events
//! ([`crate::event_consumer`]); staff page through them newest first. Scoped to the caller's
//! business: another business's customer is [`Error::NotFound`].

use crate::{
    customers::Page,
    db::{Db, DbConn},
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    models::{Call, customer},
    pagination::Window,
    schema::calls,
};
use diesel::prelude::*;

/// The calls with the customer `customer_id` of `business_id`, newest first (by `started_at`,
/// then id), paginated like customers.
pub async fn list_for_customer(
    db: &Db,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    page: i64,
    limit: i64,
) -> Result<Page<Call>> {
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
) -> Result<(i64, Vec<Call>)> {
    let of_customer = || {
        calls::table
            .filter(calls::business_id.eq(business_id))
            .filter(calls::customer_id.eq(customer_id))
    };
    let total: i64 = of_customer()
        .select(diesel::dsl::count_star())
        .get_result(conn)?;
    let items = of_customer()
        .order((calls::started_at.desc(), calls::id.desc()))
        .limit(window.limit)
        .offset(window.offset)
        .select(Call::as_select())
        .load(conn)?;
    Ok((total, items))
}

/// What the assistant answered on `call`, in order (stored as a JSON list of strings).
pub fn ai_replies(call: &Call) -> Result<Vec<String>> {
    serde_json::from_str(&call.ai_replies)
        .map_err(|e| Error::Internal(format!("call {} has malformed ai_replies: {e}", call.id)))
}
