use crate::{
    db::{DbConn, with_backend},
    error::Result,
    ids::BusinessId,
    schema::document_pdfs,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The stored PDFs of one document.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = document_pdfs)]
pub struct StoredPdf {
    pub document_id: String,
    pub business_id: BusinessId,
    /// Marked "מקור".
    pub original: Vec<u8>,
    /// Marked "העתק".
    pub copy: Vec<u8>,
    /// Hex SHA-256 of `original`.
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

/// The PDFs of document `id` of `business_id`, if rendered.
pub fn find(conn: &mut DbConn, business_id: &BusinessId, id: &str) -> Result<Option<StoredPdf>> {
    Ok(document_pdfs::table
        .filter(document_pdfs::document_id.eq(id))
        .filter(document_pdfs::business_id.eq(business_id))
        .select(StoredPdf::as_select())
        .first(conn)
        .optional()?)
}

/// Stores `pdf` unless that document has PDFs already (the first stored stays).
pub fn insert_if_absent(conn: &mut DbConn, pdf: &StoredPdf) -> Result<()> {
    with_backend!(conn, |c| diesel::insert_into(document_pdfs::table)
        .values(pdf)
        .on_conflict(document_pdfs::document_id)
        .do_nothing()
        .execute(c)?);
    Ok(())
}
