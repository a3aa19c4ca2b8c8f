DROP TABLE tax_authority_oauth_states;
DROP TABLE tax_authority_connections;
DROP TABLE allocation_requests;
ALTER TABLE invoices DROP COLUMN allocation_reason;
ALTER TABLE invoices DROP COLUMN allocation_number;
ALTER TABLE invoices DROP COLUMN allocation_status;
