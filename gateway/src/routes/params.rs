//! Query-string values of the list handlers: read as text, checked for syntax here, and passed on
//! to the service, which owns the rules (defaults, ranges, accepted values).

use crate::{error::ApiError, pagination, views::parse_time};
use std::collections::HashMap;

/// A query string as `name → value`.
pub type Query = HashMap<String, String>;

/// `page` and `limit` as whole numbers (absent: the service's defaults).
pub fn page(q: &Query) -> Result<pagination::PageParams, ApiError> {
    pagination::parse(
        q.get("page").map(String::as_str),
        q.get("limit").map(String::as_str),
    )
    .map_err(|message| {
        let field = if message.starts_with("page") {
            "page"
        } else {
            "limit"
        };
        ApiError::validation(message).with_field(field)
    })
}

/// The value of `name`, or `""` when absent (proto3's "not given").
pub fn text(q: &Query, name: &str) -> String {
    q.get(name).cloned().unwrap_or_default()
}

/// An RFC 3339 time in `name`; absent or empty is `None`, anything else unparsable is a 422
/// naming it.
pub fn time(q: &Query, name: &str) -> Result<Option<prost_types::Timestamp>, ApiError> {
    q.get(name)
        .filter(|v| !v.trim().is_empty())
        .map(|v| parse_time(name, v))
        .transpose()
}

/// An optional RFC 3339 time from a JSON body.
pub fn body_time(
    name: &str,
    value: Option<&str>,
) -> Result<Option<prost_types::Timestamp>, ApiError> {
    value.map(|v| parse_time(name, v)).transpose()
}
