use crate::{
    db::DbConn,
    enums::UserRole,
    error::{Error, Result},
    ids::{BusinessId, UserId},
    schema::users,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A staff member who logs in to the web app.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub business_id: BusinessId,
    /// Always lower-case.
    pub email: String,
    pub name: String,
    /// Argon2id PHC string; never serialised.
    #[serde(skip)]
    pub password_hash: String,
    pub role: UserRole,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
    /// Tokens must carry this version; signing out moves it on. Never serialised.
    #[serde(skip)]
    pub session_version: i32,
    /// Set while the user is deactivated: no sign-in, no token accepted.
    #[serde(serialize_with = "time::serde_rfc3339_opt")]
    pub deactivated_at: Option<NaiveDateTime>,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }
}

/// Argon2id (default parameters, random salt) PHC string of `password`. CPU-heavy: call it from
/// blocking code.
pub fn hash_password(password: &str) -> Result<String> {
    use argon2::{Argon2, PasswordHasher};
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}

/// Whether `password` matches the PHC string `hash`. A malformed hash is an error, not `false`.
pub fn verify_password(hash: &str, password: &str) -> Result<bool> {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};
    let parsed = PasswordHash::new(hash)
        .map_err(|e| Error::Internal(format!("stored password hash is malformed: {e}")))?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(Error::Internal(format!(
            "password verification failed: {e}"
        ))),
    }
}

pub fn insert(conn: &mut DbConn, user: &User) -> Result<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
}

/// The user with `email` (matched lower-cased), of any business: emails are unique.
pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// The user `id` of `business_id`.
pub fn find(conn: &mut DbConn, business_id: &BusinessId, id: &UserId) -> Result<Option<User>> {
    Ok(users::table
        .filter(users::id.eq(id))
        .filter(users::business_id.eq(business_id))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// Every user of `business_id`, oldest first.
pub fn list(conn: &mut DbConn, business_id: &BusinessId) -> Result<Vec<User>> {
    Ok(users::table
        .filter(users::business_id.eq(business_id))
        .order((users::created_at.asc(), users::id.asc()))
        .select(User::as_select())
        .load(conn)?)
}

/// Active owners of `business_id`.
pub fn count_active_owners(conn: &mut DbConn, business_id: &BusinessId) -> Result<i64> {
    Ok(users::table
        .filter(users::business_id.eq(business_id))
        .filter(users::role.eq(UserRole::Owner))
        .filter(users::deactivated_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Writes the changeable columns of `user` (name, role, session version, deactivation).
pub fn save(conn: &mut DbConn, user: &User) -> Result<()> {
    let n = diesel::update(
        users::table
            .filter(users::id.eq(&user.id))
            .filter(users::business_id.eq(&user.business_id)),
    )
    .set((
        users::name.eq(&user.name),
        users::role.eq(user.role),
        users::session_version.eq(user.session_version),
        users::deactivated_at.eq(user.deactivated_at),
        users::updated_at.eq(user.updated_at),
    ))
    .execute(conn)?;
    match n {
        0 => Err(Error::NotFound("user")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn password_hashes_verify_and_differ_per_salt() {
        let a = super::hash_password("סיסמה-1").unwrap();
        let b = super::hash_password("סיסמה-1").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(super::verify_password(&a, "סיסמה-1").unwrap());
        assert!(!super::verify_password(&a, "wrong").unwrap());
        assert!(super::verify_password("not a hash", "x").is_err());
    }
}
