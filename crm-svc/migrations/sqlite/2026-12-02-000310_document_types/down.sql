CREATE TABLE invoice_counters (
    business_id TEXT NOT NULL PRIMARY KEY REFERENCES businesses (id) ON DELETE CASCADE,
    last_number BIGINT NOT NULL CHECK (last_number >= 0)
);
INSERT INTO invoice_counters (business_id, last_number)
    SELECT business_id, last_number FROM document_counters WHERE doc_type = 'tax_invoice';
DROP TABLE document_counters;
CREATE TABLE invoices_old (
    id              TEXT NOT NULL PRIMARY KEY,
    business_id     TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id     TEXT NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    number          BIGINT,
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'paid', 'cancelled')),
    items           TEXT NOT NULL DEFAULT '[]',
    subtotal_agorot BIGINT NOT NULL DEFAULT 0,
    vat_agorot      BIGINT NOT NULL DEFAULT 0,
    total_agorot    BIGINT NOT NULL DEFAULT 0,
    vat_rate_bp     INTEGER NOT NULL DEFAULT 1800,
    issued_at       TIMESTAMP,
    due_at          TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    paid_at         TIMESTAMP,
    UNIQUE (business_id, number),
    CONSTRAINT invoices_issued_have_numbers
        CHECK (status NOT IN ('sent', 'paid') OR (number IS NOT NULL AND issued_at IS NOT NULL)),
    CONSTRAINT invoices_paid_at_iff_paid
        CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);
INSERT INTO invoices_old (id, business_id, customer_id, number, status, items, subtotal_agorot,
                          vat_agorot, total_agorot, vat_rate_bp, issued_at, due_at, created_at,
                          updated_at, paid_at)
    SELECT id, business_id, customer_id, number, status, items, subtotal_agorot, vat_agorot,
           total_agorot, vat_rate_bp, issued_at, due_at, created_at, updated_at, paid_at
    FROM invoices WHERE doc_type = 'tax_invoice';
DROP TABLE invoices;
ALTER TABLE invoices_old RENAME TO invoices;
CREATE INDEX invoices_customer_id ON invoices (customer_id);
CREATE INDEX invoices_timeline ON invoices (business_id, customer_id, created_at, id);
CREATE INDEX invoices_business_issued ON invoices (business_id, issued_at);
CREATE INDEX invoices_business_paid ON invoices (business_id, paid_at);
ALTER TABLE businesses DROP COLUMN vat_status;
ALTER TABLE businesses DROP COLUMN address;
ALTER TABLE businesses DROP COLUMN tax_id;
ALTER TABLE businesses DROP COLUMN legal_name;
