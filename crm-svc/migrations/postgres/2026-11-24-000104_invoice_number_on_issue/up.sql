-- Invoices get their number when issued (draft → sent), not when drafted: a deleted or
-- cancelled draft must not leave a hole in the business's sequence. `paid_at` records payment
-- (reports sum payments by it). Keep in step with the SQLite flavour, which rebuilds the table.
ALTER TABLE invoices ALTER COLUMN number DROP NOT NULL;
ALTER TABLE invoices ADD COLUMN paid_at TIMESTAMP;
ALTER TABLE invoices ADD CONSTRAINT invoices_issued_have_numbers
    CHECK (status NOT IN ('sent', 'paid') OR (number IS NOT NULL AND issued_at IS NOT NULL));
ALTER TABLE invoices ADD CONSTRAINT invoices_paid_at_iff_paid
    CHECK ((status = 'paid') = (paid_at IS NOT NULL));
