//! Staff accounts: creating them, checking a sign-in, managing roles and ending sessions.
//!
//! Owners and admins manage the users of their business; only an owner may make someone an
//! owner or change an owner, and a business always keeps at least one active owner. A
//! deactivated user cannot sign in. Signing out or deactivating moves the user's session version
//! on (tokens carry the version they were issued with, so every earlier token stops working) and
//! writes `user.signed_out` to the outbox, on which live connections of the user are closed; other
//! changes write `user.changed`.

pub mod convert;
pub mod queries;

pub use queries::User;

use crate::{
    businesses::queries as business,
    db::{Db, DbConn},
    enums::UserRole,
    error::{Error, Result},
    ids::{BusinessId, UserId},
    outbox::queries as outbox,
    time,
    users::queries::{self as user, hash_password, verify_password},
};
use agentlocator_proto::{
    new_event,
    v1::{Event, UserEvent, UserEventKind, event::Payload},
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
            (true, Some(u)) if u.is_active() => Ok(u),
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

/// Every user of `business_id`, oldest first.
pub async fn list(db: &Db, business_id: &BusinessId) -> Result<Vec<User>> {
    let business_id = business_id.clone();
    db.run(move |conn| user::list(conn, &business_id)).await
}

/// Who asks for a change to a user: the signed-in user's id and current role.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: UserId,
    pub role: UserRole,
}

/// Refuses actors who may not manage users (agents, read-only users).
pub fn require_manager(actor: &Actor) -> Result<()> {
    match actor.role {
        UserRole::Owner | UserRole::Admin => Ok(()),
        UserRole::Agent | UserRole::ReadOnly => Err(Error::Forbidden(
            "only an owner or admin can manage users".into(),
        )),
    }
}

/// A change to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<UserRole>,
    /// `false` deactivates (ends every session), `true` reactivates.
    pub active: Option<bool>,
}

pub const MAX_NAME_CHARS: usize = 200;

/// User `id` of `business_id` acting now, with their current role. A user who is gone or
/// deactivated cannot act ([`Error::Forbidden`]).
pub async fn actor(db: &Db, business_id: &BusinessId, id: &UserId) -> Result<Actor> {
    match get(db, business_id, id).await {
        Ok(u) if u.is_active() => Ok(Actor {
            id: u.id,
            role: u.role,
        }),
        Ok(_) | Err(Error::NotFound(_)) => Err(Error::Forbidden(
            "the acting user is not an active user of this business".into(),
        )),
        Err(e) => Err(e),
    }
}

/// Creates a user of `business_id` on behalf of `actor` (an owner or admin; only an owner may
/// create an owner).
pub async fn invite(
    db: &Db,
    business_id: &BusinessId,
    actor: &Actor,
    new: NewUser,
) -> Result<User> {
    require_manager(actor)?;
    if new.role == UserRole::Owner && actor.role != UserRole::Owner {
        return Err(Error::Forbidden("only an owner can add an owner".into()));
    }
    if new.name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::validation(
            "name",
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    create(db, business_id, new).await
}

/// Applies `patch` to user `id` of `business_id` on behalf of `actor` (see the module's rules).
pub async fn update(
    db: &Db,
    business_id: &BusinessId,
    actor: &Actor,
    id: &UserId,
    patch: UserPatch,
) -> Result<User> {
    require_manager(actor)?;
    if let Some(name) = &patch.name
        && (name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS)
    {
        return Err(Error::validation(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    let (business_id, actor, id) = (business_id.clone(), actor.clone(), id.clone());
    db.transaction(move |conn| {
        let mut u = user::find(conn, &business_id, &id)?.ok_or(Error::NotFound("user"))?;
        let touches_owner = u.role == UserRole::Owner || patch.role == Some(UserRole::Owner);
        if touches_owner && actor.role != UserRole::Owner {
            return Err(Error::Forbidden(
                "only an owner can make someone an owner or change an owner".into(),
            ));
        }
        let was_active_owner = u.role == UserRole::Owner && u.is_active();
        if let Some(name) = patch.name {
            u.name = name.trim().to_owned();
        }
        if let Some(role) = patch.role {
            u.role = role;
        }
        let deactivating = patch.active == Some(false) && u.is_active();
        match patch.active {
            Some(false) if deactivating => {
                u.deactivated_at = Some(time::now());
                u.session_version += 1;
            }
            Some(true) => u.deactivated_at = None,
            _ => {}
        }
        let still_active_owner = u.role == UserRole::Owner && u.is_active();
        if was_active_owner
            && !still_active_owner
            && user::count_active_owners(conn, &business_id)? <= 1
        {
            return Err(Error::Conflict(
                "the business must keep at least one active owner".into(),
            ));
        }
        let kind = if deactivating {
            UserEventKind::SignedOut
        } else {
            UserEventKind::Changed
        };
        save_with_event(conn, &mut u, kind)?;
        Ok(u)
    })
    .await
}

/// Ends every session of user `id` of `business_id` (sign-out on all devices).
pub async fn sign_out(db: &Db, business_id: &BusinessId, id: &UserId) -> Result<User> {
    let (business_id, id) = (business_id.clone(), id.clone());
    db.transaction(move |conn| {
        let mut u = user::find(conn, &business_id, &id)?.ok_or(Error::NotFound("user"))?;
        u.session_version += 1;
        save_with_event(conn, &mut u, UserEventKind::SignedOut)?;
        Ok(u)
    })
    .await
}

fn save_with_event(conn: &mut DbConn, u: &mut User, kind: UserEventKind) -> Result<()> {
    u.updated_at = time::now();
    user::save(conn, u)?;
    outbox::enqueue(conn, &event(u, kind))
}

/// The `user.<kind>` event of `u`.
pub fn event(u: &User, kind: UserEventKind) -> Event {
    new_event(
        u.business_id.as_str(),
        Payload::User(UserEvent {
            kind: kind as i32,
            user_id: u.id.to_string(),
            session_version: u.session_version.max(0) as u32,
            active: u.is_active(),
            role: u.role.to_string(),
        }),
    )
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
        session_version: 0,
        deactivated_at: None,
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
