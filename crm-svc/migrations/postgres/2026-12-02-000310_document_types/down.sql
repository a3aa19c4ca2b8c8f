CREATE TABLE invoice_counters (
    business_id TEXT NOT NULL PRIMARY KEY REFERENCES businesses (id) ON DELETE CASCADE,
    last_number BIGINT NOT NULL CHECK (last_number >= 0)
);
INSERT INTO invoice_counters (business_id, last_number)
    SELECT business_id, last_number FROM document_counters WHERE doc_type = 'tax_invoice';
DROP TABLE document_counters;
DELETE FROM invoices WHERE doc_type <> 'tax_invoice';
DROP INDEX invoices_credited;
ALTER TABLE invoices DROP CONSTRAINT invoices_number_per_type;
ALTER TABLE invoices ADD CONSTRAINT invoices_business_id_number_key UNIQUE (business_id, number);
ALTER TABLE invoices DROP COLUMN parties;
ALTER TABLE invoices DROP COLUMN customer_tax_id;
ALTER TABLE invoices DROP COLUMN credited_invoice_id;
ALTER TABLE invoices DROP COLUMN payment_method;
ALTER TABLE invoices DROP COLUMN doc_type;
ALTER TABLE businesses DROP COLUMN vat_status;
ALTER TABLE businesses DROP COLUMN address;
ALTER TABLE businesses DROP COLUMN tax_id;
ALTER TABLE businesses DROP COLUMN legal_name;
