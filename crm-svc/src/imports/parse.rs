//! Reading an uploaded customer list: the encoding (UTF-8 with or without BOM, UTF-16 from
//! Excel's "Unicode text", else Windows-1255 — Excel's Hebrew "CSV"), the separator (`,` `;` or
//! tab, whichever the header line uses), the rows, and which column holds what. Pure functions,
//! no database.

use crate::{
    error::{Error, Result},
    strings,
};
use serde::{Deserialize, Serialize};

/// Most bytes an uploaded file may have (the gateway refuses larger bodies with 413 first).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Most data rows one import takes.
pub const MAX_ROWS: usize = 200_000;
/// Most columns a row may have.
pub const MAX_COLUMNS: usize = 100;

/// How the file's bytes were text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16,
    Windows1255,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Utf16 => "utf-16",
            Encoding::Windows1255 => "windows-1255",
        }
    }
}

/// The file as text, and how it was encoded. UTF-8 (after an optional BOM) is taken when the
/// bytes are valid UTF-8; a UTF-16 BOM selects UTF-16; anything else is read as Windows-1255.
/// A NUL character, or bytes that are no text in any of these, is [`Error::Validation`] on `file`.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding)> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::validation(
            "file",
            format!("is larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = std::str::from_utf8(rest).map_err(|e| {
            Error::validation(
                "file",
                format!(
                    "starts with a UTF-8 byte-order mark but byte {} is not UTF-8",
                    e.valid_up_to() + 3
                ),
            )
        })?;
        (text.to_owned(), Encoding::Utf8Bom)
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, bad) = encoding_rs::UTF_16LE.decode(bytes);
        if bad {
            return Err(Error::validation("file", "is not valid UTF-16 text"));
        }
        (text.into_owned(), Encoding::Utf16)
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (text.to_owned(), Encoding::Utf8)
    } else {
        let (text, bad) = encoding_rs::WINDOWS_1255.decode_without_bom_handling(bytes);
        if bad {
            return Err(Error::validation(
                "file",
                "is neither UTF-8 nor Windows-1255 text (save it from Excel as \"CSV UTF-8\")",
            ));
        }
        (text.into_owned(), Encoding::Windows1255)
    };
    if text.contains('\0') {
        return Err(Error::validation(
            "file",
            "contains a NUL character: is it a spreadsheet (.xlsx) rather than CSV?",
        ));
    }
    Ok((text, encoding))
}

/// The separator of `text`: the one of `,` `;` and tab that occurs most often in its first line
/// outside quotes (`,` when none does).
pub fn detect_delimiter(text: &str) -> u8 {
    let (mut quoted, mut counts) = (false, [0usize; 3]);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}

/// The header and data rows of `text` split on `delimiter`. Cells are trimmed; rows whose cells
/// are all empty are dropped. Each data row keeps its 1-based line number in the file (the header
/// is line 1, counting records, so a quoted cell spanning lines counts once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(i64, Vec<String>)>,
}

pub fn table(text: &str, delimiter: u8) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Error::validation("file", format!("is not CSV: {e}")))?;
        if record.len() > MAX_COLUMNS {
            return Err(Error::validation(
                "file",
                format!("row {} has more than {MAX_COLUMNS} columns", i + 1),
            ));
        }
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if header.is_none() {
            header = Some(cells);
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(Error::validation(
                "file",
                format!("has more than {MAX_ROWS} rows; split it into several files"),
            ));
        }
        rows.push((i as i64 + 1, cells));
    }
    let header = header.ok_or_else(|| Error::validation("file", "is empty"))?;
    Ok(Table { header, rows })
}

/// A customer field a column can be mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Phone,
    Email,
    Notes,
    Status,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::Name,
        Field::Phone,
        Field::Email,
        Field::Notes,
        Field::Status,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::Notes => "notes",
            Field::Status => "status",
        }
    }

    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == s.trim())
    }

    /// Header names (lower-case, Hebrew and English) that mean this field.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Name => strings::IMPORT_NAME_HEADERS,
            Field::Phone => strings::IMPORT_PHONE_HEADERS,
            Field::Email => strings::IMPORT_EMAIL_HEADERS,
            Field::Notes => strings::IMPORT_NOTES_HEADERS,
            Field::Status => strings::IMPORT_STATUS_HEADERS,
        }
    }
}

/// Which column (0-based) each field is read from; a field without a column stays empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub name: Option<usize>,
    pub phone: Option<usize>,
    pub email: Option<usize>,
    pub notes: Option<usize>,
    pub status: Option<usize>,
}

impl Mapping {
    pub fn get(&self, field: Field) -> Option<usize> {
        match field {
            Field::Name => self.name,
            Field::Phone => self.phone,
            Field::Email => self.email,
            Field::Notes => self.notes,
            Field::Status => self.status,
        }
    }

    pub fn set(&mut self, field: Field, column: Option<usize>) {
        let slot = match field {
            Field::Name => &mut self.name,
            Field::Phone => &mut self.phone,
            Field::Email => &mut self.email,
            Field::Notes => &mut self.notes,
            Field::Status => &mut self.status,
        };
        *slot = column;
    }

    /// The mapping the header suggests: each field takes the first column whose name is one of
    /// its aliases (ignoring case, spaces, quotes and a trailing `:` or `*`).
    pub fn propose(header: &[String]) -> Mapping {
        let mut mapping = Mapping::default();
        for field in Field::ALL {
            let column = header.iter().position(|h| {
                let h = normalise_header(h);
                field.aliases().iter().any(|a| *a == h)
            });
            mapping.set(field, column);
        }
        mapping
    }

    /// Checks the mapping against a table of `columns` columns: name and phone are required,
    /// columns must exist, and no column feeds two fields.
    pub fn validate(&self, columns: usize) -> Result<()> {
        if self.phone.is_none() {
            return Err(Error::validation(
                "mapping",
                "no column is mapped to phone (is the separator right?)",
            ));
        }
        if self.name.is_none() {
            return Err(Error::validation("mapping", "no column is mapped to name"));
        }
        let mut used = Vec::new();
        for field in Field::ALL {
            if let Some(c) = self.get(field) {
                if c >= columns {
                    return Err(Error::validation(
                        "mapping",
                        format!(
                            "{} is mapped to column {c}, but the file has {columns}",
                            field.as_str()
                        ),
                    ));
                }
                if used.contains(&c) {
                    return Err(Error::validation(
                        "mapping",
                        format!("column {c} is mapped to two fields"),
                    ));
                }
                used.push(c);
            }
        }
        Ok(())
    }

    /// The cell of `field` in `row` (empty when unmapped or missing).
    pub fn cell<'r>(&self, row: &'r [String], field: Field) -> &'r str {
        self.get(field)
            .and_then(|c| row.get(c))
            .map_or("", String::as_str)
    }
}

fn normalise_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .trim()
        .trim_end_matches([':', '*'])
        .trim()
        .trim_matches(['"', '\''])
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `cells` as one CSV line (`,`-separated, quoted where needed), to keep a row's original text.
pub fn encode_row(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_detected() {
        let csv = "שם,טלפון\nדנה,050-1234567\n";
        assert_eq!(
            decode(csv.as_bytes()).unwrap(),
            (csv.into(), Encoding::Utf8)
        );
        let bom = [b"\xEF\xBB\xBF".as_slice(), csv.as_bytes()].concat();
        assert_eq!(decode(&bom).unwrap(), (csv.into(), Encoding::Utf8Bom));
        let (w1255, _, bad) = encoding_rs::WINDOWS_1255.encode(csv);
        assert!(!bad);
        assert!(std::str::from_utf8(&w1255).is_err());
        assert_eq!(decode(&w1255).unwrap(), (csv.into(), Encoding::Windows1255));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(csv.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&utf16).unwrap(), (csv.into(), Encoding::Utf16));
        // A BOM followed by bytes that are not UTF-8 is refused, not guessed.
        let broken = [b"\xEF\xBB\xBF".as_slice(), &w1255].concat();
        assert!(matches!(
            decode(&broken),
            Err(Error::Validation { field: "file", .. })
        ));
        assert!(decode(b"a,b\n\0\0").is_err());
    }

    #[test]
    fn the_separator_is_the_header_lines() {
        assert_eq!(detect_delimiter("שם;טלפון;הערות\nא,ב;1;2"), b';');
        assert_eq!(detect_delimiter("name\tphone\n"), b'\t');
        assert_eq!(detect_delimiter("\"a;b\",c\n"), b',');
        assert_eq!(detect_delimiter("name\n"), b',');
    }

    #[test]
    fn tables_keep_line_numbers_and_drop_empty_rows() {
        let t = table("שם,טלפון\n\"כהן, דנה\",050\n,\n\"רב\nשורות\",051\n", b',').unwrap();
        assert_eq!(t.header, vec!["שם", "טלפון"]);
        assert_eq!(
            t.rows,
            vec![
                (2, vec!["כהן, דנה".to_string(), "050".into()]),
                (4, vec!["רב\nשורות".to_string(), "051".into()]),
            ]
        );
        assert!(table("", b',').is_err());
    }

    #[test]
    fn hebrew_and_english_headers_propose_a_mapping() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let m = Mapping::propose(&h(&["שם מלא", "נייד", "דוא\"ל", "הערות", "סטטוס"]));
        assert_eq!(
            m,
            Mapping {
                name: Some(0),
                phone: Some(1),
                email: Some(2),
                notes: Some(3),
                status: Some(4)
            }
        );
        let m = Mapping::propose(&h(&["\u{feff}Phone Number", " Name: ", "E-mail", "x"]));
        assert_eq!(
            (m.phone, m.name, m.email, m.notes),
            (Some(0), Some(1), Some(2), None)
        );
        assert!(m.validate(4).is_ok());
        assert!(
            Mapping {
                phone: Some(0),
                ..Default::default()
            }
            .validate(1)
            .is_err()
        );
        assert!(
            Mapping {
                phone: Some(0),
                name: Some(0),
                ..Default::default()
            }
            .validate(1)
            .is_err()
        );
        assert!(
            Mapping {
                phone: Some(5),
                name: Some(0),
                ..Default::default()
            }
            .validate(2)
            .is_err()
        );
    }
}
