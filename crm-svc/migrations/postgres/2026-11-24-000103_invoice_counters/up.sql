-- The last invoice number given out per business. Numbering takes this row's lock (an upsert
-- … RETURNING in the issuing transaction), so concurrent issues queue and numbers are gap-free.
CREATE TABLE invoice_counters (
    business_id TEXT NOT NULL PRIMARY KEY REFERENCES businesses (id) ON DELETE CASCADE,
    last_number BIGINT NOT NULL CHECK (last_number >= 0)
);
INSERT INTO invoice_counters (business_id, last_number)
    SELECT business_id, MAX(number) FROM invoices WHERE number > 0 GROUP BY business_id;
