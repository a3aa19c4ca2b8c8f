CREATE INDEX customers_business_created ON customers (business_id, created_at);
DROP INDEX customers_business_created_id;
