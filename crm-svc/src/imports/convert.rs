//! Conversions between the protobuf messages of imports and exports and the domain's types.

use super::{Duplicates, Import, Mapping, Options, Preview, RowError};
use crate::{
    convert::required,
    error::{Error, Result},
    exports::Source,
    ids::{BusinessId, ImportId},
    imports::parse::{Field, MAX_COLUMNS},
    time,
};
use agentlocator_proto::{to_timestamp, v1 as pb};

fn column(field: Field, v: Option<i32>) -> Result<Option<usize>> {
    match v {
        None => Ok(None),
        Some(c) if (0..MAX_COLUMNS as i32).contains(&c) => Ok(Some(c as usize)),
        Some(_) => Err(Error::validation(
            "mapping",
            format!("{} must be a column number from 0", field.as_str()),
        )),
    }
}

impl TryFrom<pb::ImportMapping> for Mapping {
    type Error = Error;
    fn try_from(m: pb::ImportMapping) -> Result<Self> {
        Ok(Mapping {
            name: column(Field::Name, m.name)?,
            phone: column(Field::Phone, m.phone)?,
            email: column(Field::Email, m.email)?,
            notes: column(Field::Notes, m.notes)?,
            status: column(Field::Status, m.status)?,
        })
    }
}

impl From<Mapping> for pb::ImportMapping {
    fn from(m: Mapping) -> Self {
        let c = |v: Option<usize>| v.map(|c| c as i32);
        pb::ImportMapping {
            name: c(m.name),
            phone: c(m.phone),
            email: c(m.email),
            notes: c(m.notes),
            status: c(m.status),
        }
    }
}

/// A business and an import id from a request.
pub fn ids(business_id: String, id: String) -> Result<(BusinessId, ImportId)> {
    Ok((required("business_id", business_id)?, required("id", id)?))
}

/// A `StartImport` request as domain arguments.
pub fn start_request(r: pb::StartImportRequest) -> Result<(BusinessId, ImportId, Options)> {
    let (b, i) = ids(r.business_id, r.id)?;
    let mapping = r
        .mapping
        .ok_or_else(|| Error::validation("mapping", "is required"))?
        .try_into()?;
    Ok((
        b,
        i,
        Options {
            mapping,
            duplicates: r.duplicates.parse::<Duplicates>()?,
            import_valid_rows: r.import_valid_rows,
        },
    ))
}

/// An `ExportCsv` request: the business and what to export.
pub fn export_request(r: pb::ExportCsvRequest) -> Result<(BusinessId, Source)> {
    let b = required("business_id", r.business_id)?;
    let source = if r.kind.trim() == "import_errors" {
        Source::ImportErrors(required("import_id", r.import_id)?)
    } else {
        Source::parse(&r.kind)?
    };
    Ok((b, source))
}

impl From<Import> for pb::CustomerImport {
    fn from(i: Import) -> Self {
        pb::CustomerImport {
            id: i.id.into(),
            status: i.status,
            file_name: i.file_name,
            encoding: i.encoding,
            delimiter: i.delimiter,
            total_rows: i.total_rows,
            planned_rows: i.planned_rows,
            processed_rows: i.processed_rows,
            created: i.created_count,
            merged: i.merged_count,
            skipped: i.skipped_count,
            errors: i.error_count,
            failure: i.failure.unwrap_or_default(),
            created_at: Some(to_timestamp(time::to_utc(i.created_at))),
            finished_at: i.finished_at.map(|t| to_timestamp(time::to_utc(t))),
        }
    }
}

impl From<RowError> for pb::ImportRowError {
    fn from(e: RowError) -> Self {
        pb::ImportRowError {
            line: e.row_number,
            field: e.field,
            message: e.message,
            raw: e.raw,
        }
    }
}

impl From<Preview> for pb::ImportPreview {
    fn from(p: Preview) -> Self {
        pb::ImportPreview {
            import: Some(p.import.into()),
            header: p.header,
            mapping: Some(p.mapping.into()),
            mapping_error: p.mapping_error.unwrap_or_default(),
            rows: p
                .rows
                .into_iter()
                .map(|(line, cells)| pb::ImportRow { line, cells })
                .collect(),
            errors: p.errors.into_iter().map(Into::into).collect(),
            error_count: p.error_count,
            valid_count: p.valid_count,
        }
    }
}
