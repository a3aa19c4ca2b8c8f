//! The proposals (price quotes) domain: line items for one customer, a total computed here
//! (Σ quantity × unit price, before VAT), an optional `valid_until`.
//!
//! Status: `draft → sent`, `sent → accepted | rejected | expired`; anything else is
//! [`Error::Conflict`]. The title and items change only while a draft; `valid_until` while a
//! draft or sent. An accepted proposal is a record and cannot be deleted.
//!
//! A proposal can be signed only while `sent`: an edit that changes the text it is signed as
//! (its validity is part of it, [`crate::signatures::proposal_body`]) revokes its pending signing
//! links, and so does any status other than `sent`.

pub mod convert;
pub mod queries;

pub use queries::Proposal;

use crate::{
    businesses::queries as business,
    customers::queries as customer,
    db::Db,
    enums::ProposalStatus,
    error::{Error, Result},
    ids::{BusinessId, CustomerId, ProposalId},
    line_items::{self, LineItem},
    pagination::Page,
    pagination::{self, SortSpec, Window},
    proposals::queries::{self as proposal, ProposalFilter, ProposalSort, ProposalSortColumn},
    signatures::{self, DocumentRef},
    text, time,
};
use chrono::NaiveDateTime;

pub const MAX_TITLE_CHARS: usize = 200;

/// The order of a proposal list when the caller names none: newest first.
pub const DEFAULT_SORT: ProposalSort = SortSpec {
    column: ProposalSortColumn::CreatedAt,
    descending: true,
};

/// A proposal to create (as a draft).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProposal {
    /// A customer of the same business.
    pub customer_id: CustomerId,
    pub title: String,
    pub items: Vec<LineItem>,
    pub valid_until: Option<NaiveDateTime>,
}

/// A partial change: `None` leaves a field as it is; `valid_until: Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProposalPatch {
    pub title: Option<String>,
    pub items: Option<Vec<LineItem>>,
    pub valid_until: Option<Option<NaiveDateTime>>,
    pub status: Option<ProposalStatus>,
}

/// Parses a `sort` request value: `created_at`, `-created_at`, `valid_until` or
/// `-valid_until`.
pub fn parse_sort(text: &str) -> Result<ProposalSort> {
    pagination::parse_sort(text, ProposalSortColumn::NAMES)
}

/// Whether a proposal may go from `from` to `to` (see the module docs).
pub fn check_transition(from: ProposalStatus, to: ProposalStatus) -> Result<()> {
    use ProposalStatus::*;
    match (from, to) {
        (Draft, Sent) | (Sent, Accepted | Rejected | Expired) => Ok(()),
        _ => Err(Error::Conflict(format!(
            "a proposal cannot go from {from} to {to} (allowed: draft → sent, \
             sent → accepted, rejected or expired)"
        ))),
    }
}

/// The proposals of `business_id` matching `filter`, in `sort` order ([`DEFAULT_SORT`] when
/// `None`), paginated like customers.
pub async fn list(
    db: &Db,
    business_id: &BusinessId,
    page: i64,
    limit: i64,
    filter: ProposalFilter,
    sort: Option<ProposalSort>,
) -> Result<Page<Proposal>> {
    let window = Window::new(page, limit)?;
    let sort = sort.unwrap_or(DEFAULT_SORT);
    let business_id = business_id.clone();
    let (total, items) = db
        .run(move |conn| {
            proposal::list(
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

/// The proposal `id` of `business_id`.
pub async fn get(db: &Db, business_id: &BusinessId, id: &ProposalId) -> Result<Proposal> {
    let (business_id, id) = (business_id.clone(), id.clone());
    db.run(move |conn| proposal::find(conn, &business_id, &id))
        .await?
        .ok_or(Error::NotFound("proposal"))
}

/// Creates a draft proposal: title required (at most 200 characters), items as for invoices,
/// the customer of `business_id`.
pub async fn create(db: &Db, business_id: &BusinessId, new: NewProposal) -> Result<Proposal> {
    let title = text::required_text("title", &new.title, MAX_TITLE_CHARS)?;
    let items = line_items::validate(new.items)?;
    let now = time::now();
    let row = Proposal {
        id: ProposalId::generate(),
        business_id: business_id.clone(),
        customer_id: new.customer_id,
        title,
        total_agorot: line_items::subtotal(&items)?,
        items: line_items::to_json(&items)?,
        status: ProposalStatus::Draft,
        valid_until: new.valid_until.map(time::truncate_micros),
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
        proposal::insert(conn, &row)?;
        Ok(row)
    })
    .await
}

/// Applies `patch` to the proposal `id` of `business_id` (see the module docs, also for the
/// signing links an edit revokes); setting the status it already has changes nothing.
pub async fn update(
    db: &Db,
    business_id: &BusinessId,
    id: &ProposalId,
    patch: ProposalPatch,
) -> Result<Proposal> {
    let title = patch
        .title
        .as_deref()
        .map(|t| text::required_text("title", t, MAX_TITLE_CHARS))
        .transpose()?;
    let items = patch.items.map(line_items::validate).transpose()?;
    let (business_id, id) = (business_id.clone(), id.clone());
    db.transaction(move |conn| {
        let mut p = proposal::find(conn, &business_id, &id)?.ok_or(Error::NotFound("proposal"))?;
        if (title.is_some() || items.is_some()) && p.status != ProposalStatus::Draft {
            return Err(Error::Conflict(format!(
                "the proposal is {}: only a draft's title and items can change",
                p.status
            )));
        }
        if patch.valid_until.is_some()
            && !matches!(p.status, ProposalStatus::Draft | ProposalStatus::Sent)
        {
            return Err(Error::Conflict(format!(
                "the proposal is {}: its validity can no longer change",
                p.status
            )));
        }
        let before = signatures::proposal_sha256(&p)?;
        if let Some(title) = title {
            p.title = title;
        }
        if let Some(items) = items {
            p.total_agorot = line_items::subtotal(&items)?;
            p.items = line_items::to_json(&items)?;
        }
        if let Some(valid_until) = patch.valid_until {
            p.valid_until = valid_until.map(time::truncate_micros);
        }
        if let Some(to) = patch.status.filter(|s| *s != p.status) {
            check_transition(p.status, to)?;
            p.status = to;
        }
        p.updated_at = time::now();
        proposal::save(conn, &p)?;
        let document = DocumentRef::Proposal(p.id.clone());
        if p.status == ProposalStatus::Sent {
            let after = signatures::proposal_sha256(&p)?;
            signatures::revoke_on_text_change(conn, &business_id, &document, &before, &after)?;
        } else {
            signatures::revoke(conn, &business_id, &document)?;
        }
        Ok(p)
    })
    .await
}

/// Deletes the proposal `id` of `business_id`; an accepted one cannot be deleted
/// ([`Error::Conflict`]).
pub async fn delete(db: &Db, business_id: &BusinessId, id: &ProposalId) -> Result<()> {
    let (business_id, id) = (business_id.clone(), id.clone());
    db.transaction(move |conn| {
        let p = proposal::find(conn, &business_id, &id)?.ok_or(Error::NotFound("proposal"))?;
        if p.status == ProposalStatus::Accepted {
            return Err(Error::Conflict(
                "an accepted proposal is a record and cannot be deleted".into(),
            ));
        }
        proposal::delete(conn, &business_id, &id)?;
        Ok(())
    })
    .await
}

/// The line items of `proposal`.
pub fn items_of(proposal: &Proposal) -> Result<Vec<LineItem>> {
    line_items::from_json(&proposal.items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_documented_transitions_are_allowed() {
        use ProposalStatus::*;
        let allowed = [
            (Draft, Sent),
            (Sent, Accepted),
            (Sent, Rejected),
            (Sent, Expired),
        ];
        for from in ProposalStatus::ALL {
            for to in ProposalStatus::ALL {
                assert_eq!(
                    check_transition(*from, *to).is_ok(),
                    allowed.contains(&(*from, *to)),
                    "{from} → {to}"
                );
            }
        }
    }
}
