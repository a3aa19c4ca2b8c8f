//! The `business_hours` row of a business.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::{
    db::{DbConn, with_backend},
    error::Result,
    ids::BusinessId,
    schema::business_hours,
};

/// The stored settings JSON, if the business has set its hours.
pub fn settings_json(conn: &mut DbConn, business_id: &BusinessId) -> Result<Option<String>> {
    Ok(business_hours::table
        .find(business_id.as_str())
        .select(business_hours::settings)
        .first(conn)
        .optional()?)
}

/// Stores (or replaces) the business's settings JSON.
pub fn save(
    conn: &mut DbConn,
    business_id: &BusinessId,
    json: &str,
    now: NaiveDateTime,
) -> Result<()> {
    let row = (
        business_hours::business_id.eq(business_id.as_str()),
        business_hours::settings.eq(json),
        business_hours::updated_at.eq(now),
    );
    with_backend!(conn, |c| {
        diesel::insert_into(business_hours::table)
            .values(row)
            .on_conflict(business_hours::business_id)
            .do_update()
            .set((
                business_hours::settings.eq(excluded(business_hours::settings)),
                business_hours::updated_at.eq(excluded(business_hours::updated_at)),
            ))
            .execute(c)?
    });
    Ok(())
}

/// Records the closed-period auto-reply to `customer_id`; false when this period's was sent
/// already (the primary key decides, also between concurrent consumers).
pub fn record_closure_reply(
    conn: &mut DbConn,
    business_id: &BusinessId,
    customer_id: &crate::ids::CustomerId,
    reopens_at: chrono::NaiveDateTime,
) -> Result<bool> {
    use crate::schema::whatsapp_closure_replies as r;
    let row = (
        r::business_id.eq(business_id.as_str()),
        r::customer_id.eq(customer_id.as_str()),
        r::reopens_at.eq(reopens_at),
        r::created_at.eq(crate::time::now()),
    );
    let inserted = with_backend!(conn, |c| {
        diesel::insert_into(r::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?
    });
    Ok(inserted == 1)
}
