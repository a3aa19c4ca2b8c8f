//! Web Push subscriptions of staff browsers: what `PushManager.subscribe()` returned in the
//! browser (the push service `endpoint` and the keys `p256dh` and `auth`), stored per user.
//!
//! Saving is idempotent on the endpoint: the same browser subscribing again updates its keys,
//! and a browser that signs in as another user moves to that user. notify-svc lists a business's
//! subscriptions to send to and deletes the ones the push service reports gone.

use crate::{
    db::Db,
    error::{Error, Result},
    ids::{BusinessId, UserId},
    schema::push_subscriptions,
    tasks::queries as task,
    time,
};
use base64::Engine as _;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Longest endpoint accepted (push services use well under 1 KB).
pub const MAX_ENDPOINT_LEN: usize = 2048;
/// Length of an uncompressed P-256 public key (`0x04 || X || Y`).
pub const P256DH_LEN: usize = 65;
/// Length of the authentication secret.
pub const AUTH_LEN: usize = 16;

/// A stored subscription.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = push_subscriptions)]
pub struct PushSubscription {
    pub id: String,
    pub business_id: BusinessId,
    pub user_id: UserId,
    pub endpoint: String,
    /// Base64url (no padding), as the browser gives it.
    pub p256dh: String,
    /// Base64url (no padding).
    pub auth: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A subscription to save, as the browser's `PushSubscription.toJSON()` has it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewPushSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// Checks a subscription: the endpoint is an `https` URL (plain `http` only to a loopback host,
/// i.e. a push service on this machine), the keys are base64url of the right lengths.
pub fn validate(new: &NewPushSubscription) -> Result<NewPushSubscription> {
    let endpoint = new.endpoint.trim();
    if endpoint.is_empty() {
        return Err(Error::validation("endpoint", "is required"));
    }
    if endpoint.len() > MAX_ENDPOINT_LEN {
        return Err(Error::validation(
            "endpoint",
            format!("is longer than {MAX_ENDPOINT_LEN} characters"),
        ));
    }
    check_endpoint(endpoint)?;
    let p256dh = decode_key("keys.p256dh", &new.p256dh, P256DH_LEN)?;
    if p256dh[0] != 0x04 {
        return Err(Error::validation(
            "keys.p256dh",
            "is not an uncompressed P-256 public key",
        ));
    }
    decode_key("keys.auth", &new.auth, AUTH_LEN)?;
    Ok(NewPushSubscription {
        endpoint: endpoint.to_string(),
        p256dh: new.p256dh.trim().trim_end_matches('=').to_string(),
        auth: new.auth.trim().trim_end_matches('=').to_string(),
    })
}

fn check_endpoint(endpoint: &str) -> Result<()> {
    let bad = || Error::validation("endpoint", "must be an https URL of a push service");
    let (scheme, rest) = endpoint.split_once("://").ok_or_else(bad)?;
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    if host.is_empty() {
        return Err(bad());
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http"
            if host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback()) =>
        {
            Ok(())
        }
        _ => Err(bad()),
    }
}

fn decode_key(field: &'static str, value: &str, len: usize) -> Result<Vec<u8>> {
    let value = value.trim().trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| Error::validation(field, "is not base64url"))?;
    if bytes.len() != len {
        return Err(Error::validation(
            field,
            format!("must be {len} bytes, not {}", bytes.len()),
        ));
    }
    Ok(bytes)
}

/// Saves `new` for `user_id` of `business_id` (validated first); idempotent on the endpoint.
pub async fn save(
    db: &Db,
    business_id: &BusinessId,
    user_id: &UserId,
    new: NewPushSubscription,
) -> Result<PushSubscription> {
    let new = validate(&new)?;
    let (business_id, user_id) = (business_id.clone(), user_id.clone());
    db.transaction(move |conn| {
        if !task::is_user_of(conn, &business_id, &user_id)? {
            return Err(Error::NotFound("user"));
        }
        let now = time::now();
        let existing: Option<PushSubscription> = push_subscriptions::table
            .filter(push_subscriptions::endpoint.eq(&new.endpoint))
            .select(PushSubscription::as_select())
            .first(conn)
            .optional()?;
        let row = match existing {
            Some(mut row) => {
                row.business_id = business_id;
                row.user_id = user_id;
                row.p256dh = new.p256dh;
                row.auth = new.auth;
                row.updated_at = now;
                diesel::update(push_subscriptions::table.find(&row.id))
                    .set((
                        push_subscriptions::business_id.eq(&row.business_id),
                        push_subscriptions::user_id.eq(&row.user_id),
                        push_subscriptions::p256dh.eq(&row.p256dh),
                        push_subscriptions::auth.eq(&row.auth),
                        push_subscriptions::updated_at.eq(row.updated_at),
                    ))
                    .execute(conn)?;
                row
            }
            None => {
                let row = PushSubscription {
                    id: uuid::Uuid::now_v7().to_string(),
                    business_id,
                    user_id,
                    endpoint: new.endpoint,
                    p256dh: new.p256dh,
                    auth: new.auth,
                    created_at: now,
                    updated_at: now,
                };
                diesel::insert_into(push_subscriptions::table)
                    .values(&row)
                    .execute(conn)?;
                row
            }
        };
        Ok(row)
    })
    .await
}

/// Deletes the subscription of `endpoint` in `business_id` — only `user_id`'s when given (a user
/// unsubscribing), any user's otherwise (the push service said it is gone). Returns whether a
/// row went.
pub async fn delete(
    db: &Db,
    business_id: &BusinessId,
    user_id: Option<&UserId>,
    endpoint: &str,
) -> Result<bool> {
    if endpoint.trim().is_empty() {
        return Err(Error::validation("endpoint", "is required"));
    }
    let (business_id, user_id, endpoint) = (
        business_id.clone(),
        user_id.cloned(),
        endpoint.trim().to_string(),
    );
    let n = db
        .transaction(move |conn| {
            let mut q = diesel::delete(push_subscriptions::table)
                .filter(push_subscriptions::business_id.eq(&business_id))
                .filter(push_subscriptions::endpoint.eq(&endpoint))
                .into_boxed();
            if let Some(user_id) = &user_id {
                q = q.filter(push_subscriptions::user_id.eq(user_id));
            }
            Ok(q.execute(conn)?)
        })
        .await?;
    Ok(n > 0)
}

/// Every subscription of `business_id`, oldest first.
pub async fn list(db: &Db, business_id: &BusinessId) -> Result<Vec<PushSubscription>> {
    let business_id = business_id.clone();
    db.run(move |conn| {
        Ok(push_subscriptions::table
            .filter(push_subscriptions::business_id.eq(&business_id))
            .order((
                push_subscriptions::created_at.asc(),
                push_subscriptions::id.asc(),
            ))
            .select(PushSubscription::as_select())
            .load(conn)?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(endpoint: &str, p256dh: &str, auth: &str) -> NewPushSubscription {
        NewPushSubscription {
            endpoint: endpoint.into(),
            p256dh: p256dh.into(),
            auth: auth.into(),
        }
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn subscriptions_are_validated() {
        let mut key = vec![4u8; 65];
        key[1] = 9;
        let (p, a) = (b64(&key), b64(&[1u8; 16]));
        assert!(validate(&sub("https://fcm.googleapis.com/fcm/send/x", &p, &a)).is_ok());
        assert!(validate(&sub("http://127.0.0.1:9/push/1", &p, &a)).is_ok());
        assert!(validate(&sub("http://localhost/push", &p, &a)).is_ok());
        let field = |s: NewPushSubscription| match validate(&s) {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(sub("http://push.example.com/x", &p, &a)), "endpoint");
        assert_eq!(field(sub("ftp://push.example.com/x", &p, &a)), "endpoint");
        assert_eq!(field(sub("https:///x", &p, &a)), "endpoint");
        assert_eq!(field(sub("", &p, &a)), "endpoint");
        assert_eq!(field(sub("https://p.example/x y", &p, &a)), "endpoint");
        assert_eq!(
            field(sub("https://p.example/x", &b64(&[4u8; 64]), &a)),
            "keys.p256dh"
        );
        assert_eq!(
            field(sub("https://p.example/x", &b64(&[2u8; 65]), &a)),
            "keys.p256dh"
        );
        assert_eq!(field(sub("https://p.example/x", "!!", &a)), "keys.p256dh");
        assert_eq!(
            field(sub("https://p.example/x", &p, &b64(&[1u8; 15]))),
            "keys.auth"
        );
    }
}
