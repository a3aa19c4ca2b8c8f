//! Reading `page` and `limit` from a query string. Only the syntax is checked here (whole
//! numbers); the defaults and ranges (page ≥ 1, limit 1..=100 with larger values clamped) are the
//! CRM's rules and live in crm-svc, so there is one definition of them.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageParams {
    /// `None` when not given: the service applies its default.
    pub page: Option<i64>,
    pub limit: Option<i64>,
}

/// Parses the raw `page`/`limit` values; a missing or empty value is `None`.
pub fn parse(page: Option<&str>, limit: Option<&str>) -> Result<PageParams, String> {
    Ok(PageParams {
        page: whole("page", page)?,
        limit: whole("limit", limit)?,
    })
}

fn whole(name: &str, raw: Option<&str>) -> Result<Option<i64>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("{name}: must be a whole number, got {v:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_values_and_numbers() {
        assert_eq!(
            parse(None, None),
            Ok(PageParams {
                page: None,
                limit: None
            })
        );
        assert_eq!(
            parse(Some("3"), Some("1000")),
            Ok(PageParams {
                page: Some(3),
                limit: Some(1000)
            })
        );
        assert_eq!(
            parse(Some(""), Some(" 7 ")),
            Ok(PageParams {
                page: None,
                limit: Some(7)
            })
        );
        // Ranges are checked by crm-svc; zero and negatives pass through to be rejected there.
        assert_eq!(
            parse(Some("0"), Some("-1")),
            Ok(PageParams {
                page: Some(0),
                limit: Some(-1)
            })
        );
    }

    #[test]
    fn non_numbers_name_the_parameter() {
        assert!(parse(Some("abc"), None).unwrap_err().starts_with("page:"));
        assert!(parse(None, Some("1.5")).unwrap_err().starts_with("limit:"));
        assert!(parse(Some("99999999999999999999"), None).is_err());
    }
}
