-- Israeli documents (issue 20): the business's legal details and VAT status, document types on
-- invoices (tax invoice, tax invoice-receipt, receipt, credit note), each with its own gap-free
-- sequence per business, and what an issued document says about its parties (frozen at issue).
-- Keep in step with the SQLite flavour, which rebuilds the invoices table.
ALTER TABLE businesses ADD COLUMN legal_name TEXT NOT NULL DEFAULT '';
ALTER TABLE businesses ADD COLUMN tax_id TEXT NOT NULL DEFAULT '';
ALTER TABLE businesses ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE businesses ADD COLUMN vat_status TEXT NOT NULL DEFAULT 'licensed'
    CHECK (vat_status IN ('licensed', 'exempt'));

ALTER TABLE invoices ADD COLUMN doc_type TEXT NOT NULL DEFAULT 'tax_invoice'
    CHECK (doc_type IN ('tax_invoice', 'tax_invoice_receipt', 'receipt', 'credit_note'));
ALTER TABLE invoices ADD COLUMN payment_method TEXT
    CHECK (payment_method IN ('cash', 'cheque', 'bank_transfer', 'credit_card', 'bit', 'paybox'));
ALTER TABLE invoices ADD COLUMN credited_invoice_id TEXT REFERENCES invoices (id) ON DELETE RESTRICT;
ALTER TABLE invoices ADD COLUMN customer_tax_id TEXT;
-- JSON {seller: {...}, customer: {...}}: the names and numbers printed on the issued document.
ALTER TABLE invoices ADD COLUMN parties TEXT;
ALTER TABLE invoices DROP CONSTRAINT invoices_business_id_number_key;
ALTER TABLE invoices ADD CONSTRAINT invoices_number_per_type UNIQUE (business_id, doc_type, number);
ALTER TABLE invoices ADD CONSTRAINT invoices_payment_method_iff_receipt
    CHECK ((doc_type IN ('receipt', 'tax_invoice_receipt')) = (payment_method IS NOT NULL));
ALTER TABLE invoices ADD CONSTRAINT invoices_credit_note_iff_credited
    CHECK ((doc_type = 'credit_note') = (credited_invoice_id IS NOT NULL));
CREATE INDEX invoices_credited ON invoices (credited_invoice_id);

-- The last number given out per business and document type; issuing takes this row's lock.
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
