DROP TRIGGER customers_counted ON customers;
DROP FUNCTION customer_counts_track();
DROP TABLE customer_counts;
