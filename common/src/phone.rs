//! Israeli phone numbers in E.164. Callers, WhatsApp senders and staff type numbers every which
//! way (`050-1234567`, `+972-50-123-4567`, `972501234567`); the CRM stores exactly one form,
//! `+972501234567`, so a customer is found whichever way the number arrives.

/// Why a string is not an Israeli phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number is empty")]
    Empty,
    #[error(
        "phone number may contain only digits, spaces, dashes, dots, parentheses and a leading +"
    )]
    InvalidCharacters,
    #[error("not an Israeli phone number (expected e.g. 050-1234567 or +972501234567)")]
    NotIsraeli,
    #[error("an Israeli phone number has 8 or 9 digits after the country code, got {0}")]
    WrongLength(usize),
}

/// Normalises an Israeli number to E.164 (`+972…`).
///
/// Accepts local (`0501234567`, `03-1234567`), international (`+972…`, `972…`, `00972…`) forms
/// with the usual separators. National numbers are 8 digits for landlines (area codes 2,3,4,8,9)
/// and 9 digits for mobiles (5x) and 7x lines, so the result has 11 or 12 digits after `+`.
pub fn normalize_il(input: &str) -> Result<String, PhoneError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(PhoneError::Empty);
    }
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '\u{200e}' | '\u{200f}' => {}
            _ => return Err(PhoneError::InvalidCharacters),
        }
    }
    let national = if plus {
        digits.strip_prefix("972").ok_or(PhoneError::NotIsraeli)?
    } else if let Some(n) = digits.strip_prefix("00972") {
        n
    } else if let Some(n) = digits.strip_prefix("972") {
        n
    } else if let Some(n) = digits.strip_prefix('0') {
        n
    } else {
        return Err(PhoneError::NotIsraeli);
    };
    // "+972 (0)50…" is a common mistake: drop the trunk zero after the country code.
    let national = national.strip_prefix('0').unwrap_or(national);
    let first = national.chars().next().ok_or(PhoneError::WrongLength(0))?;
    let expected = match first {
        '5' | '7' => 9,
        '2' | '3' | '4' | '8' | '9' => 8,
        _ => return Err(PhoneError::NotIsraeli),
    };
    if national.len() != expected {
        return Err(PhoneError::WrongLength(national.len()));
    }
    Ok(format!("+972{national}"))
}

/// The local display form of an E.164 Israeli number: `+972501234567` → `050-1234567`.
pub fn format_il_local(e164: &str) -> Option<String> {
    let national = e164.strip_prefix("+972")?;
    let split = if national.starts_with(['5', '7']) {
        2
    } else {
        1
    };
    Some(format!("0{}-{}", &national[..split], &national[split..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_mobile_form_normalises_to_one_e164() {
        for input in [
            "050-1234567",
            "0501234567",
            "+972-50-123-4567",
            "972501234567",
            "+972501234567",
            "00972501234567",
            " (050) 123 4567 ",
            "+972 (0)50-123-4567",
        ] {
            assert_eq!(
                normalize_il(input).as_deref(),
                Ok("+972501234567"),
                "{input}"
            );
        }
    }

    #[test]
    fn landlines_have_eight_national_digits() {
        assert_eq!(normalize_il("03-1234567").as_deref(), Ok("+97231234567"));
        assert_eq!(
            normalize_il("+972-2-6543210").as_deref(),
            Ok("+97226543210")
        );
        assert_eq!(normalize_il("077-1234567").as_deref(), Ok("+972771234567"));
    }

    #[test]
    fn garbage_is_an_error() {
        assert_eq!(normalize_il(""), Err(PhoneError::Empty));
        assert_eq!(normalize_il("   "), Err(PhoneError::Empty));
        assert_eq!(normalize_il("hello"), Err(PhoneError::InvalidCharacters));
        assert_eq!(normalize_il("+1-202-555-0100"), Err(PhoneError::NotIsraeli));
        assert_eq!(normalize_il("12345"), Err(PhoneError::NotIsraeli));
        assert_eq!(normalize_il("050-123456"), Err(PhoneError::WrongLength(8)));
        assert_eq!(
            normalize_il("050-12345678"),
            Err(PhoneError::WrongLength(10))
        );
        assert_eq!(normalize_il("0"), Err(PhoneError::WrongLength(0)));
        assert_eq!(normalize_il("061234567"), Err(PhoneError::NotIsraeli));
        assert_eq!(normalize_il("+972"), Err(PhoneError::WrongLength(0)));
        assert_eq!(
            normalize_il("05O1234567"),
            Err(PhoneError::InvalidCharacters)
        );
    }

    #[test]
    fn local_display_form() {
        assert_eq!(
            format_il_local("+972501234567").as_deref(),
            Some("050-1234567")
        );
        assert_eq!(
            format_il_local("+97231234567").as_deref(),
            Some("03-1234567")
        );
        assert_eq!(format_il_local("+12025550100"), None);
    }
}
