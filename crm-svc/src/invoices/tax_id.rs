//! Israeli tax ids: ת.ז (identity number), ח.פ (company number), ע.מ (a licensed dealer's number,
//! which is its owner's ת.ז or its ח.פ). All are nine digits whose last digit checks the others:
//! the digits are weighted 1, 2, 1, 2, … from the left, a two-digit product counts as the sum of
//! its digits, and the total is a multiple of 10. Shorter numbers are padded with leading zeros
//! (an old ת.ז of eight digits).

use crate::error::{Error, Result};

/// `text` as nine digits when it is a valid tax id (spaces and dashes are ignored, up to nine
/// digits); [`Error::Validation`] on `field` otherwise.
pub fn normalize(field: &'static str, text: &str) -> Result<String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{a0}'))
        .collect();
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::validation(
            field,
            "must be an Israeli tax id: up to nine digits (ת.ז / ח.פ / ע.מ)",
        ));
    }
    let padded = format!("{digits:0>9}");
    if !check_digit_ok(&padded) {
        return Err(Error::validation(
            field,
            format!("{padded} is not a valid tax id: its check digit is wrong"),
        ));
    }
    Ok(padded)
}

/// Whether the nine ASCII digits of `nine` pass the check-digit test.
fn check_digit_ok(nine: &str) -> bool {
    let sum: u32 = nine
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 2 };
            d / 10 + d % 10
        })
        .sum();
    sum.is_multiple_of(10) && nine.bytes().any(|b| b != b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ids_are_normalised_to_nine_digits() {
        // A ח.פ and two ת.ז, one of eight digits (padded).
        assert_eq!(normalize("f", "51-514646-2").unwrap(), "515146462");
        assert_eq!(normalize("f", "123456782").unwrap(), "123456782");
        assert_eq!(normalize("f", "12345674").unwrap(), "012345674");
        assert_eq!(normalize("f", "039337423").unwrap(), "039337423");
    }

    #[test]
    fn a_wrong_check_digit_or_garbage_is_refused() {
        for bad in [
            "123456789",
            "515146463",
            "",
            "0000000000",
            "000000000",
            "12345678a",
            "1234567890",
            "١٢٣",
        ] {
            match normalize("customer_tax_id", bad) {
                Err(Error::Validation { field, .. }) => assert_eq!(field, "customer_tax_id"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
