//! When a document needs an allocation number (מספר הקצאה) from the Tax Authority ("Israel
//! Invoices"): a tax invoice or invoice-receipt of a licensed dealer to a customer with a tax id
//! (a business buyer, who deducts its input VAT), whose amount before VAT exceeds the threshold
//! in force on its issue date. The thresholds are one dated table: the next change is one line.

use crate::enums::{DocType, VatStatus};
use chrono::NaiveDate;

/// From each date on, the amount before VAT (agorot) above which a B2B tax invoice needs an
/// allocation number. Ordered by date.
pub const THRESHOLDS: &[(NaiveDate, i64)] = &[
    (date(2024, 5, 1), 2_500_000),
    (date(2025, 1, 1), 2_000_000),
    (date(2026, 1, 1), 1_000_000),
    (date(2026, 6, 1), 500_000),
];

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("an invalid date in THRESHOLDS"),
    }
}

/// The threshold in force on `on` (agorot before VAT); `None` before the first one.
pub fn threshold_on(on: NaiveDate) -> Option<i64> {
    THRESHOLDS
        .iter()
        .rev()
        .find(|(from, _)| *from <= on)
        .map(|(_, agorot)| *agorot)
}

/// Whether a document with these facts needs an allocation number.
pub fn required(
    doc_type: DocType,
    seller: VatStatus,
    customer_has_tax_id: bool,
    subtotal_agorot: i64,
    issued_on: NaiveDate,
) -> bool {
    matches!(doc_type, DocType::TaxInvoice | DocType::TaxInvoiceReceipt)
        && seller == VatStatus::Licensed
        && customer_has_tax_id
        && threshold_on(issued_on).is_some_and(|t| subtotal_agorot > t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_change_on_their_day_not_the_day_before() {
        assert_eq!(threshold_on(date(2024, 4, 30)), None);
        for &(from, agorot) in THRESHOLDS {
            assert_eq!(threshold_on(from), Some(agorot), "on {from}");
            let before = from.pred_opt().unwrap();
            assert_ne!(threshold_on(before), Some(agorot), "the day before {from}");
        }
        assert_eq!(threshold_on(date(2025, 12, 31)), Some(2_000_000));
        assert_eq!(threshold_on(date(2026, 5, 31)), Some(1_000_000));
        assert_eq!(threshold_on(date(2030, 1, 1)), Some(500_000));
    }

    #[test]
    fn only_b2b_tax_invoices_above_the_threshold_need_one() {
        let on = date(2026, 6, 1); // ₪5,000
        let b2b = |doc_type, subtotal| required(doc_type, VatStatus::Licensed, true, subtotal, on);
        assert!(!b2b(DocType::TaxInvoice, 500_000), "exactly the threshold");
        assert!(b2b(DocType::TaxInvoice, 500_001));
        assert!(b2b(DocType::TaxInvoiceReceipt, 500_001));
        assert!(!b2b(DocType::Receipt, 10_000_000));
        assert!(!b2b(DocType::CreditNote, 10_000_000));
        assert!(!required(
            DocType::TaxInvoice,
            VatStatus::Licensed,
            false,
            10_000_000,
            on
        ));
        assert!(!required(
            DocType::TaxInvoice,
            VatStatus::Exempt,
            true,
            10_000_000,
            on
        ));
        // ₪8,000 needs one from 2026-06-01, not on 2026-05-31 (₪10,000 then).
        assert!(!required(
            DocType::TaxInvoice,
            VatStatus::Licensed,
            true,
            800_000,
            date(2026, 5, 31)
        ));
        assert!(b2b(DocType::TaxInvoice, 800_000));
        assert!(!required(
            DocType::TaxInvoice,
            VatStatus::Licensed,
            true,
            99_000_000,
            date(2024, 4, 30)
        ));
    }
}
