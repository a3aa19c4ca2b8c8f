DROP TABLE invoice_counters;
