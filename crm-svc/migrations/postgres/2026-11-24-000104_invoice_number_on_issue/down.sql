ALTER TABLE invoices DROP CONSTRAINT invoices_paid_at_iff_paid;
ALTER TABLE invoices DROP CONSTRAINT invoices_issued_have_numbers;
ALTER TABLE invoices DROP COLUMN paid_at;
-- Unnumbered drafts get negative placeholder numbers, unique per business.
UPDATE invoices SET number = -s.rn
    FROM (SELECT id, row_number() OVER (PARTITION BY business_id ORDER BY created_at, id) AS rn
          FROM invoices WHERE number IS NULL) AS s
    WHERE invoices.id = s.id;
ALTER TABLE invoices ALTER COLUMN number SET NOT NULL;
