//! Text helpers shared by the aggregates: validation of text fields (required, at most so many
//! characters), JSON kept in TEXT columns, case-insensitive search (`lower`, LIKE patterns).

use crate::error::{Error, Result};

/// Checks that `text` (trimmed) is present and at most `max` characters; returns it trimmed.
pub(crate) fn required_text(field: &'static str, text: &str, max: usize) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Error::validation(field, "is required"));
    }
    if t.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    Ok(t.to_owned())
}

/// Checks that `text` is at most `max` characters.
pub(crate) fn max_text(field: &'static str, text: &str, max: usize) -> Result<()> {
    if text.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    Ok(())
}

/// `#[serde(serialize_with = "json_text")]`: a TEXT column holding JSON appears in the entity's
/// JSON form as that JSON value, not as a string. Malformed stored JSON is a serialisation error.
pub(crate) fn json_text<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    let value: serde_json::Value = serde_json::from_str(text).map_err(serde::ser::Error::custom)?;
    value.serialize(s)
}

diesel::define_sql_function! {
    /// SQL `lower(text)`, for case-insensitive search on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// `text` as a LIKE pattern matching it anywhere, with `%`, `_` and `\` escaped (use with
/// `.escape('\\')`).
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::contains_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
