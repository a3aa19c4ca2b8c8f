-- Unnumbered drafts get negative placeholder numbers, unique per business.
UPDATE invoices SET number = -s.rn
    FROM (SELECT id, row_number() OVER (PARTITION BY business_id ORDER BY created_at, id) AS rn
          FROM invoices WHERE number IS NULL) AS s
    WHERE invoices.id = s.id;
CREATE TABLE invoices_old (
    id              TEXT NOT NULL PRIMARY KEY,
    business_id     TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id     TEXT NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    number          BIGINT NOT NULL,
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
    UNIQUE (business_id, number)
);
INSERT INTO invoices_old (id, business_id, customer_id, number, status, items, subtotal_agorot,
                          vat_agorot, total_agorot, vat_rate_bp, issued_at, due_at, created_at,
                          updated_at)
    SELECT id, business_id, customer_id, number, status, items, subtotal_agorot, vat_agorot,
           total_agorot, vat_rate_bp, issued_at, due_at, created_at, updated_at
    FROM invoices;
DROP TABLE invoices;
ALTER TABLE invoices_old RENAME TO invoices;
CREATE INDEX invoices_customer_id ON invoices (customer_id);
CREATE INDEX invoices_timeline ON invoices (business_id, customer_id, created_at, id);
