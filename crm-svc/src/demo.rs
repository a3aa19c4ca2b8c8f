//! Demo data for the embedded default: a demo business, its owner, and 50 customers with Hebrew
//! names and valid Israeli mobile numbers. Idempotent: the business is found by its slug, the
//! owner by email and the customers by phone, so running it again adds nothing.

use crate::{
    customers,
    db::Db,
    enums::{CustomerSource, CustomerStatus, UserRole},
    error::{Error, Result},
    ids::{BusinessId, CustomerId, UserId},
    models::{Business, Customer, User, business, customer, user},
    strings, time,
};
use rand::{Rng, distr::Alphanumeric};

pub const DEMO_SLUG: &str = "demo";
pub const DEMO_OWNER_EMAIL: &str = "owner@demo.local";
pub const DEMO_CUSTOMER_COUNT: usize = 50;

/// What [`seed_demo`] found or made.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub business_id: BusinessId,
    pub business_created: bool,
    pub owner_email: String,
    /// The owner's password in plain text — only when this call created the owner (print it once;
    /// it is stored only as an argon2 hash).
    pub owner_password: Option<String>,
    pub customers_created: usize,
    /// Customers of the demo business after seeding.
    pub customers_total: i64,
}

impl std::fmt::Debug for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoSummary")
            .field("business_id", &self.business_id)
            .field("business_created", &self.business_created)
            .field("owner_email", &self.owner_email)
            .field(
                "owner_password",
                &self.owner_password.as_ref().map(|_| "<redacted>"),
            )
            .field("customers_created", &self.customers_created)
            .field("customers_total", &self.customers_total)
            .finish()
    }
}

/// One demo customer: name, E.164 mobile, email, status, source, notes.
struct DemoCustomer {
    name: String,
    phone: String,
    email: Option<String>,
    status: CustomerStatus,
    source: CustomerSource,
    notes: &'static str,
}

/// The fixed list of demo customers (same every run).
fn demo_customers() -> Vec<DemoCustomer> {
    const MOBILE_PREFIXES: [&str; 5] = ["50", "52", "53", "54", "58"];
    let statuses = [
        CustomerStatus::Lead,
        CustomerStatus::Active,
        CustomerStatus::Active,
        CustomerStatus::Inactive,
    ];
    let sources = [
        CustomerSource::Manual,
        CustomerSource::Call,
        CustomerSource::Whatsapp,
        CustomerSource::Import,
    ];
    let mut out = Vec::with_capacity(DEMO_CUSTOMER_COUNT);
    for i in 0..DEMO_CUSTOMER_COUNT {
        let first = strings::DEMO_FIRST_NAMES[i % strings::DEMO_FIRST_NAMES.len()];
        let last = strings::DEMO_LAST_NAMES
            [(i / strings::DEMO_FIRST_NAMES.len()) % strings::DEMO_LAST_NAMES.len()];
        // Distinct for every i < 50: 2_000_000 + 49 * 37_913 < 10_000_000.
        let subscriber = 2_000_000 + i * 37_913;
        out.push(DemoCustomer {
            name: format!("{first} {last}"),
            phone: format!(
                "+972{}{subscriber:07}",
                MOBILE_PREFIXES[i % MOBILE_PREFIXES.len()]
            ),
            email: (i % 3 == 0).then(|| format!("customer{:02}@example.co.il", i + 1)),
            status: statuses[i % statuses.len()],
            source: sources[i % sources.len()],
            notes: strings::DEMO_NOTES[i % strings::DEMO_NOTES.len()],
        });
    }
    out
}

fn random_password() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

/// Creates whatever part of the demo data is missing (see the module docs).
pub async fn seed_demo(db: &Db) -> Result<DemoSummary> {
    // Hash a password up front only when the owner is missing: argon2 is slow on purpose and
    // should not run while holding the write lock.
    let owner_exists = db
        .run(|conn| Ok(user::find_by_email(conn, DEMO_OWNER_EMAIL)?.is_some()))
        .await?;
    let new_owner = if owner_exists {
        None
    } else {
        let password = random_password();
        let plain = password.clone();
        let hash = tokio::task::spawn_blocking(move || user::hash_password(&plain))
            .await
            .map_err(|e| Error::Internal(format!("password hashing task failed: {e}")))??;
        Some((password, hash))
    };

    let summary = db
        .transaction(move |conn| {
            let (business, business_created) = match business::find_by_slug(conn, DEMO_SLUG)? {
                Some(b) => (b, false),
                None => {
                    let mut b = Business::new(strings::DEMO_BUSINESS_NAME, DEMO_SLUG);
                    b.greeting_text = strings::DEMO_GREETING.into();
                    let qa: Vec<_> = strings::DEMO_KNOWLEDGE
                        .iter()
                        .map(|(q, a)| serde_json::json!({ "q": q, "a": a }))
                        .collect();
                    b.knowledge_qa = serde_json::Value::from(qa).to_string();
                    business::insert(conn, &b)?;
                    (b, true)
                }
            };

            let mut owner_password = None;
            if user::find_by_email(conn, DEMO_OWNER_EMAIL)?.is_none() {
                let (password, hash) = match new_owner {
                    Some(p) => p,
                    // Deleted between the check and now: hash here rather than fail.
                    None => {
                        let p = random_password();
                        let h = user::hash_password(&p)?;
                        (p, h)
                    }
                };
                let now = time::now();
                user::insert(
                    conn,
                    &User {
                        id: UserId::generate(),
                        business_id: business.id.clone(),
                        email: DEMO_OWNER_EMAIL.into(),
                        name: strings::DEMO_OWNER_NAME.into(),
                        password_hash: hash,
                        role: UserRole::Owner,
                        created_at: now,
                        updated_at: now,
                    },
                )?;
                owner_password = Some(password);
            }

            let now = time::now();
            let mut customers_created = 0;
            let demo = demo_customers();
            let count = demo.len();
            for (i, d) in demo.into_iter().enumerate() {
                if customer::find_by_phone(conn, &business.id, &d.phone)?.is_some() {
                    continue;
                }
                // Spread over the past weeks, the first one oldest, so lists look lived-in.
                let created_at = now - chrono::Duration::hours(7 * (count - i) as i64);
                let c = Customer {
                    id: CustomerId::generate(),
                    business_id: business.id.clone(),
                    name: d.name,
                    phone: d.phone,
                    email: d.email,
                    status: d.status,
                    source: d.source,
                    notes: d.notes.into(),
                    created_at,
                    updated_at: created_at,
                };
                customers::insert_with_event(conn, &c)?;
                customers_created += 1;
            }
            let customers_total = customer::count(conn, &business.id)?;
            Ok(DemoSummary {
                business_id: business.id,
                business_created,
                owner_email: DEMO_OWNER_EMAIL.into(),
                owner_password,
                customers_created,
                customers_total,
            })
        })
        .await?;
    if summary.customers_created > 0 {
        db.poke_outbox();
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentlocator_common::phone::normalize_il;
    use std::collections::HashSet;

    #[test]
    fn demo_customers_are_fifty_distinct_valid_israeli_mobiles() {
        let list = demo_customers();
        assert_eq!(list.len(), DEMO_CUSTOMER_COUNT);
        let phones: HashSet<_> = list.iter().map(|c| c.phone.clone()).collect();
        assert_eq!(phones.len(), DEMO_CUSTOMER_COUNT);
        for c in &list {
            assert_eq!(normalize_il(&c.phone).as_deref(), Ok(c.phone.as_str()));
            assert!(c.phone.starts_with("+9725"));
        }
        let names: HashSet<_> = list.iter().map(|c| c.name.clone()).collect();
        assert_eq!(names.len(), DEMO_CUSTOMER_COUNT);
    }

    #[test]
    fn summary_debug_hides_the_password() {
        let s = DemoSummary {
            business_id: "b".into(),
            business_created: true,
            owner_email: DEMO_OWNER_EMAIL.into(),
            owner_password: Some("hunter2hunter2".into()),
            customers_created: 0,
            customers_total: 0,
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
