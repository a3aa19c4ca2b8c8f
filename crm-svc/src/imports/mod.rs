//! Importing customers from a CSV file, in two steps. [`upload`] reads the file (any encoding and
//! separator Excel writes, see [`parse`]), keeps its text in a draft import and answers a preview:
//! the columns, the mapping their names suggest, the first rows and the rows that would fail.
//! [`start`] confirms a mapping and a duplicate policy; the rows that cannot be imported are
//! stored as the import's errors right then, and the import is queued. One background job per
//! import ([`worker`]) writes the customers in batches of [`BATCH`]; each batch and the import's
//! progress commit together, so a job taken over after a crash resumes after the last committed
//! batch and no row is written twice.
//!
//! Rows are matched to existing customers by their normalised phone (E.164): `skip` leaves an
//! existing customer as it is, `merge` overwrites it with the row's non-empty cells. Two rows of
//! the file with one phone are folded the same way before anything is written.

pub mod convert;
pub mod parse;
pub mod queries;
pub mod worker;

pub use parse::{Field, Mapping};
pub use queries::{Import, RowError};

use crate::{
    customers::{self, Customer, NewCustomer, queries as customer},
    db::{Db, DbConn, with_backend},
    enums::{CustomerSource, CustomerStatus},
    error::{Error, Result},
    ids::{BusinessId, ImportId},
    schema::customers as customers_table,
    strings, time,
};
use diesel::prelude::*;
use parse::Table;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Customers written per transaction.
pub const BATCH: usize = 1000;
/// Rows a preview shows.
pub const PREVIEW_ROWS: usize = 10;
/// Row errors a preview lists (all of them are counted).
pub const PREVIEW_ERRORS: usize = 50;

/// What to do with a row whose phone is already a customer's (or an earlier row's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duplicates {
    #[default]
    Skip,
    Merge,
}

impl std::str::FromStr for Duplicates {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "" | "skip" => Ok(Duplicates::Skip),
            "merge" => Ok(Duplicates::Merge),
            _ => Err(Error::validation("duplicates", "must be skip or merge")),
        }
    }
}

/// What the user confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    pub mapping: Mapping,
    pub duplicates: Duplicates,
    /// Import the valid rows of a file that has invalid ones (else such a file is refused whole).
    pub import_valid_rows: bool,
}

/// What [`upload`] and [`preview`] answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub import: Import,
    pub header: Vec<String>,
    /// The mapping asked for, or the one the header suggests.
    pub mapping: Mapping,
    /// Why the mapping cannot be used (then `errors` is empty).
    pub mapping_error: Option<String>,
    /// The first [`PREVIEW_ROWS`] data rows, with their line numbers.
    pub rows: Vec<(i64, Vec<String>)>,
    /// The first [`PREVIEW_ERRORS`] row errors under `mapping`.
    pub errors: Vec<RowError>,
    pub error_count: i64,
    /// Rows that would be written (after folding duplicates within the file).
    pub valid_count: i64,
}

/// Reads `bytes` (a CSV file named `file_name`), stores it as a draft import of `business_id`
/// and previews it with the mapping its header suggests.
pub async fn upload(
    db: &Db,
    business_id: &BusinessId,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Preview> {
    let (text, encoding) = parse::decode(&bytes)?;
    drop(bytes);
    let delimiter = parse::detect_delimiter(&text);
    let table = parse::table(&text, delimiter)?;
    let now = time::now();
    let row = queries::NewImportRow {
        id: ImportId::generate(),
        business_id: business_id.clone(),
        status: "draft".into(),
        file_name: file_name.chars().take(200).collect(),
        encoding: encoding.as_str().into(),
        delimiter: (delimiter as char).to_string(),
        content: text,
        total_rows: table.rows.len() as i64,
        created_at: now,
        updated_at: now,
    };
    let (id, b) = (row.id.clone(), business_id.clone());
    let import = db
        .transaction(move |conn| {
            if !crate::businesses::queries::exists(conn, &row.business_id)? {
                return Err(Error::NotFound("business"));
            }
            queries::insert(conn, &row)?;
            queries::find(conn, &b, &id)?.ok_or(Error::NotFound("import"))
        })
        .await?;
    let mapping = Mapping::propose(&table.header);
    Ok(preview_of(import, &table, mapping))
}

/// The preview of the draft `id` under `mapping` (or the proposed one): lets the user see the
/// errors of another mapping before starting.
pub async fn preview(
    db: &Db,
    business_id: &BusinessId,
    id: &ImportId,
    mapping: Option<Mapping>,
) -> Result<Preview> {
    let (import, table) = draft(db, business_id, id).await?;
    let mapping = mapping.unwrap_or_else(|| Mapping::propose(&table.header));
    Ok(preview_of(import, &table, mapping))
}

fn preview_of(import: Import, table: &Table, mapping: Mapping) -> Preview {
    let (errors, error_count, valid_count, mapping_error) =
        match mapping.validate(table.header.len()) {
            Err(e) => (Vec::new(), 0, 0, Some(e.to_string())),
            Ok(()) => {
                let plan = plan(
                    &import.business_id,
                    &import.id,
                    table,
                    &mapping,
                    Duplicates::Skip,
                );
                let count = plan.errors.len() as i64;
                let valid = plan.rows.len() as i64;
                let mut errors = plan.errors;
                errors.truncate(PREVIEW_ERRORS);
                (errors, count, valid, None)
            }
        };
    Preview {
        header: table.header.clone(),
        rows: table.rows.iter().take(PREVIEW_ROWS).cloned().collect(),
        import,
        mapping,
        mapping_error,
        errors,
        error_count,
        valid_count,
    }
}

/// The draft `id` of `business_id` and its parsed file.
async fn draft(db: &Db, business_id: &BusinessId, id: &ImportId) -> Result<(Import, Table)> {
    let (b, i) = (business_id.clone(), id.clone());
    let (import, text, delimiter) = db
        .run(move |conn| {
            let import = queries::find(conn, &b, &i)?.ok_or(Error::NotFound("import"))?;
            if import.status != "draft" {
                return Err(Error::Conflict("the import has already started".into()));
            }
            let (text, delimiter, _) = queries::content(conn, &i)?;
            Ok((import, text, delimiter))
        })
        .await?;
    let table = parse::table(&text, delimiter_byte(&delimiter))?;
    Ok((import, table))
}

fn delimiter_byte(d: &str) -> u8 {
    d.bytes().next().unwrap_or(b',')
}

/// Confirms the draft `id` with `options` and queues it. Its row errors are stored now; a file
/// with errors is refused (422 on `import_valid_rows`, nothing written) unless
/// `options.import_valid_rows`. Starting twice is [`Error::Conflict`].
pub async fn start(
    db: &Db,
    business_id: &BusinessId,
    id: &ImportId,
    options: Options,
) -> Result<Import> {
    let (_, table) = draft(db, business_id, id).await?;
    options.mapping.validate(table.header.len())?;
    let plan = plan(
        business_id,
        id,
        &table,
        &options.mapping,
        options.duplicates,
    );
    drop(table);
    if !plan.errors.is_empty() && !options.import_valid_rows {
        return Err(Error::validation(
            "import_valid_rows",
            format!(
                "{} rows cannot be imported; fix them, or choose to import the valid rows only",
                plan.errors.len()
            ),
        ));
    }
    let json = serde_json::to_string(&options)
        .map_err(|e| Error::Internal(format!("import options: {e}")))?;
    let (merged, skipped) = match options.duplicates {
        Duplicates::Skip => (0, plan.folded),
        Duplicates::Merge => (plan.folded, 0),
    };
    let (b, i) = (business_id.clone(), id.clone());
    let planned = plan.rows.len() as i64;
    let errors = plan.errors;
    let import = db
        .transaction(move |conn| {
            let n = errors.len() as i64;
            if !queries::queue(
                conn,
                &b,
                &i,
                &json,
                planned,
                merged,
                skipped,
                n,
                time::now(),
            )? {
                return Err(Error::Conflict("the import has already started".into()));
            }
            queries::insert_errors(conn, &errors)?;
            queries::find(conn, &b, &i)?.ok_or(Error::NotFound("import"))
        })
        .await?;
    Ok(import)
}

/// The import `id` of `business_id` (its progress).
pub async fn get(db: &Db, business_id: &BusinessId, id: &ImportId) -> Result<Import> {
    let (b, i) = (business_id.clone(), id.clone());
    db.run(move |conn| queries::find(conn, &b, &i))
        .await?
        .ok_or(Error::NotFound("import"))
}

/// A valid row to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub row_number: i64,
    pub customer: Customer,
    /// The row had a status cell (else a merge keeps the customer's status).
    pub status_given: bool,
}

/// The rows of a file under one mapping and policy: deterministic, so a job taken over after a
/// crash sees the same batches.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub rows: Vec<Planned>,
    pub errors: Vec<RowError>,
    /// Rows folded into an earlier row with the same phone.
    pub folded: i64,
}

pub fn plan(
    business_id: &BusinessId,
    import_id: &ImportId,
    table: &Table,
    mapping: &Mapping,
    duplicates: Duplicates,
) -> Plan {
    let mut out = Plan {
        rows: Vec::with_capacity(table.rows.len()),
        errors: Vec::new(),
        folded: 0,
    };
    let mut by_phone: HashMap<String, usize> = HashMap::with_capacity(table.rows.len());
    for (line, cells) in &table.rows {
        match validate_row(business_id, mapping, cells) {
            Err((field, message)) => out.errors.push(RowError {
                import_id: import_id.clone(),
                row_number: *line,
                field: field.as_str().into(),
                message,
                raw: parse::encode_row(cells),
            }),
            Ok(planned) => match by_phone.get(&planned.customer.phone) {
                Some(&earlier) => {
                    out.folded += 1;
                    if duplicates == Duplicates::Merge {
                        merge_into(&mut out.rows[earlier], &planned);
                    }
                }
                None => {
                    by_phone.insert(planned.customer.phone.clone(), out.rows.len());
                    out.rows.push(Planned {
                        row_number: *line,
                        ..planned
                    });
                }
            },
        }
    }
    out
}

/// `later`'s non-empty cells over `target`.
fn merge_into(target: &mut Planned, later: &Planned) {
    let (t, l) = (&mut target.customer, &later.customer);
    t.name = l.name.clone();
    if l.email.is_some() {
        t.email = l.email.clone();
    }
    if !l.notes.is_empty() {
        t.notes = l.notes.clone();
    }
    if later.status_given {
        t.status = l.status;
        target.status_given = true;
    }
}

/// One row as a customer, or the field that is wrong and why (in Hebrew).
fn validate_row(
    business_id: &BusinessId,
    mapping: &Mapping,
    cells: &[String],
) -> std::result::Result<Planned, (Field, String)> {
    let cell = |f: Field| mapping.cell(cells, f);
    let status_cell = cell(Field::Status);
    let status = if status_cell.is_empty() {
        None
    } else {
        Some(parse_status(status_cell).ok_or((
            Field::Status,
            format!("{}: {status_cell}", strings::IMPORT_ERROR_STATUS),
        ))?)
    };
    let new = NewCustomer {
        name: cell(Field::Name).to_owned(),
        phone: cell(Field::Phone).to_owned(),
        email: Some(cell(Field::Email).to_owned()),
        status,
        source: Some(CustomerSource::Import),
        notes: cell(Field::Notes).to_owned(),
    };
    match customers::validate(business_id, new) {
        Ok(customer) => Ok(Planned {
            row_number: 0,
            customer,
            status_given: status.is_some(),
        }),
        Err(Error::Validation { field, message }) => Err(match field {
            "name" if message.contains("required") => {
                (Field::Name, strings::IMPORT_ERROR_NAME.into())
            }
            "name" => (Field::Name, strings::IMPORT_ERROR_NAME_LONG.into()),
            "phone" => {
                let phone = cell(Field::Phone);
                (
                    Field::Phone,
                    if phone.is_empty() {
                        strings::IMPORT_ERROR_PHONE.into()
                    } else {
                        format!("{}: {phone}", strings::IMPORT_ERROR_PHONE)
                    },
                )
            }
            "email" => (
                Field::Email,
                format!("{}: {}", strings::IMPORT_ERROR_EMAIL, cell(Field::Email)),
            ),
            _ => (Field::Notes, strings::IMPORT_ERROR_NOTES.into()),
        }),
        Err(other) => Err((Field::Name, other.to_string())),
    }
}

/// A status cell: `lead | active | inactive` or their Hebrew words.
fn parse_status(cell: &str) -> Option<CustomerStatus> {
    let lower = cell.trim().to_lowercase();
    let english = strings::IMPORT_STATUS_WORDS
        .iter()
        .find(|(he, _)| *he == lower)
        .map_or(lower.as_str(), |(_, en)| en);
    english.parse().ok()
}

/// Writes one batch of planned rows of `business_id` on a connection inside a transaction:
/// rows whose phone is a customer's already are skipped or merged, the rest inserted in one
/// statement (`ON CONFLICT DO NOTHING`, so a customer created meanwhile is skipped, not an error).
pub fn write_batch(
    conn: &mut DbConn,
    business_id: &BusinessId,
    batch: &[Planned],
    duplicates: Duplicates,
) -> Result<queries::BatchCounts> {
    let now = time::now();
    let phones: Vec<&str> = batch.iter().map(|p| p.customer.phone.as_str()).collect();
    let existing: HashMap<String, Customer> = customers_table::table
        .filter(customers_table::business_id.eq(business_id))
        .filter(customers_table::phone.eq_any(&phones))
        .select(Customer::as_select())
        .load(conn)?
        .into_iter()
        .map(|c| (c.phone.clone(), c))
        .collect();
    let mut counts = queries::BatchCounts {
        processed: batch.len() as i64,
        ..Default::default()
    };
    let mut fresh = Vec::with_capacity(batch.len());
    for p in batch {
        match (existing.get(&p.customer.phone), duplicates) {
            (Some(_), Duplicates::Skip) => counts.skipped += 1,
            (Some(current), Duplicates::Merge) => {
                let mut merged = Planned {
                    customer: current.clone(),
                    row_number: p.row_number,
                    status_given: false,
                };
                merge_into(&mut merged, p);
                merged.customer.updated_at = now;
                customer::save(conn, &merged.customer)?;
                counts.merged += 1;
            }
            (None, _) => fresh.push(NewRow::of(&p.customer, now)),
        }
    }
    if !fresh.is_empty() {
        let inserted = with_backend!(conn, |c| diesel::insert_into(customers_table::table)
            .values(&fresh)
            .on_conflict_do_nothing()
            .execute(c))?;
        counts.created = inserted as i64;
        counts.skipped += (fresh.len() - inserted) as i64;
    }
    Ok(counts)
}

/// A customer row of a multi-row insert (every column given, `NULL` for an absent email: SQLite
/// has no `DEFAULT` in a multi-row `VALUES`).
#[derive(Insertable)]
#[diesel(table_name = customers_table, treat_none_as_default_value = false)]
struct NewRow<'a> {
    id: &'a crate::ids::CustomerId,
    business_id: &'a BusinessId,
    name: &'a str,
    phone: &'a str,
    email: Option<&'a str>,
    status: CustomerStatus,
    source: CustomerSource,
    notes: &'a str,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

impl<'a> NewRow<'a> {
    fn of(c: &'a Customer, now: chrono::NaiveDateTime) -> Self {
        NewRow {
            id: &c.id,
            business_id: &c.business_id,
            name: &c.name,
            phone: &c.phone,
            email: c.email.as_deref(),
            status: c.status,
            source: c.source,
            notes: &c.notes,
            created_at: now,
            updated_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Table {
        let cells = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Table {
            header: cells(&["שם", "טלפון", "אימייל", "הערות", "סטטוס"]),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| (i as i64 + 2, cells(r)))
                .collect(),
        }
    }

    #[test]
    fn every_israeli_phone_format_is_one_customer_and_bad_rows_are_errors() {
        let t = table(&[
            &["דנה", "050-1234567", "", "", ""],
            &["דנה", "+972501234567", "", "", ""],
            &["דנה", "972-50-123-4567", "", "", ""],
            &["דנה", "0501234567", "", "", ""],
            &["דנה", " 050 123 4567 ", "", "", ""],
            &["משרד", "(03) 123-4567", "", "", "פעיל"],
            &["", "052-0000000", "", "", ""],
            &["יוסי", "12345", "", "", ""],
            &["רות", "053-1111111", "לא-מייל", "", ""],
            &["אבי", "054-2222222", "", "", "vip"],
        ]);
        let (b, i) = (BusinessId::from("b"), ImportId::from("i"));
        let m = Mapping::propose(&t.header);
        let p = plan(&b, &i, &t, &m, Duplicates::Skip);
        let phones: Vec<&str> = p.rows.iter().map(|r| r.customer.phone.as_str()).collect();
        assert_eq!(phones, ["+972501234567", "+97231234567"]);
        assert_eq!(p.folded, 4);
        assert_eq!(p.rows[1].customer.status, CustomerStatus::Active);
        assert_eq!(p.rows[1].row_number, 7);
        let errs: Vec<(i64, &str)> = p
            .errors
            .iter()
            .map(|e| (e.row_number, e.field.as_str()))
            .collect();
        assert_eq!(
            errs,
            [(8, "name"), (9, "phone"), (10, "email"), (11, "status")]
        );
        assert_eq!(
            p.errors[1].message,
            format!("{}: 12345", strings::IMPORT_ERROR_PHONE)
        );
        assert_eq!(p.errors[1].raw, "יוסי,12345,,,");
    }

    #[test]
    fn merge_folds_later_non_empty_cells_into_the_first_row() {
        let t = table(&[
            &["דנה", "050-1234567", "dana@example.com", "ראשונה", ""],
            &["דנה כהן", "0501234567", "", "", "לא פעיל"],
        ]);
        let (b, i) = (BusinessId::from("b"), ImportId::from("i"));
        let m = Mapping::propose(&t.header);
        let skip = plan(&b, &i, &t, &m, Duplicates::Skip);
        assert_eq!(skip.rows[0].customer.name, "דנה");
        let merge = plan(&b, &i, &t, &m, Duplicates::Merge);
        let c = &merge.rows[0].customer;
        assert_eq!(
            (
                c.name.as_str(),
                c.email.as_deref(),
                c.notes.as_str(),
                c.status
            ),
            (
                "דנה כהן",
                Some("dana@example.com"),
                "ראשונה",
                CustomerStatus::Inactive
            )
        );
        assert_eq!((merge.rows.len(), merge.folded), (1, 1));
    }
}
