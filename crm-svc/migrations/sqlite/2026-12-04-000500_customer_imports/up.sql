-- Customer imports from CSV: the uploaded file (decoded to UTF-8) waits here between the preview
-- and the user's confirmation, then one background job per import works through it in batches.
-- `processed_rows` moves in the same transaction as each batch's customers, so a job taken over
-- after a restart resumes exactly where the last committed batch ended.
CREATE TABLE customer_imports (
    id              TEXT NOT NULL PRIMARY KEY,
    business_id     TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    -- draft (previewed) | queued | running | done | failed
    status          TEXT NOT NULL CHECK (status IN ('draft', 'queued', 'running', 'done', 'failed')),
    file_name       TEXT NOT NULL DEFAULT '',
    -- utf-8 | utf-8-bom | windows-1255
    encoding        TEXT NOT NULL,
    delimiter       TEXT NOT NULL,
    -- The file as UTF-8 text; emptied when the import ends.
    content         TEXT NOT NULL,
    -- The confirmed mapping and duplicate policy (JSON); empty while a draft.
    options         TEXT NOT NULL DEFAULT '',
    total_rows      BIGINT NOT NULL,
    -- Valid rows to write (after in-file duplicates are folded); the progress bar's 100 %.
    planned_rows    BIGINT NOT NULL DEFAULT 0,
    processed_rows  BIGINT NOT NULL DEFAULT 0,
    created_count   BIGINT NOT NULL DEFAULT 0,
    merged_count    BIGINT NOT NULL DEFAULT 0,
    skipped_count   BIGINT NOT NULL DEFAULT 0,
    error_count     BIGINT NOT NULL DEFAULT 0,
    failure         TEXT,
    -- The worker holding the job and until when; another takes it over once the lease lapses.
    lease_holder    TEXT,
    lease_until     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP
);
CREATE INDEX customer_imports_business ON customer_imports (business_id, created_at);
CREATE INDEX customer_imports_pending ON customer_imports (status, lease_until);

-- The rows of an import that could not be imported, with their original cells.
CREATE TABLE customer_import_errors (
    import_id   TEXT NOT NULL REFERENCES customer_imports (id) ON DELETE CASCADE,
    -- 1-based line of the data row in the file (the header is row 1).
    row_number  BIGINT NOT NULL,
    field       TEXT NOT NULL,
    message     TEXT NOT NULL,
    -- The row's cells, CSV-encoded.
    raw         TEXT NOT NULL,
    PRIMARY KEY (import_id, row_number)
);
