//! Every Hebrew text the PDFs print, and how amounts are written.

use crate::{Signature, Totals};
use serde::Serialize;

pub const ORIGINAL: &str = "מקור";
pub const COPY: &str = "העתק";
pub const COLUMNS: [&str; 5] = ["#", "תיאור", "כמות", "מחיר ליחידה", "סה\"כ"];

/// The fixed words of the template.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Labels {
    pub page: &'static str,
    pub of: &'static str,
    pub date: &'static str,
    pub customer: &'static str,
    pub allocation: &'static str,
    pub signature: &'static str,
}

impl Labels {
    pub const HEBREW: Labels = Labels {
        page: "עמוד",
        of: "מתוך",
        date: "תאריך",
        customer: "לכבוד",
        allocation: "מספר הקצאה",
        signature: "חתימה",
    };
}

/// `agorot` as shekels with two decimals and thousands separators: `1,180.50 ₪`, `-12.00 ₪`.
pub fn format_agorot(agorot: i128) -> String {
    let sign = if agorot < 0 { "-" } else { "" };
    let abs = agorot.unsigned_abs();
    let (shekels, rest) = (abs / 100, abs % 100);
    let digits = shekels.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{rest:02} ₪")
}

/// A VAT rate in basis points as a percentage: `18%`, `17.5%`.
pub fn format_vat_rate(bp: i32) -> String {
    let (whole, frac) = (bp / 100, bp % 100);
    if frac == 0 {
        format!("{whole}%")
    } else {
        format!("{whole}.{}%", format!("{frac:02}").trim_end_matches('0'))
    }
}

/// The rows under the lines: before VAT, VAT (or "exempt dealer"), total.
pub fn totals(t: Totals) -> Vec<[String; 2]> {
    let vat_label = if t.exempt {
        "עוסק פטור — ללא מע\"מ".to_owned()
    } else {
        format!("מע\"מ {}", format_vat_rate(t.vat_rate_bp))
    };
    vec![
        [
            "סכום לפני מע\"מ".to_owned(),
            format_agorot(t.subtotal_agorot.into()),
        ],
        [vat_label, format_agorot(t.vat_agorot.into())],
        [
            "סה\"כ לתשלום".to_owned(),
            format_agorot(t.total_agorot.into()),
        ],
    ]
}

pub fn signature_lines(s: &Signature) -> Vec<String> {
    vec![
        format!("נחתם על ידי {} ב־{}", s.signer_name, s.signed_at),
        format!("SHA-256 של המסמך: {}", s.document_sha256),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_shekels_with_agorot() {
        assert_eq!(format_agorot(0), "0.00 ₪");
        assert_eq!(format_agorot(5), "0.05 ₪");
        assert_eq!(format_agorot(118_000), "1,180.00 ₪");
        assert_eq!(format_agorot(123_456_789), "1,234,567.89 ₪");
        assert_eq!(format_agorot(-70_800), "-708.00 ₪");
        assert_eq!(format_vat_rate(1800), "18%");
        assert_eq!(format_vat_rate(1750), "17.5%");
        assert_eq!(format_vat_rate(0), "0%");
    }
}
