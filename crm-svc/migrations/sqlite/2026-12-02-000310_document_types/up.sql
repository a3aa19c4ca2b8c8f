-- Israeli documents (issue 20): the business's legal details and VAT status, document types on
-- invoices (tax invoice, tax invoice-receipt, receipt, credit note), each with its own gap-free
-- sequence per business, and what an issued document says about its parties (frozen at issue).
-- SQLite cannot change a table's UNIQUE constraint, so invoices is rebuilt (no other table
-- references it); keep in step with the PostgreSQL flavour.
ALTER TABLE businesses ADD COLUMN legal_name TEXT NOT NULL DEFAULT '';
ALTER TABLE businesses ADD COLUMN tax_id TEXT NOT NULL DEFAULT '';
ALTER TABLE businesses ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE businesses ADD COLUMN vat_status TEXT NOT NULL DEFAULT 'licensed'
    CHECK (vat_status IN ('licensed', 'exempt'));

CREATE TABLE invoices_new (
    id                  TEXT NOT NULL PRIMARY KEY,
    business_id         TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id         TEXT NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    number              BIGINT,
    status              TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'paid', 'cancelled')),
    items               TEXT NOT NULL DEFAULT '[]',
    subtotal_agorot     BIGINT NOT NULL DEFAULT 0,
    vat_agorot          BIGINT NOT NULL DEFAULT 0,
    total_agorot        BIGINT NOT NULL DEFAULT 0,
    vat_rate_bp         INTEGER NOT NULL DEFAULT 1800,
    issued_at           TIMESTAMP,
    due_at              TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    paid_at             TIMESTAMP,
    doc_type            TEXT NOT NULL DEFAULT 'tax_invoice'
        CHECK (doc_type IN ('tax_invoice', 'tax_invoice_receipt', 'receipt', 'credit_note')),
    payment_method      TEXT
        CHECK (payment_method IN ('cash', 'cheque', 'bank_transfer', 'credit_card', 'bit', 'paybox')),
    credited_invoice_id TEXT REFERENCES invoices_new (id) ON DELETE RESTRICT,
    customer_tax_id     TEXT,
    -- JSON {seller: {...}, customer: {...}}: the names and numbers printed on the issued document.
    parties             TEXT,
    CONSTRAINT invoices_number_per_type UNIQUE (business_id, doc_type, number),
    CONSTRAINT invoices_issued_have_numbers
        CHECK (status NOT IN ('sent', 'paid') OR (number IS NOT NULL AND issued_at IS NOT NULL)),
    CONSTRAINT invoices_paid_at_iff_paid
        CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
    CONSTRAINT invoices_payment_method_iff_receipt
        CHECK ((doc_type IN ('receipt', 'tax_invoice_receipt')) = (payment_method IS NOT NULL)),
    CONSTRAINT invoices_credit_note_iff_credited
        CHECK ((doc_type = 'credit_note') = (credited_invoice_id IS NOT NULL))
);
INSERT INTO invoices_new (id, business_id, customer_id, number, status, items, subtotal_agorot,
                          vat_agorot, total_agorot, vat_rate_bp, issued_at, due_at, created_at,
                          updated_at, paid_at)
    SELECT id, business_id, customer_id, number, status, items, subtotal_agorot, vat_agorot,
           total_agorot, vat_rate_bp, issued_at, due_at, created_at, updated_at, paid_at
    FROM invoices;
DROP TABLE invoices;
ALTER TABLE invoices_new RENAME TO invoices;
CREATE INDEX invoices_customer_id ON invoices (customer_id);
CREATE INDEX invoices_timeline ON invoices (business_id, customer_id, created_at, id);
CREATE INDEX invoices_business_issued ON invoices (business_id, issued_at);
CREATE INDEX invoices_business_paid ON invoices (business_id, paid_at);
CREATE INDEX invoices_credited ON invoices (credited_invoice_id);

-- The last number given out per business and document type; issuing takes the write lock.
CREATE TABLE document_counters (
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    doc_type    TEXT NOT NULL
        CHECK (doc_type IN ('tax_invoice', 'tax_invoice_receipt', 'receipt', 'credit_note')),
    last_number BIGINT NOT NULL CHECK (last_number >= 0),
    PRIMARY KEY (business_id, doc_type)
);
INSERT INTO document_counters (business_id, doc_type, last_number)
    SELECT business_id, 'tax_invoice', last_number FROM invoice_counters;
DROP TABLE invoice_counters;
