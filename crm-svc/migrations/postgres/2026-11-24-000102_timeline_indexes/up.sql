-- The customer timeline reads each source newest first from a cursor: (business, customer, time, id)
-- lets every source query walk one index range backwards and stop after LIMIT rows.
CREATE INDEX calls_timeline ON calls (business_id, customer_id, started_at, id);
CREATE INDEX whatsapp_messages_timeline ON whatsapp_messages (business_id, customer_id, created_at, id);
CREATE INDEX tasks_timeline ON tasks (business_id, customer_id, due_at, id);
CREATE INDEX contracts_timeline ON contracts (business_id, customer_id, created_at, id);
CREATE INDEX invoices_timeline ON invoices (business_id, customer_id, created_at, id);
