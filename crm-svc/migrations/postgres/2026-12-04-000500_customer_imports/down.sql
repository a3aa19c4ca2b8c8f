DROP TABLE customer_import_errors;
DROP TABLE customer_imports;
