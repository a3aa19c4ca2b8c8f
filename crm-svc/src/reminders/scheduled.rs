//! One-off WhatsApp messages staff schedule from the customer page; the reminder scheduler sends
//! each once at its time ([`super::scheduler`]).

use super::queries::{self as q, ScheduledMessage};
use crate::{
    customers::queries as customer,
    db::Db,
    error::{Error, Result},
    ids::{BusinessId, CustomerId, UserId},
    text, time,
};
use chrono::{Duration, NaiveDateTime};

/// Longest message (WhatsApp's own limit is 4,096 characters).
pub const MAX_TEXT_CHARS: usize = 4096;
/// How far ahead a message may be scheduled.
pub const MAX_AHEAD: Duration = Duration::days(366);
/// How far in the past `send_at` may be (a form submitted a little late): it is then sent at once.
pub const GRACE: Duration = Duration::minutes(5);

/// Schedules `body` to `customer_id` of `business_id` at `send_at`. The customer must have a
/// phone; `send_at` may not be in the past (by more than [`GRACE`]) or more than [`MAX_AHEAD`]
/// ahead.
pub async fn create(
    db: &Db,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    body: &str,
    send_at: NaiveDateTime,
    created_by: Option<UserId>,
) -> Result<ScheduledMessage> {
    let body = text::required_text("text", body, MAX_TEXT_CHARS)?;
    let now = time::now();
    if send_at < now - GRACE {
        return Err(Error::validation("send_at", "is in the past"));
    }
    if send_at > now + MAX_AHEAD {
        return Err(Error::validation(
            "send_at",
            format!("may be at most {} days ahead", MAX_AHEAD.num_days()),
        ));
    }
    let row = ScheduledMessage {
        id: uuid::Uuid::now_v7().to_string(),
        business_id: business_id.clone(),
        customer_id: customer_id.clone(),
        body,
        send_at: time::truncate_micros(send_at),
        status: "pending".into(),
        sent_at: None,
        created_by: created_by.map(|u| u.to_string()),
        created_at: now,
        updated_at: now,
    };
    db.transaction(move |conn| {
        let c = customer::find(conn, &row.business_id, &row.customer_id)?
            .ok_or(Error::NotFound("customer"))?;
        if c.phone.trim().is_empty() {
            return Err(Error::validation(
                "customer_id",
                "the customer has no phone",
            ));
        }
        q::insert_scheduled(conn, &row)?;
        Ok(row)
    })
    .await
}

/// The scheduled messages of `customer_id` (every status), latest send time first.
pub async fn list(
    db: &Db,
    business_id: &BusinessId,
    customer_id: &CustomerId,
) -> Result<Vec<ScheduledMessage>> {
    let (business_id, customer_id) = (business_id.clone(), customer_id.clone());
    db.run(move |conn| {
        customer::find(conn, &business_id, &customer_id)?.ok_or(Error::NotFound("customer"))?;
        q::scheduled_of(conn, &business_id, &customer_id)
    })
    .await
}

/// Cancels the pending message `id` of `customer_id`; one already sent (or cancelled) is a
/// conflict, one of another customer or business is not found.
pub async fn cancel(
    db: &Db,
    business_id: &BusinessId,
    customer_id: &CustomerId,
    id: &str,
) -> Result<ScheduledMessage> {
    let (business_id, customer_id, id) = (business_id.clone(), customer_id.clone(), id.to_owned());
    db.transaction(move |conn| {
        let mut m = q::find_scheduled(conn, &business_id, &customer_id, &id)?
            .ok_or(Error::NotFound("scheduled_message"))?;
        let now = time::now();
        if !q::finish_scheduled(conn, &m.id, "cancelled", None, now)? {
            return Err(Error::Conflict(format!(
                "the message is {} already",
                m.status
            )));
        }
        m.status = "cancelled".into();
        m.updated_at = now;
        Ok(m)
    })
    .await
}
