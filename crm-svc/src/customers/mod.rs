//! The customers domain: listing, fetching and creating customers of one business. Plain Rust
//! types in and out (no tonic); every query is scoped to the caller's business.

pub mod convert;
pub mod queries;

pub use queries::Customer;

use crate::{
    businesses::queries as business,
    customers::queries::{self as customer, CustomerFilter},
    db::{Db, DbConn},
    enums::{CustomerSource, CustomerStatus},
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    outbox::queries as outbox,
    pagination::{MAX_LIMIT, Page},
    time,
};
use agentlocator_common::phone::normalize_il;
use agentlocator_proto::{
    new_event,
    v1::{CustomerEvent, CustomerEventKind, Event, event::Payload},
};

const MAX_NAME_CHARS: usize = 200;
const MAX_EMAIL_CHARS: usize = 254;
const MAX_NOTES_CHARS: usize = 10_000;

/// A customer to create. `phone` may be in any Israeli format; it is stored as E.164.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCustomer {
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    /// Defaults to `lead`.
    pub status: Option<CustomerStatus>,
    /// Defaults to `manual`.
    pub source: Option<CustomerSource>,
    pub notes: String,
}

/// The customers of `business_id`, newest first (`created_at DESC, id DESC`).
///
/// `page` is 1-based; `limit` must be at least 1 and is clamped to [`MAX_LIMIT`]. `query`
/// matches name or email (case-insensitive substring) and phone: a query that is an Israeli phone
/// number in any format matches that number exactly, otherwise its digits match anywhere in the
/// phone (`050-12` also finds `+97250 12…`).
pub async fn list(
    db: &Db,
    business_id: &BusinessId,
    page: i64,
    limit: i64,
    query: Option<&str>,
    status: Option<CustomerStatus>,
) -> Result<Page<Customer>> {
    if page < 1 {
        return Err(Error::validation("page", "must be 1 or more"));
    }
    if limit < 1 {
        return Err(Error::validation("limit", "must be 1 or more"));
    }
    let limit = limit.min(MAX_LIMIT);
    let offset = (page - 1)
        .checked_mul(limit)
        .ok_or_else(|| Error::validation("page", "is too large"))?;
    let mut filter = query.map(search_filter).unwrap_or_default();
    filter.status = status;
    let business_id = business_id.clone();
    let (total, items) = db
        .run(move |conn| customer::list(conn, &business_id, &filter, offset, limit))
        .await?;
    Ok(Page {
        page,
        limit,
        total,
        items,
    })
}

/// Most ids [`with_ids`] takes: a page of any list.
pub const MAX_IDS: usize = 100;

/// The customers of `business_id` among `ids`, newest first, as one page; ids of no customer of
/// the business (another business's too) are left out.
pub async fn with_ids(
    db: &Db,
    business_id: &BusinessId,
    mut ids: Vec<CustomerId>,
) -> Result<Page<Customer>> {
    if ids.len() > MAX_IDS {
        return Err(Error::validation("ids", format!("at most {MAX_IDS} ids")));
    }
    ids.sort();
    ids.dedup();
    let business_id = business_id.clone();
    let items = db
        .run(move |conn| customer::with_ids(conn, &business_id, &ids))
        .await?;
    Ok(Page {
        page: 1,
        limit: MAX_IDS as i64,
        total: items.len() as i64,
        items,
    })
}

/// A position in the customer list (newest first): the next page starts after it. Its text form
/// is `<created_at RFC 3339>|<id>`, as the previous page's `next_cursor` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerCursor {
    pub created_at: chrono::NaiveDateTime,
    pub id: CustomerId,
}

impl CustomerCursor {
    /// The cursor of the page after `c`.
    pub fn after(c: &Customer) -> Self {
        CustomerCursor {
            created_at: c.created_at,
            id: c.id.clone(),
        }
    }
}

impl std::fmt::Display for CustomerCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}|{}", time::rfc3339(self.created_at), self.id)
    }
}

impl std::str::FromStr for CustomerCursor {
    type Err = Error;

    /// Parses the text form; anything else is [`Error::Validation`] on `after`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::validation("after", "must be the next_cursor of a previous page");
        let (ts, id) = s.trim().split_once('|').ok_or_else(bad)?;
        let created_at = chrono::DateTime::parse_from_rfc3339(ts).map_err(|_| bad())?;
        if id.is_empty()
            || id.len() > 64
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(bad());
        }
        Ok(CustomerCursor {
            created_at: time::from_utc(created_at.to_utc()),
            id: CustomerId::from(id.to_owned()),
        })
    }
}

/// Like [`list`], but the page is the `limit` customers after `after` (keyset paging: as fast
/// at any depth, and stable while customers are added). The result's `page` is 0; `total`
/// counts the whole list as in [`list`].
pub async fn list_after(
    db: &Db,
    business_id: &BusinessId,
    after: CustomerCursor,
    limit: i64,
    query: Option<&str>,
    status: Option<CustomerStatus>,
) -> Result<Page<Customer>> {
    if limit < 1 {
        return Err(Error::validation("limit", "must be 1 or more"));
    }
    let limit = limit.min(MAX_LIMIT);
    let mut filter = query.map(search_filter).unwrap_or_default();
    filter.status = status;
    filter.after = Some((after.created_at, after.id));
    let business_id = business_id.clone();
    let (total, items) = db
        .run(move |conn| customer::list(conn, &business_id, &filter, 0, limit))
        .await?;
    Ok(Page {
        page: 0,
        limit,
        total,
        items,
    })
}

/// What a free-text query searches (see [`list`]).
fn search_filter(query: &str) -> CustomerFilter {
    let q = query.trim();
    if q.is_empty() {
        return CustomerFilter::default();
    }
    // A whole phone number is looked up on the phone alone: it cannot match a name or an email,
    // and `phone = …` is answered by the (business_id, phone) index instead of a full scan.
    if let Ok(e164) = normalize_il(q) {
        return CustomerFilter {
            phone_exact: Some(e164),
            ..CustomerFilter::default()
        };
    }
    let mut filter = CustomerFilter {
        text: Some(q.to_owned()),
        ..CustomerFilter::default()
    };
    if q.chars().any(|c| c.is_ascii_digit())
        && q.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')' | '.'))
    {
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        // A local prefix (`050-12`) is `+97250 12…` in storage.
        if let Some(national) = digits
            .strip_prefix('0')
            .filter(|n| !n.is_empty() && !n.starts_with('0'))
        {
            filter.phone_contains.push(format!("+972{national}"));
        }
        filter.phone_contains.push(digits);
    }
    filter
}

/// The customer `id` of `business_id`; a customer of another business is [`Error::NotFound`].
pub async fn get(db: &Db, business_id: &BusinessId, id: &CustomerId) -> Result<Customer> {
    let (business_id, id) = (business_id.clone(), id.clone());
    db.run(move |conn| customer::find(conn, &business_id, &id))
        .await?
        .ok_or(Error::NotFound("customer"))
}

/// Creates a customer of `business_id` and, in the same transaction, its `customer.created`
/// event in the outbox. The phone is normalised to E.164 (invalid → [`Error::Validation`] on
/// `phone`); a phone the business already has is [`Error::Conflict`]; an unknown business is
/// [`Error::NotFound`].
pub async fn create(db: &Db, business_id: &BusinessId, new: NewCustomer) -> Result<Customer> {
    let customer = validate(business_id, new)?;
    let row = customer.clone();
    db.transaction(move |conn| {
        if !business::exists(conn, &row.business_id)? {
            return Err(Error::NotFound("business"));
        }
        insert_with_event(conn, &row)
    })
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            Error::Conflict(format!(
                "a customer with phone {} already exists",
                customer.phone
            ))
        } else {
            e
        }
    })?;
    db.poke_outbox();
    Ok(customer)
}

/// A partial change of a customer: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub phone: Option<String>,
    /// `Some("")` clears the email.
    pub email: Option<String>,
    pub status: Option<CustomerStatus>,
    pub notes: Option<String>,
}

/// Applies `patch` to the customer `id` of `business_id`, validating like [`create`]; a phone
/// another customer of the business has is [`Error::Conflict`].
pub async fn update(
    db: &Db,
    business_id: &BusinessId,
    id: &CustomerId,
    patch: CustomerPatch,
) -> Result<Customer> {
    let (business_id, id) = (business_id.clone(), id.clone());
    let updated = db
        .transaction(move |conn| update_in(conn, &business_id, &id, patch))
        .await?;
    db.poke_outbox();
    Ok(updated)
}

/// [`update`] on a connection inside a transaction, with the `customer.updated` event in the
/// outbox.
pub fn update_in(
    conn: &mut DbConn,
    business_id: &BusinessId,
    id: &CustomerId,
    patch: CustomerPatch,
) -> Result<Customer> {
    let current = customer::find(conn, business_id, id)?.ok_or(Error::NotFound("customer"))?;
    // Re-validate the merged record with the same rules as a new one.
    let merged = validate(
        business_id,
        NewCustomer {
            name: patch.name.unwrap_or(current.name.clone()),
            phone: patch.phone.unwrap_or(current.phone.clone()),
            email: patch.email.or(current.email.clone()),
            status: Some(patch.status.unwrap_or(current.status)),
            source: Some(current.source),
            notes: patch.notes.unwrap_or(current.notes.clone()),
        },
    )?;
    let updated = Customer {
        id: current.id,
        business_id: current.business_id,
        source: current.source,
        created_at: current.created_at,
        updated_at: time::now(),
        name: merged.name,
        phone: merged.phone,
        email: merged.email,
        status: merged.status,
        notes: merged.notes,
    };
    match customer::save(conn, &updated) {
        Err(e) if e.is_unique_violation() => Err(Error::Conflict(format!(
            "a customer with phone {} already exists",
            updated.phone
        ))),
        Err(e) => Err(e),
        Ok(_) => {
            outbox::enqueue(
                conn,
                &event(&updated, CustomerEventKind::Updated, updated.updated_at),
            )?;
            Ok(updated)
        }
    }
}

/// Deletes the customer `id` of `business_id`. Calls, messages, tasks and appointments stay
/// (without a customer); a customer with invoices, contracts or proposals cannot be deleted
/// ([`Error::Conflict`]) — those are business records.
pub async fn delete(db: &Db, business_id: &BusinessId, id: &CustomerId) -> Result<()> {
    let (business_id, id) = (business_id.clone(), id.clone());
    let deleted = db
        .transaction(move |conn| {
            let current = customer::find(conn, &business_id, &id)?;
            let n = customer::delete(conn, &business_id, &id)?;
            if let Some(c) = current.filter(|_| n > 0) {
                outbox::enqueue(conn, &event(&c, CustomerEventKind::Deleted, time::now()))?;
            }
            Ok(n)
        })
        .await
        .map_err(|e| match e {
            Error::Database(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _,
            )) => Error::Conflict(
                "the customer has invoices, contracts or proposals; remove those first".into(),
            ),
            other => other,
        })?;
    if deleted == 0 {
        return Err(Error::NotFound("customer"));
    }
    db.poke_outbox();
    Ok(())
}

/// Checks and normalises `new` into the row to insert.
pub(crate) fn validate(business_id: &BusinessId, new: NewCustomer) -> Result<Customer> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(Error::validation("name", "is required"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::validation(
            "name",
            format!("is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    let phone = normalize_il(&new.phone).map_err(|e| Error::validation("phone", e.to_string()))?;
    let email = match new.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(e) => Some(validate_email(e)?),
    };
    if new.notes.chars().count() > MAX_NOTES_CHARS {
        return Err(Error::validation(
            "notes",
            format!("is longer than {MAX_NOTES_CHARS} characters"),
        ));
    }
    let now = time::now();
    Ok(Customer {
        id: CustomerId::generate(),
        business_id: business_id.clone(),
        name: name.to_owned(),
        phone,
        email,
        status: new.status.unwrap_or(CustomerStatus::Lead),
        source: new.source.unwrap_or(CustomerSource::Manual),
        notes: new.notes,
        created_at: now,
        updated_at: now,
    })
}

/// A plausible address, lower-cased: one `@` with something on both sides and a dot in the
/// domain, no spaces. (Deliverability is the mail server's business.)
fn validate_email(email: &str) -> Result<String> {
    let bad = || Error::validation("email", "is not a valid email address");
    if email.chars().count() > MAX_EMAIL_CHARS || email.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(bad());
    }
    Ok(email.to_lowercase())
}

/// Inserts `customer` and its `customer.created` event into the outbox, on a connection already
/// inside a transaction. A duplicate phone is the database's unique violation
/// ([`Error::is_unique_violation`]): [`create`] reports it as a conflict, the event consumer
/// retries (someone else created the customer meanwhile).
pub fn insert_with_event(conn: &mut DbConn, customer: &Customer) -> Result<()> {
    customer::insert(conn, customer)?;
    outbox::enqueue(conn, &created_event(customer))
}

/// The `customer.created` event of `customer`.
pub fn created_event(customer: &Customer) -> Event {
    event(customer, CustomerEventKind::Created, customer.created_at)
}

/// The `customer.<kind>` event of `customer`, as it is at `at` (a deleted customer's without
/// its status).
fn event(customer: &Customer, kind: CustomerEventKind, at: chrono::NaiveDateTime) -> Event {
    let mut event = new_event(
        customer.business_id.as_str(),
        Payload::Customer(CustomerEvent {
            kind: kind as i32,
            customer_id: customer.id.to_string(),
            name: customer.name.clone(),
            phone: customer.phone.clone(),
            source: customer.source.to_string(),
            status: if kind == CustomerEventKind::Deleted {
                String::new()
            } else {
                customer.status.to_string()
            },
        }),
    );
    event.occurred_at = Some(agentlocator_proto::to_timestamp(time::to_utc(at)));
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_queries_match_exactly_and_digit_fragments_match_anywhere() {
        for q in [
            "050-1234567",
            "+972 50 123 4567",
            "0501234567",
            "972501234567",
        ] {
            let f = search_filter(q);
            assert_eq!(f.phone_exact.as_deref(), Some("+972501234567"), "{q}");
            assert!(f.phone_contains.is_empty());
        }
        let f = search_filter(" 050-12 ");
        assert_eq!(f.phone_exact, None);
        assert_eq!(
            f.phone_contains,
            vec!["+9725012".to_string(), "05012".into()]
        );
        assert_eq!(f.text.as_deref(), Some("050-12"));

        let f = search_filter("כהן");
        assert!(f.phone_exact.is_none() && f.phone_contains.is_empty());
        assert_eq!(search_filter("   "), CustomerFilter::default());
        // Digits inside words are not a phone search.
        assert!(search_filter("דירה 5").phone_contains.is_empty());
    }

    #[test]
    fn validation_names_the_field() {
        let b = BusinessId::from("b");
        let ok = NewCustomer {
            name: " דנה ".into(),
            phone: "052-765-4321".into(),
            email: Some(" Dana@Example.COM ".into()),
            ..Default::default()
        };
        let c = validate(&b, ok.clone()).unwrap();
        assert_eq!(c.name, "דנה");
        assert_eq!(c.phone, "+972527654321");
        assert_eq!(c.email.as_deref(), Some("dana@example.com"));
        assert_eq!(
            (c.status, c.source),
            (CustomerStatus::Lead, CustomerSource::Manual)
        );

        let field = |n: NewCustomer| match validate(&b, n) {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        };
        assert_eq!(
            field(NewCustomer {
                name: " ".into(),
                ..ok.clone()
            }),
            "name"
        );
        assert_eq!(
            field(NewCustomer {
                phone: "12345".into(),
                ..ok.clone()
            }),
            "phone"
        );
        assert_eq!(
            field(NewCustomer {
                email: Some("no-at-sign".into()),
                ..ok.clone()
            }),
            "email"
        );
        assert_eq!(
            validate(
                &b,
                NewCustomer {
                    email: Some("  ".into()),
                    ..ok
                }
            )
            .unwrap()
            .email,
            None
        );
    }
}
