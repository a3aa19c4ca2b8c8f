-- Invoices get their number when issued (draft → sent), not when drafted: a deleted or
-- cancelled draft must not leave a hole in the business's sequence. `paid_at` records payment
-- (reports sum payments by it). SQLite cannot drop a NOT NULL, so the table is rebuilt (no
-- table references invoices); keep in step with the PostgreSQL flavour.
CREATE TABLE invoices_new (
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
INSERT INTO invoices_new (id, business_id, customer_id, number, status, items, subtotal_agorot,
                          vat_agorot, total_agorot, vat_rate_bp, issued_at, due_at, created_at,
                          updated_at, paid_at)
    SELECT id, business_id, customer_id, number, status, items, subtotal_agorot, vat_agorot,
           total_agorot, vat_rate_bp, issued_at, due_at, created_at, updated_at,
           CASE WHEN status = 'paid' THEN updated_at END
    FROM invoices;
DROP TABLE invoices;
ALTER TABLE invoices_new RENAME TO invoices;
CREATE INDEX invoices_customer_id ON invoices (customer_id);
CREATE INDEX invoices_timeline ON invoices (business_id, customer_id, created_at, id);
