-- How many customers each business has per status, kept by triggers in the same transaction as
-- the change, so an unfiltered customer list does not count every row for its `total`.
CREATE TABLE customer_counts (
    business_id TEXT    NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    status      TEXT    NOT NULL,
    n           BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, status)
);

INSERT INTO customer_counts (business_id, status, n)
SELECT business_id, status, COUNT(*) FROM customers GROUP BY business_id, status;

CREATE TRIGGER customers_counted_insert AFTER INSERT ON customers
BEGIN
    INSERT INTO customer_counts (business_id, status, n) VALUES (NEW.business_id, NEW.status, 1)
    ON CONFLICT (business_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER customers_counted_delete AFTER DELETE ON customers
BEGIN
    UPDATE customer_counts SET n = n - 1
    WHERE business_id = OLD.business_id AND status = OLD.status;
END;

CREATE TRIGGER customers_counted_update AFTER UPDATE OF status, business_id ON customers
BEGIN
    UPDATE customer_counts SET n = n - 1
    WHERE business_id = OLD.business_id AND status = OLD.status;
    INSERT INTO customer_counts (business_id, status, n) VALUES (NEW.business_id, NEW.status, 1)
    ON CONFLICT (business_id, status) DO UPDATE SET n = n + 1;
END;
