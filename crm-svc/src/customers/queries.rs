use crate::text::{contains_pattern, lower};
use crate::{
    db::{DbConn, MultiBackend},
    enums::{CustomerSource, CustomerStatus},
    error::Result,
    ids::{BusinessId, CustomerId},
    schema::customers,
    time,
};
use chrono::NaiveDateTime;
use diesel::{prelude::*, sql_types::Bool};
use serde::Serialize;

/// A person a business deals with; unique per business by phone (E.164).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = customers)]
pub struct Customer {
    pub id: CustomerId,
    pub business_id: BusinessId,
    pub name: String,
    /// E.164, `+972…`.
    pub phone: String,
    pub email: Option<String>,
    pub status: CustomerStatus,
    pub source: CustomerSource,
    pub notes: String,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
}

/// What a customer list is narrowed to. Search terms are OR-ed; status is AND-ed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFilter {
    pub status: Option<CustomerStatus>,
    /// Matches name or email containing this text, case-insensitively.
    pub text: Option<String>,
    /// Matches this exact E.164 phone.
    pub phone_exact: Option<String>,
    /// Matches phones containing any of these digit strings.
    pub phone_contains: Vec<String>,
    /// Keyset paging: only customers after this `(created_at, id)` in list order (older, or as
    /// old with a smaller id). Does not narrow the `total`.
    pub after: Option<(NaiveDateTime, CustomerId)>,
}

type Condition = Box<dyn BoxableExpression<customers::table, MultiBackend, SqlType = Bool>>;

fn filtered<'a>(
    business_id: &'a BusinessId,
    filter: &'a CustomerFilter,
) -> customers::BoxedQuery<'a, MultiBackend> {
    let mut query = customers::table
        .filter(customers::business_id.eq(business_id))
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(customers::status.eq(status));
    }
    let mut search: Option<Condition> = None;
    let mut or = |c: Condition| {
        search = Some(match search.take() {
            Some(s) => Box::new(s.or(c)),
            None => c,
        });
    };
    if let Some(text) = &filter.text {
        let pattern = contains_pattern(&text.to_lowercase());
        or(Box::new(
            lower(customers::name).like(pattern.clone()).escape('\\'),
        ));
        or(Box::new(
            customers::email.is_not_null().and(
                lower(customers::email.assume_not_null())
                    .like(pattern)
                    .escape('\\'),
            ),
        ));
    }
    if let Some(phone) = &filter.phone_exact {
        or(Box::new(customers::phone.eq(phone.clone())));
    }
    for digits in &filter.phone_contains {
        or(Box::new(
            customers::phone.like(contains_pattern(digits)).escape('\\'),
        ));
    }
    if let Some(search) = search {
        query = query.filter(search);
    }
    if let Some((ts, id)) = &filter.after {
        // `created_at <= ts` bounds the index range; the OR breaks ties on id.
        query = query.filter(
            customers::created_at.le(*ts).and(
                customers::created_at
                    .lt(*ts)
                    .or(customers::id.lt(id.clone())),
            ),
        );
    }
    query
}

/// The customers of `business_id` matching `filter`, newest first (`created_at DESC, id DESC`),
/// `limit` of them after skipping `offset`, plus how many match in all.
pub fn list(
    conn: &mut DbConn,
    business_id: &BusinessId,
    filter: &CustomerFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Customer>)> {
    let total = if filter.text.is_none()
        && filter.phone_exact.is_none()
        && filter.phone_contains.is_empty()
    {
        // No search: the trigger-kept counts answer without counting the rows.
        counted(conn, business_id, filter.status)?
    } else {
        let whole = CustomerFilter {
            after: None,
            ..filter.clone()
        };
        filtered(business_id, &whole)
            .select(diesel::dsl::count_star())
            .get_result(conn)?
    };
    let newest_first = (customers::created_at.desc(), customers::id.desc());
    let items = if offset == 0 {
        filtered(business_id, filter)
            .order(newest_first)
            .limit(limit)
            .select(Customer::as_select())
            .load(conn)?
    } else {
        // Deferred join: skip `offset` rows over the `(business_id, created_at, id)` index alone
        // (an index-only scan when nothing is searched), then read just the `limit` rows kept by
        // primary key. A plain OFFSET would read every skipped row from the table. (Two
        // statements: diesel's MultiConnection cannot box a subselect into `IN (…)`.)
        let page_ids: Vec<CustomerId> = filtered(business_id, filter)
            .order(newest_first)
            .limit(limit)
            .offset(offset)
            .select(customers::id)
            .load(conn)?;
        if page_ids.is_empty() {
            Vec::new()
        } else {
            customers::table
                .filter(customers::business_id.eq(business_id))
                .filter(customers::id.eq_any(&page_ids))
                .order(newest_first)
                .select(Customer::as_select())
                .load(conn)?
        }
    };
    Ok((total, items))
}

/// The customers of `business_id` among `ids`, newest first.
pub fn with_ids(
    conn: &mut DbConn,
    business_id: &BusinessId,
    ids: &[CustomerId],
) -> Result<Vec<Customer>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(customers::table
        .filter(customers::business_id.eq(business_id))
        .filter(customers::id.eq_any(ids))
        .order((customers::created_at.desc(), customers::id.desc()))
        .select(Customer::as_select())
        .load(conn)?)
}

/// Customers of `business_id` (of one status, or all) from `customer_counts`.
fn counted(
    conn: &mut DbConn,
    business_id: &BusinessId,
    status: Option<CustomerStatus>,
) -> Result<i64> {
    use crate::schema::customer_counts as cc;
    let mut q = cc::table
        .filter(cc::business_id.eq(business_id.as_str()))
        .select(cc::n)
        .into_boxed();
    if let Some(status) = status {
        q = q.filter(cc::status.eq(status.as_str()));
    }
    Ok(q.load::<i64>(conn)?.into_iter().sum())
}

pub fn insert(conn: &mut DbConn, customer: &Customer) -> Result<()> {
    diesel::insert_into(customers::table)
        .values(customer)
        .execute(conn)?;
    Ok(())
}

/// The customer `id` of `business_id`; a customer of another business is `None`.
pub fn find(
    conn: &mut DbConn,
    business_id: &BusinessId,
    id: &CustomerId,
) -> Result<Option<Customer>> {
    Ok(customers::table
        .filter(customers::id.eq(id))
        .filter(customers::business_id.eq(business_id))
        .select(Customer::as_select())
        .first(conn)
        .optional()?)
}

/// The customer of `business_id` with the E.164 `phone`.
pub fn find_by_phone(
    conn: &mut DbConn,
    business_id: &BusinessId,
    phone: &str,
) -> Result<Option<Customer>> {
    Ok(customers::table
        .filter(customers::business_id.eq(business_id))
        .filter(customers::phone.eq(phone))
        .select(Customer::as_select())
        .first(conn)
        .optional()?)
}

pub fn count(conn: &mut DbConn, business_id: &BusinessId) -> Result<i64> {
    Ok(customers::table
        .filter(customers::business_id.eq(business_id))
        .count()
        .get_result(conn)?)
}

/// Writes every column of `customer` (matched by id and business).
pub fn save(conn: &mut DbConn, customer: &Customer) -> Result<usize> {
    Ok(diesel::update(
        customers::table
            .filter(customers::id.eq(&customer.id))
            .filter(customers::business_id.eq(&customer.business_id)),
    )
    .set((
        customers::name.eq(&customer.name),
        customers::phone.eq(&customer.phone),
        customers::email.eq(&customer.email),
        customers::status.eq(customer.status),
        customers::notes.eq(&customer.notes),
        customers::updated_at.eq(customer.updated_at),
    ))
    .execute(conn)?)
}

/// Deletes the customer `id` of `business_id`; returns how many rows went (0 or 1).
pub fn delete(conn: &mut DbConn, business_id: &BusinessId, id: &CustomerId) -> Result<usize> {
    Ok(diesel::delete(
        customers::table
            .filter(customers::id.eq(id))
            .filter(customers::business_id.eq(business_id)),
    )
    .execute(conn)?)
}
