//! Pages and their arithmetic, shared by the list functions of the aggregates: a 1-based `page` and a
//! `limit` (clamped to [`MAX_LIMIT`]) become SQL `LIMIT`/`OFFSET`, and the result a [`Page`].

use crate::error::{Error, Result};
use serde::Serialize;

/// Page size when the caller names none.
pub const DEFAULT_LIMIT: i64 = 25;
/// Largest page size; larger requests are clamped to it.
pub const MAX_LIMIT: i64 = 100;

/// One page of a list: `{page, limit, total, items}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// 1-based.
    pub page: i64,
    /// The page size actually used (after clamping).
    pub limit: i64,
    /// How many items match in all pages.
    pub total: i64,
    pub items: Vec<T>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// 1-based.
    pub page: i64,
    /// After clamping to [`MAX_LIMIT`].
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

impl Window {
    /// `page` must be 1 or more and `limit` 1 or more (larger than [`MAX_LIMIT`] is clamped);
    /// otherwise [`Error::Validation`] naming the field.
    pub fn new(page: i64, limit: i64) -> Result<Window> {
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
        Ok(Window {
            page,
            limit,
            offset,
        })
    }

    /// The page of `items` out of `total`.
    pub fn page<T>(self, total: i64, items: Vec<T>) -> Page<T> {
        Page {
            page: self.page,
            limit: self.limit,
            total,
            items,
        }
    }
}

/// A sort order named in a list request: a column, optionally prefixed with `-` for descending
/// (`created_at`, `-created_at`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortSpec<C> {
    pub column: C,
    pub descending: bool,
}

/// Parses `text` (`column` or `-column`) against the allowed `columns`; anything else is
/// [`Error::Validation`] on `sort`, listing the accepted values.
pub fn parse_sort<C: Copy>(text: &str, columns: &[(&str, C)]) -> Result<SortSpec<C>> {
    let text = text.trim();
    let (name, descending) = match text.strip_prefix('-') {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    columns
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, column)| SortSpec {
            column: *column,
            descending,
        })
        .ok_or_else(|| {
            let accepted: Vec<String> = columns
                .iter()
                .flat_map(|(n, _)| [n.to_string(), format!("-{n}")])
                .collect();
            Error::validation("sort", format!("must be one of: {}", accepted.join(", ")))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_clamp_and_reject_nonsense() {
        assert_eq!(
            Window::new(3, 10).unwrap(),
            Window {
                page: 3,
                limit: 10,
                offset: 20
            }
        );
        assert_eq!(Window::new(1, 10_000).unwrap().limit, MAX_LIMIT);
        for (page, limit, field) in [(0, 10, "page"), (1, 0, "limit"), (i64::MAX, 100, "page")] {
            match Window::new(page, limit) {
                Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn sort_specs_accept_listed_columns_with_optional_minus() {
        let cols = [("created_at", 1), ("due_at", 2)];
        assert_eq!(
            parse_sort("-due_at", &cols).unwrap(),
            SortSpec {
                column: 2,
                descending: true
            }
        );
        assert!(!parse_sort("created_at", &cols).unwrap().descending);
        let err = parse_sort("title", &cols).unwrap_err().to_string();
        assert!(
            err.starts_with("sort: must be one of: created_at, -created_at"),
            "{err}"
        );
    }

    #[test]
    fn text_checks_trim_and_count_characters_not_bytes() {
        assert_eq!(
            crate::text::required_text("title", "  משימה ", 6).unwrap(),
            "משימה"
        );
        assert!(crate::text::required_text("title", "   ", 10).is_err());
        assert!(crate::text::required_text("title", "אבגדהוז", 6).is_err());
        assert!(crate::text::max_text("notes", "אבג", 3).is_ok());
    }
}
