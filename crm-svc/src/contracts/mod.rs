//! The contracts domain: a title and a body for one customer, e-signed through a public link
//! ([`crate::signatures`]).
//!
//! Status: `draft ⇄ sent` by hand (creating a signing link also sends a draft); `signed` only
//! through a signature — asking for it here is [`Error::Conflict`]. A signed contract is a
//! record: it can no longer change nor be deleted.
//!
//! A contract with a pending signing link can still be edited: an edit that changes its title or
//! body revokes the link (so nobody signs a text they were not shown), and so does moving it back
//! to `draft` (see [`crate::signatures`]).

pub mod convert;
pub mod queries;

pub use queries::Contract;

use crate::{
    businesses::queries as business,
    contracts::queries::{self as contract, ContractFilter, ContractSort, ContractSortColumn},
    customers::queries as customer,
    db::Db,
    enums::ContractStatus,
    error::{Error, Result},
    ids::{BusinessId, ContractId, CustomerId},
    pagination::Page,
    pagination::{self, SortSpec, Window},
    signatures::{self, DocumentRef},
    text, time,
};
use sha2::{Digest, Sha256};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 100_000;

/// The order of a contract list when the caller names none: newest first.
pub const DEFAULT_SORT: ContractSort = SortSpec {
    column: ContractSortColumn::CreatedAt,
    descending: true,
};

/// A contract to create (as a draft).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContract {
    /// A customer of the same business.
    pub customer_id: CustomerId,
    pub title: String,
    pub body: String,
}

/// A partial change: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractPatch {
    pub title: Option<String>,
    pub body: Option<String>,
    /// `draft` or `sent`; `signed` is [`Error::Conflict`] (only a signature signs).
    pub status: Option<ContractStatus>,
}

/// Parses a `sort` request value: `created_at`, `-created_at`, `updated_at` or `-updated_at`.
pub fn parse_sort(text: &str) -> Result<ContractSort> {
    pagination::parse_sort(text, ContractSortColumn::NAMES)
}

/// SHA-256 (lower-case hex) of a contract as signed: its title, a line feed, its body (UTF-8).
/// Titles cannot contain line breaks, so the split is unambiguous.
pub fn document_sha256(title: &str, body: &str) -> String {
    let mut h = Sha256::new();
    h.update(title.as_bytes());
    h.update(b"\n");
    h.update(body.as_bytes());
    hex(&h.finalize())
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The contracts of `business_id` matching `filter`, in `sort` order ([`DEFAULT_SORT`] when
/// `None`), paginated like customers.
pub async fn list(
    db: &Db,
    business_id: &BusinessId,
    page: i64,
    limit: i64,
    filter: ContractFilter,
    sort: Option<ContractSort>,
) -> Result<Page<Contract>> {
    let window = Window::new(page, limit)?;
    let sort = sort.unwrap_or(DEFAULT_SORT);
    let business_id = business_id.clone();
    let (total, items) = db
        .run(move |conn| {
            contract::list(
                conn,
                &business_id,
                &filter,
                sort,
                window.offset,
                window.limit,
            )
        })
        .await?;
    Ok(window.page(total, items))
}

/// The contract `id` of `business_id`.
pub async fn get(db: &Db, business_id: &BusinessId, id: &ContractId) -> Result<Contract> {
    let (business_id, id) = (business_id.clone(), id.clone());
    db.run(move |conn| contract::find(conn, &business_id, &id))
        .await?
        .ok_or(Error::NotFound("contract"))
}

/// Creates a draft contract: title required (at most 200 characters, one line), body at most
/// 100,000 characters, the customer of `business_id`.
pub async fn create(db: &Db, business_id: &BusinessId, new: NewContract) -> Result<Contract> {
    let title = check_title(&new.title)?;
    text::max_text("body", &new.body, MAX_BODY_CHARS)?;
    let now = time::now();
    let row = Contract {
        id: ContractId::generate(),
        business_id: business_id.clone(),
        customer_id: new.customer_id,
        title,
        body: new.body,
        status: ContractStatus::Draft,
        created_at: now,
        updated_at: now,
    };
    db.transaction(move |conn| {
        if !business::exists(conn, &row.business_id)? {
            return Err(Error::NotFound("business"));
        }
        if customer::find(conn, &row.business_id, &row.customer_id)?.is_none() {
            return Err(Error::validation(
                "customer_id",
                "no such customer in this business",
            ));
        }
        contract::insert(conn, &row)?;
        Ok(row)
    })
    .await
}

/// Applies `patch` to the contract `id` of `business_id` (see the module docs for what a
/// status may become, and for the signing links an edit revokes).
pub async fn update(
    db: &Db,
    business_id: &BusinessId,
    id: &ContractId,
    patch: ContractPatch,
) -> Result<Contract> {
    let title = patch.title.as_deref().map(check_title).transpose()?;
    if let Some(body) = &patch.body {
        text::max_text("body", body, MAX_BODY_CHARS)?;
    }
    if patch.status == Some(ContractStatus::Signed) {
        return Err(Error::Conflict(
            "a contract becomes signed only through its signature link".into(),
        ));
    }
    let (business_id, id) = (business_id.clone(), id.clone());
    db.transaction(move |conn| {
        let mut c = contract::find(conn, &business_id, &id)?.ok_or(Error::NotFound("contract"))?;
        if c.status == ContractStatus::Signed {
            return Err(Error::Conflict(
                "the contract is signed and can no longer change".into(),
            ));
        }
        let before = document_sha256(&c.title, &c.body);
        if let Some(title) = title {
            c.title = title;
        }
        if let Some(body) = patch.body {
            c.body = body;
        }
        if let Some(status) = patch.status {
            c.status = status;
        }
        c.updated_at = time::now();
        contract::save(conn, &c)?;
        let document = DocumentRef::Contract(c.id.clone());
        if c.status == ContractStatus::Draft {
            signatures::revoke(conn, &business_id, &document)?;
        } else {
            let after = document_sha256(&c.title, &c.body);
            signatures::revoke_on_text_change(conn, &business_id, &document, &before, &after)?;
        }
        Ok(c)
    })
    .await
}

/// Deletes the contract `id` of `business_id` with its signing links; a signed contract cannot
/// be deleted ([`Error::Conflict`]).
pub async fn delete(db: &Db, business_id: &BusinessId, id: &ContractId) -> Result<()> {
    let (business_id, id) = (business_id.clone(), id.clone());
    db.transaction(move |conn| {
        let c = contract::find(conn, &business_id, &id)?.ok_or(Error::NotFound("contract"))?;
        if c.status == ContractStatus::Signed {
            return Err(Error::Conflict(
                "a signed contract is a record and cannot be deleted".into(),
            ));
        }
        contract::delete(conn, &business_id, &id)?;
        Ok(())
    })
    .await
}

fn check_title(title: &str) -> Result<String> {
    let title = text::required_text("title", title, MAX_TITLE_CHARS)?;
    if title.contains(['\n', '\r']) {
        return Err(Error::validation("title", "must be a single line"));
    }
    Ok(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_hash_is_sha256_of_title_newline_body() {
        // sha256("a\nb")
        assert_eq!(
            document_sha256("a", "b"),
            "7e18f737311b2dc3b2f269dd78396b0351f14fb66efa879f768cb23181883c78"
        );
        let h = document_sha256("חוזה", "גוף החוזה");
        assert_eq!(h.len(), 64);
        assert!(
            h.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        // ("a\n", "b") and ("a", "\nb") would hash alike: that is why titles are one line.
        assert_eq!(
            document_sha256("", ""),
            // sha256("\n")
            "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b"
        );
    }

    #[test]
    fn titles_are_one_line() {
        assert_eq!(check_title(" הסכם ").unwrap(), "הסכם");
        assert!(matches!(
            check_title("שורה\nשנייה"),
            Err(Error::Validation { field: "title", .. })
        ));
    }
}
