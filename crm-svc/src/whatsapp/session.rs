//! What the WhatsApp bridge keeps per business: the linked-device auth state (Baileys creds and
//! signal keys, opaque JSON text) and the `@lid` identities whose phone number WhatsApp shared.

use crate::{
    businesses::queries as business,
    db::Db,
    error::{Error, Result},
    ids::BusinessId,
    schema::{
        whatsapp_auth_state as auth, whatsapp_cloud_numbers as cloud, whatsapp_lid_phones as lids,
    },
    time,
};
use diesel::prelude::*;
use std::collections::HashMap;

/// Largest number of keys one read or write may name (Baileys asks for a few dozen at a time).
pub const MAX_KEYS: usize = 1_000;
/// Largest stored value (a creds blob is a few KB).
pub const MAX_VALUE_BYTES: usize = 256 * 1024;

/// The stored values of `keys`; absent keys are missing from the map.
pub async fn get(
    db: &Db,
    business_id: &BusinessId,
    keys: Vec<String>,
) -> Result<HashMap<String, String>> {
    check_keys(keys.iter())?;
    let business_id = business_id.clone();
    db.run(move |conn| {
        let mut out = HashMap::with_capacity(keys.len());
        // Bounded IN lists: SQLite's default limit on bound parameters is well above this.
        for chunk in keys.chunks(500) {
            let rows: Vec<(String, String)> = auth::table
                .filter(auth::business_id.eq(business_id.as_str()))
                .filter(auth::key.eq_any(chunk))
                .select((auth::key, auth::value))
                .load(conn)?;
            out.extend(rows);
        }
        Ok(out)
    })
    .await
}

/// Writes every `Some` value and deletes every `None`, all or nothing.
pub async fn set(
    db: &Db,
    business_id: &BusinessId,
    values: HashMap<String, Option<String>>,
) -> Result<()> {
    check_keys(values.keys())?;
    if let Some((key, _)) = values
        .iter()
        .find(|(_, v)| v.as_ref().is_some_and(|v| v.len() > MAX_VALUE_BYTES))
    {
        return Err(Error::Validation {
            field: "values",
            message: format!("the value of {key} is larger than {MAX_VALUE_BYTES} bytes"),
        });
    }
    let business_id = business_id.clone();
    db.transaction(move |conn| {
        if business::find(conn, &business_id)?.is_none() {
            return Err(Error::NotFound("business"));
        }
        let now = time::now();
        for (key, value) in &values {
            diesel::delete(
                auth::table
                    .filter(auth::business_id.eq(business_id.as_str()))
                    .filter(auth::key.eq(key)),
            )
            .execute(conn)?;
            if let Some(value) = value {
                diesel::insert_into(auth::table)
                    .values((
                        auth::business_id.eq(business_id.as_str()),
                        auth::key.eq(key),
                        auth::value.eq(value),
                        auth::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
    .await
}

/// Forgets the business's pairing (logout).
pub async fn clear(db: &Db, business_id: &BusinessId) -> Result<u64> {
    let business_id = business_id.clone();
    db.run(move |conn| {
        Ok(
            diesel::delete(auth::table.filter(auth::business_id.eq(business_id.as_str())))
                .execute(conn)? as u64,
        )
    })
    .await
}

/// The businesses that have a stored pairing (`creds`), with WhatsApp turned on.
pub async fn paired_businesses(db: &Db) -> Result<Vec<BusinessId>> {
    use crate::schema::businesses;
    db.run(|conn| {
        let ids: Vec<String> = auth::table
            .inner_join(businesses::table.on(businesses::id.eq(auth::business_id)))
            .filter(auth::key.eq("creds"))
            .filter(businesses::whatsapp_enabled.eq(true))
            .select(auth::business_id)
            .order(auth::business_id)
            .load(conn)?;
        Ok(ids.into_iter().map(BusinessId::from).collect())
    })
    .await
}

/// Records that `lid` is `phone` (E.164).
pub async fn link_lid(db: &Db, business_id: &BusinessId, lid: String, phone: String) -> Result<()> {
    if lid.is_empty() || !lid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Validation {
            field: "lid",
            message: "a lid is the digits before @lid".into(),
        });
    }
    let digits = phone.strip_prefix('+').unwrap_or_default();
    if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Validation {
            field: "phone",
            message: "phone must be an E.164 number".into(),
        });
    }
    let business_id = business_id.clone();
    db.transaction(move |conn| {
        if business::find(conn, &business_id)?.is_none() {
            return Err(Error::NotFound("business"));
        }
        diesel::delete(
            lids::table
                .filter(lids::business_id.eq(business_id.as_str()))
                .filter(lids::lid.eq(&lid)),
        )
        .execute(conn)?;
        diesel::insert_into(lids::table)
            .values((
                lids::business_id.eq(business_id.as_str()),
                lids::lid.eq(&lid),
                lids::phone.eq(&phone),
                lids::updated_at.eq(time::now()),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await
}

/// The phone behind `lid`, if WhatsApp shared it.
pub async fn phone_of_lid(
    db: &Db,
    business_id: &BusinessId,
    lid: String,
) -> Result<Option<String>> {
    let business_id = business_id.clone();
    db.run(move |conn| {
        Ok(lids::table
            .filter(lids::business_id.eq(business_id.as_str()))
            .filter(lids::lid.eq(&lid))
            .select(lids::phone)
            .first(conn)
            .optional()?)
    })
    .await
}

/// Sets the business's WhatsApp Cloud API number (`phone_number_id`), replacing its previous one;
/// a number another business already uses is a conflict.
pub async fn set_cloud_number(
    db: &Db,
    business_id: &BusinessId,
    phone_number_id: String,
) -> Result<()> {
    let phone_number_id = phone_number_id.trim().to_owned();
    if phone_number_id.is_empty()
        || phone_number_id.len() > 64
        || !phone_number_id.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(Error::Validation {
            field: "phone_number_id",
            message: "the digits of the phone number id from Meta's WhatsApp Manager".into(),
        });
    }
    let business_id = business_id.clone();
    db.transaction(move |conn| {
        if business::find(conn, &business_id)?.is_none() {
            return Err(Error::NotFound("business"));
        }
        let owner: Option<String> = cloud::table
            .filter(cloud::phone_number_id.eq(&phone_number_id))
            .select(cloud::business_id)
            .first(conn)
            .optional()?;
        if owner.as_deref().is_some_and(|o| o != business_id.as_str()) {
            return Err(Error::Conflict(
                "this WhatsApp number belongs to another business".into(),
            ));
        }
        diesel::delete(cloud::table.filter(cloud::business_id.eq(business_id.as_str())))
            .execute(conn)?;
        diesel::insert_into(cloud::table)
            .values((
                cloud::phone_number_id.eq(&phone_number_id),
                cloud::business_id.eq(business_id.as_str()),
                cloud::updated_at.eq(time::now()),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await
}

/// The business whose Cloud API number is `phone_number_id`.
pub async fn business_of_cloud_number(
    db: &Db,
    phone_number_id: String,
) -> Result<Option<BusinessId>> {
    db.run(move |conn| {
        Ok(cloud::table
            .filter(cloud::phone_number_id.eq(&phone_number_id))
            .select(cloud::business_id)
            .first::<String>(conn)
            .optional()?
            .map(BusinessId::from))
    })
    .await
}

/// The business's Cloud API number, if set.
pub async fn cloud_number_of(db: &Db, business_id: &BusinessId) -> Result<Option<String>> {
    let business_id = business_id.clone();
    db.run(move |conn| {
        Ok(cloud::table
            .filter(cloud::business_id.eq(business_id.as_str()))
            .select(cloud::phone_number_id)
            .first(conn)
            .optional()?)
    })
    .await
}

fn check_keys<'a>(keys: impl ExactSizeIterator<Item = &'a String>) -> Result<()> {
    if keys.len() > MAX_KEYS {
        return Err(Error::Validation {
            field: "keys",
            message: format!("at most {MAX_KEYS} keys at a time"),
        });
    }
    for key in keys {
        if key.is_empty() || key.len() > 200 {
            return Err(Error::Validation {
                field: "keys",
                message: "a key is 1 to 200 characters".into(),
            });
        }
    }
    Ok(())
}
