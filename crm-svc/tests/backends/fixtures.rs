//! Shared set-up for the domain-module tests: businesses with a customer and a user.

use chrono::{Duration, NaiveDateTime};
use crm_svc::{
    Db, Error,
    businesses::Business,
    customers::Customer,
    customers::{self, NewCustomer},
    enums::UserRole,
    ids::UserId,
    outbox::queries as outbox,
    test_support::create_business,
    time,
    users::User,
    users::queries as user,
};

/// A business with one customer and one staff member.
pub struct Tenant {
    pub business: Business,
    pub customer: Customer,
    pub user: User,
}

/// A fresh business named `name`, with a customer whose phone ends in `n` and a user.
pub async fn tenant(db: &Db, name: &str, n: u32) -> Tenant {
    let business = create_business(db, name).await;
    let customer = customer(db, &business, n).await;
    let u = staff(db, &business).await;
    Tenant {
        business,
        customer,
        user: u,
    }
}

/// Another staff member (role `agent`) of `business`.
pub async fn staff(db: &Db, business: &Business) -> User {
    let now = time::now();
    let u = User {
        id: UserId::generate(),
        business_id: business.id.clone(),
        email: format!("{}@example.com", UserId::generate()),
        name: "נציג".into(),
        password_hash: "not-a-hash".into(),
        role: UserRole::Agent,
        created_at: now,
        updated_at: now,
        session_version: 0,
        deactivated_at: None,
    };
    let row = u.clone();
    db.run(move |conn| user::insert(conn, &row)).await.unwrap();
    u
}

/// Another customer of `business`; `n` keeps phones distinct.
pub async fn customer(db: &Db, business: &Business, n: u32) -> Customer {
    customers::create(
        db,
        &business.id,
        NewCustomer {
            name: format!("לקוח {n}"),
            phone: format!("050-{:07}", 1_000_000 + n),
            ..NewCustomer::default()
        },
    )
    .await
    .unwrap()
}

/// `minutes` from a fixed point in time (microsecond precision, like stored values).
pub fn at(minutes: i64) -> NaiveDateTime {
    chrono::DateTime::parse_from_rfc3339("2026-06-01T09:00:00Z")
        .unwrap()
        .naive_utc()
        + Duration::minutes(minutes)
}

/// The subjects in the outbox, oldest first.
pub async fn outbox_subjects(db: &Db) -> Vec<String> {
    db.run(outbox::all)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.subject)
        .collect()
}

/// The field of a validation error; panics on anything else.
#[track_caller]
pub fn invalid_field<T: std::fmt::Debug>(result: Result<T, Error>) -> &'static str {
    match result {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// Panics unless `result` is [`Error::NotFound`].
#[track_caller]
pub fn assert_not_found<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::NotFound(_)) => {}
        other => panic!("expected not found, got {other:?}"),
    }
}

/// Panics unless `result` is [`Error::Conflict`].
#[track_caller]
pub fn assert_conflict<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Conflict(_)) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
}
