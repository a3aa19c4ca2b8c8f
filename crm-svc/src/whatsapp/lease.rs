//! Which whatsapp-bridge replica holds a business's WhatsApp socket. WhatsApp allows one socket
//! per linked device, so the replicas share one lease per business: it is granted when there is
//! none, when it expired, or when its holder renews it; only its holder releases it. The holder's
//! advertised gRPC address lets the other replicas forward the business's calls to it.
//!
//! Acquiring is one conditional upsert (`INSERT … ON CONFLICT (business_id) DO UPDATE … WHERE
//! holder = excluded.holder OR expires_at <= now RETURNING …`): PostgreSQL re-checks the condition
//! on the newest row version after waiting for a concurrent writer's row lock, and SQLite runs it
//! under its single write lock (`BEGIN IMMEDIATE`), so of two concurrent callers exactly one wins.

use crate::{
    businesses::queries as business,
    db::Db,
    db::{DbConn, with_backend},
    error::{Error, Result},
    ids::BusinessId,
    schema::whatsapp_session_leases as leases,
    time,
};
use chrono::NaiveDateTime;
use diesel::{prelude::*, upsert::excluded};
use std::time::Duration;

/// Shortest and longest lease a holder may ask for.
pub const MIN_TTL: Duration = Duration::from_secs(1);
pub const MAX_TTL: Duration = Duration::from_secs(600);

/// A business's lease as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = leases)]
pub struct Lease {
    pub business_id: BusinessId,
    /// The replica's holder id.
    pub holder: String,
    /// Where other replicas reach the holder over gRPC (empty when it advertises none).
    pub holder_addr: String,
    pub expires_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The answer to an acquire: whether the caller holds the lease now, and the lease as it stands
/// (the caller's when granted, the other holder's otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acquired {
    pub granted: bool,
    pub lease: Lease,
}

/// Takes or renews the business's lease for `holder` until now + `ttl`.
pub async fn acquire(
    db: &Db,
    business_id: &BusinessId,
    holder: &str,
    holder_addr: &str,
    ttl: Duration,
) -> Result<Acquired> {
    acquire_at(db, business_id, holder, holder_addr, ttl, time::now()).await
}

/// [`acquire`] as if the time were `now`.
pub async fn acquire_at(
    db: &Db,
    business_id: &BusinessId,
    holder: &str,
    holder_addr: &str,
    ttl: Duration,
    now: NaiveDateTime,
) -> Result<Acquired> {
    check_holder(holder)?;
    if holder_addr.len() > 500 {
        return Err(Error::Validation {
            field: "holder_addr",
            message: "at most 500 characters".into(),
        });
    }
    if !(MIN_TTL..=MAX_TTL).contains(&ttl) {
        return Err(Error::Validation {
            field: "ttl_ms",
            message: format!("{} to {} ms", MIN_TTL.as_millis(), MAX_TTL.as_millis()),
        });
    }
    let expires_at = time::truncate_micros(
        now + chrono::Duration::from_std(ttl).map_err(|e| Error::Internal(e.to_string()))?,
    );
    let business_id = business_id.clone();
    let holder = holder.to_owned();
    let holder_addr = holder_addr.to_owned();
    db.transaction(move |conn| {
        if business::find(conn, &business_id)?.is_none() {
            return Err(Error::NotFound("business"));
        }
        let won = upsert(conn, &business_id, &holder, &holder_addr, expires_at, now)?;
        let granted = won.is_some();
        let lease = match won {
            Some(lease) => lease,
            None => leases::table
                .find(business_id.as_str())
                .select(Lease::as_select())
                .first(conn)?,
        };
        Ok(Acquired { granted, lease })
    })
    .await
}

/// The conditional upsert: the stored lease when `holder` got it, None when another holds it.
fn upsert(
    conn: &mut DbConn,
    business_id: &BusinessId,
    holder: &str,
    holder_addr: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Option<Lease>> {
    let row = (
        leases::business_id.eq(business_id.as_str()),
        leases::holder.eq(holder),
        leases::holder_addr.eq(holder_addr),
        leases::expires_at.eq(expires_at),
        leases::updated_at.eq(now),
    );
    // The condition of the `DO UPDATE`: the caller already holds the lease, or it expired.
    let free_or_ours = leases::holder
        .eq(excluded(leases::holder))
        .or(leases::expires_at.le(now));
    Ok(with_backend!(conn, |c| {
        let upsert = diesel::insert_into(leases::table)
            .values(row)
            .on_conflict(leases::business_id)
            .do_update()
            .set((
                leases::holder.eq(excluded(leases::holder)),
                leases::holder_addr.eq(excluded(leases::holder_addr)),
                leases::expires_at.eq(excluded(leases::expires_at)),
                leases::updated_at.eq(excluded(leases::updated_at)),
            ));
        diesel::query_dsl::methods::FilterDsl::filter(upsert, free_or_ours)
            .returning(Lease::as_returning())
            .get_result(c)
            .optional()?
    }))
}

/// Gives the lease up if `holder` holds it (expired or not); true when a lease was removed.
pub async fn release(db: &Db, business_id: &BusinessId, holder: &str) -> Result<bool> {
    check_holder(holder)?;
    let business_id = business_id.clone();
    let holder = holder.to_owned();
    db.run(move |conn| {
        let removed = diesel::delete(
            leases::table
                .filter(leases::business_id.eq(business_id.as_str()))
                .filter(leases::holder.eq(&holder)),
        )
        .execute(conn)?;
        Ok(removed > 0)
    })
    .await
}

/// The business's lease unless there is none or it expired.
pub async fn get(db: &Db, business_id: &BusinessId) -> Result<Option<Lease>> {
    get_at(db, business_id, time::now()).await
}

/// [`get`] as if the time were `now`.
pub async fn get_at(
    db: &Db,
    business_id: &BusinessId,
    now: NaiveDateTime,
) -> Result<Option<Lease>> {
    let business_id = business_id.clone();
    db.run(move |conn| {
        Ok(leases::table
            .filter(leases::business_id.eq(business_id.as_str()))
            .filter(leases::expires_at.gt(now))
            .select(Lease::as_select())
            .first(conn)
            .optional()?)
    })
    .await
}

fn check_holder(holder: &str) -> Result<()> {
    if holder.trim().is_empty() || holder.len() > 200 {
        return Err(Error::Validation {
            field: "holder",
            message: "1 to 200 characters".into(),
        });
    }
    Ok(())
}
