//! Staff accounts: creating them and checking a sign-in.

use crate::{
    db::Db,
    enums::UserRole,
    error::{Error, Result},
    ids::{BusinessId, UserId},
    models::{
        User, business,
        user::{self, hash_password, verify_password},
    },
    time,
};

pub const MIN_PASSWORD_CHARS: usize = 10;

/// The user an email and password belong to, or [`Error::Unauthenticated`] — the same for an
/// unknown email as for a wrong password, and taking as long (a hash is verified either way), so
/// a caller cannot tell which accounts exist.
pub async fn authenticate(db: &Db, email: &str, password: &str) -> Result<User> {
    let email = email.trim().to_lowercase();
    let password = password.to_owned();
    let found = db
        .run(move |conn| user::find_by_email(conn, &email))
        .await?;
    tokio::task::spawn_blocking(move || {
        let (hash, user) = match found {
            Some(u) => (u.password_hash.clone(), Some(u)),
            None => (dummy_hash().to_owned(), None),
        };
        match (verify_password(&hash, &password)?, user) {
            (true, Some(u)) => Ok(u),
            _ => Err(Error::Unauthenticated),
        }
    })
    .await
    .map_err(|e| Error::Internal(format!("password check task failed: {e}")))?
}

/// A valid argon2id hash of a random password, verified when the email is unknown so that both
/// answers cost the same.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        hash_password(&uuid::Uuid::now_v7().to_string()).unwrap_or_else(|_| {
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0LeRaVMgQ2ghhdQX2Ahv5vQ2d3mOxUxZ2QfPBjvG6nE".into()
        })
    })
}

/// The user `id` of `business_id`.
pub async fn get(db: &Db, business_id: &BusinessId, id: &UserId) -> Result<User> {
    let (business_id, id) = (business_id.clone(), id.clone());
    db.run(move |conn| user::find(conn, &business_id, &id))
        .await?
        .ok_or(Error::NotFound("user"))
}

/// What a new user is made of.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: UserRole,
    pub password: String,
}

/// Creates a user of `business_id`. Emails are unique across businesses ([`Error::Conflict`]).
pub async fn create(db: &Db, business_id: &BusinessId, new: NewUser) -> Result<User> {
    let email = new.email.trim().to_lowercase();
    if !(email.contains('@') && email.len() <= 254 && !email.contains(char::is_whitespace)) {
        return Err(Error::validation("email", "is not a valid email address"));
    }
    if new.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::validation(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let name = new.name.trim().to_owned();
    let password = new.password;
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::Internal(format!("hashing task failed: {e}")))??;
    let now = time::now();
    let u = User {
        id: UserId::generate(),
        business_id: business_id.clone(),
        email: email.clone(),
        name: if name.is_empty() { email.clone() } else { name },
        password_hash,
        role: new.role,
        created_at: now,
        updated_at: now,
    };
    let row = u.clone();
    db.transaction(move |conn| {
        if !business::exists(conn, &row.business_id)? {
            return Err(Error::NotFound("business"));
        }
        user::insert(conn, &row)
    })
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            Error::Conflict(format!("a user with email {email} already exists"))
        } else {
            e
        }
    })?;
    Ok(u)
}
