//! Line items of invoices and proposals, `[{description, quantity, unit_price_agorot}]`, and
//! the server-side arithmetic on them: integer agorot throughout, VAT rounded half up.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Most line items one document may have.
pub const MAX_ITEMS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Largest amount any total may reach: 2^53 − 1 agorot, the largest integer a JSON (JavaScript)
/// client reads exactly.
pub const MAX_AMOUNT_AGOROT: i64 = 9_007_199_254_740_991;

/// One line: `quantity` units at `unit_price_agorot` each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    pub description: String,
    pub quantity: i64,
    pub unit_price_agorot: i64,
}

impl LineItem {
    pub fn new(description: impl Into<String>, quantity: i64, unit_price_agorot: i64) -> Self {
        LineItem {
            description: description.into(),
            quantity,
            unit_price_agorot,
        }
    }
}

/// Server-computed amounts of a document, in agorot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub subtotal_agorot: i64,
    pub vat_agorot: i64,
    pub total_agorot: i64,
}

/// Checks `items` (1 to [`MAX_ITEMS`]; each with a description, a quantity above 0 and a price
/// of 0 or more) and returns them with descriptions trimmed. Errors are [`Error::Validation`]
/// on `items`, naming the (1-based) line.
pub fn validate(items: Vec<LineItem>) -> Result<Vec<LineItem>> {
    if items.is_empty() {
        return Err(Error::validation(
            "items",
            "at least one line item is required",
        ));
    }
    if items.len() > MAX_ITEMS {
        return Err(Error::validation(
            "items",
            format!("at most {MAX_ITEMS} line items are allowed"),
        ));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let line = i + 1;
            let description = item.description.trim();
            if description.is_empty() {
                return Err(Error::validation(
                    "items",
                    format!("line {line}: a description is required"),
                ));
            }
            if description.chars().count() > MAX_DESCRIPTION_CHARS {
                return Err(Error::validation(
                    "items",
                    format!("line {line}: the description is longer than {MAX_DESCRIPTION_CHARS} characters"),
                ));
            }
            if item.quantity <= 0 {
                return Err(Error::validation(
                    "items",
                    format!("line {line}: the quantity must be more than 0"),
                ));
            }
            if item.unit_price_agorot < 0 {
                return Err(Error::validation(
                    "items",
                    format!("line {line}: the unit price cannot be negative"),
                ));
            }
            Ok(LineItem {
                description: description.to_owned(),
                ..item
            })
        })
        .collect()
}

/// Σ quantity × unit price; [`Error::Validation`] on `items` past [`MAX_AMOUNT_AGOROT`].
pub fn subtotal(items: &[LineItem]) -> Result<i64> {
    let sum: i128 = items
        .iter()
        .map(|i| i128::from(i.quantity) * i128::from(i.unit_price_agorot))
        .sum();
    amount(sum)
}

/// VAT of `subtotal_agorot` at `rate_bp` basis points, rounded half up to whole agorot.
pub fn vat(subtotal_agorot: i64, rate_bp: i32) -> Result<i64> {
    // Both are non-negative: (x + 5000) / 10000 rounds half up.
    let scaled = i128::from(subtotal_agorot) * i128::from(rate_bp);
    amount((scaled + 5_000).div_euclid(10_000))
}

/// Subtotal, VAT at `rate_bp` and their sum.
pub fn totals(items: &[LineItem], rate_bp: i32) -> Result<Totals> {
    let subtotal_agorot = subtotal(items)?;
    let vat_agorot = vat(subtotal_agorot, rate_bp)?;
    let total_agorot = amount(i128::from(subtotal_agorot) + i128::from(vat_agorot))?;
    Ok(Totals {
        subtotal_agorot,
        vat_agorot,
        total_agorot,
    })
}

fn amount(value: i128) -> Result<i64> {
    i64::try_from(value)
        .ok()
        .filter(|v| (0..=MAX_AMOUNT_AGOROT).contains(v))
        .ok_or_else(|| Error::validation("items", "the amounts are too large"))
}

/// The JSON text stored in an `items` column.
pub fn to_json(items: &[LineItem]) -> Result<String> {
    serde_json::to_string(items).map_err(|e| Error::Internal(format!("cannot encode items: {e}")))
}

/// The line items stored as JSON text; malformed stored JSON is an internal error.
pub fn from_json(text: &str) -> Result<Vec<LineItem>> {
    serde_json::from_str(text)
        .map_err(|e| Error::Internal(format!("stored items are malformed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_rounds_half_up_to_whole_agorot() {
        // 18% of 1.25 ₪ = 22.5 agorot → 23; of 1.24 ₪ = 22.32 → 22; of 1.27 ₪ = 22.86 → 23.
        assert_eq!(vat(125, 1800).unwrap(), 23);
        assert_eq!(vat(124, 1800).unwrap(), 22);
        assert_eq!(vat(127, 1800).unwrap(), 23);
        // 17% of 0.50 ₪ = 8.5 agorot → 9.
        assert_eq!(vat(50, 1700).unwrap(), 9);
        assert_eq!(vat(0, 1800).unwrap(), 0);
        assert_eq!(vat(10_000, 0).unwrap(), 0);
        let t = totals(
            &[
                LineItem::new("שעת ייעוץ", 3, 35_000),
                LineItem::new("נסיעה", 1, 4_990),
            ],
            1800,
        )
        .unwrap();
        assert_eq!(
            t,
            Totals {
                subtotal_agorot: 109_990,
                vat_agorot: 19_798, // 19,798.2
                total_agorot: 129_788,
            }
        );
    }

    #[test]
    fn validation_names_the_line() {
        let ok = LineItem::new(" עבודה ", 1, 100);
        assert_eq!(validate(vec![ok.clone()]).unwrap()[0].description, "עבודה");
        let message = |items: Vec<LineItem>| match validate(items) {
            Err(Error::Validation {
                field: "items",
                message,
            }) => message,
            other => panic!("{other:?}"),
        };
        assert!(message(vec![]).contains("at least one"));
        assert!(message(vec![ok.clone(); 101]).contains("at most 100"));
        validate(vec![ok.clone(); 100]).expect("100 items are allowed");
        assert!(message(vec![ok.clone(), LineItem::new(" ", 1, 1)]).starts_with("line 2:"));
        assert!(message(vec![LineItem::new("x", 0, 1)]).contains("quantity"));
        assert!(message(vec![LineItem::new("x", 1, -1)]).contains("price"));
        validate(vec![LineItem::new("חינם", 1, 0)]).expect("a free line is fine");
    }

    #[test]
    fn overflowing_amounts_are_refused_not_wrapped() {
        let huge = LineItem::new("x", i64::MAX, i64::MAX);
        assert!(matches!(subtotal(&[huge]), Err(Error::Validation { .. })));
        let just = LineItem::new("x", 1, MAX_AMOUNT_AGOROT);
        assert_eq!(
            subtotal(std::slice::from_ref(&just)).unwrap(),
            MAX_AMOUNT_AGOROT
        );
        assert!(totals(&[just], 1800).is_err(), "the VAT pushes it over");
    }

    #[test]
    fn json_round_trips() {
        let items = vec![LineItem::new("א", 2, 150)];
        let text = to_json(&items).unwrap();
        assert_eq!(
            text,
            r#"[{"description":"א","quantity":2,"unit_price_agorot":150}]"#
        );
        assert_eq!(from_json(&text).unwrap(), items);
        assert!(from_json("{").is_err());
    }
}
