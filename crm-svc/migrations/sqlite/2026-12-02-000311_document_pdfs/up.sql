-- The PDF of an issued document (an invoice of any type, a signed contract), rendered once and
-- kept: every download returns the same bytes. `original` is marked "מקור", `copy` "העתק".
CREATE TABLE document_pdfs (
    document_id TEXT NOT NULL PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    original    BLOB NOT NULL,
    copy        BLOB NOT NULL,
    -- Hex SHA-256 of `original`.
    sha256      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX document_pdfs_business ON document_pdfs (business_id);
