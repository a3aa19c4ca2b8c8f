DROP TRIGGER customers_counted_update ON customers;
DROP TRIGGER customers_counted_delete ON customers;
DROP TRIGGER customers_counted_insert ON customers;
DROP FUNCTION customer_counts_move();
DROP FUNCTION customer_counts_remove();
DROP FUNCTION customer_counts_add();
DROP TABLE customer_counts;
