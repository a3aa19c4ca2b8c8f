-- The summary report counts and sums one business's rows in a time range per table; each
-- range gets an index on (business_id, <time>). Calls (business_id, started_at) and customers
-- (business_id, created_at) have theirs already.
CREATE INDEX whatsapp_messages_business_created ON whatsapp_messages (business_id, created_at);
CREATE INDEX tasks_business_done_at ON tasks (business_id, done_at);
CREATE INDEX tasks_business_due ON tasks (business_id, due_at);
CREATE INDEX invoices_business_issued ON invoices (business_id, issued_at);
CREATE INDEX invoices_business_paid ON invoices (business_id, paid_at);
