-- Lists are ordered by (created_at DESC, id DESC): with id in the index, a page is read in index
-- order without a sort, ties included.
CREATE INDEX customers_business_created_id ON customers (business_id, created_at, id);
DROP INDEX customers_business_created;
