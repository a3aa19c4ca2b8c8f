//! Reading `page` and `limit` from a query string. Only the syntax is checked here (whole
//! numbers); the ranges (page ≥ 1, 1 ≤ limit, limit clamped to 100) are the CRM's rules and live
//! in crm-svc, so there is one definition of them.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageParams {
    pub page: i64,
    pub limit: i64,
}

pub const DEFAULT_PAGE: i64 = 1;
pub const DEFAULT_LIMIT: i64 = 25;

/// Parses the raw `page`/`limit` values; a missing or empty value takes its default.
pub fn parse(page: Option<&str>, limit: Option<&str>) -> Result<PageParams, String> {
    Ok(PageParams {
        page: whole("page", page, DEFAULT_PAGE)?,
        limit: whole("limit", limit, DEFAULT_LIMIT)?,
    })
}

fn whole(name: &str, raw: Option<&str>, default: i64) -> Result<i64, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .map_err(|_| format!("{name} must be a whole number, got {v:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_numbers() {
        assert_eq!(parse(None, None), Ok(PageParams { page: 1, limit: 25 }));
        assert_eq!(
            parse(Some("3"), Some("1000")),
            Ok(PageParams {
                page: 3,
                limit: 1000
            })
        );
        assert_eq!(
            parse(Some(""), Some(" 7 ")),
            Ok(PageParams { page: 1, limit: 7 })
        );
        // Ranges are checked by crm-svc; negative numbers pass through to be rejected there.
        assert_eq!(
            parse(Some("0"), Some("-1")),
            Ok(PageParams { page: 0, limit: -1 })
        );
    }

    #[test]
    fn non_numbers_name_the_parameter() {
        assert!(parse(Some("abc"), None).unwrap_err().contains("page"));
        assert!(parse(None, Some("1.5")).unwrap_err().contains("limit"));
        assert!(parse(Some("99999999999999999999"), None).is_err());
    }
}
