-- How many customers each business has per status, kept by triggers in the same transaction as
-- the change, so an unfiltered customer list does not count a million rows for its `total`.
-- Statement-level triggers with transition tables: a bulk import of N customers updates each
-- counter row once, not N times (N updates of one row would pile up N dead row versions).
CREATE TABLE customer_counts (
    business_id TEXT   NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    status      TEXT   NOT NULL,
    n           BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, status)
);

INSERT INTO customer_counts (business_id, status, n)
SELECT business_id, status, COUNT(*) FROM customers GROUP BY business_id, status;

CREATE FUNCTION customer_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_counts (business_id, status, n)
    SELECT business_id, status, COUNT(*) FROM new_rows GROUP BY business_id, status
    ON CONFLICT (business_id, status) DO UPDATE SET n = customer_counts.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE FUNCTION customer_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customer_counts c SET n = c.n - gone.k
    FROM (SELECT business_id, status, COUNT(*) AS k FROM old_rows GROUP BY business_id, status) gone
    WHERE c.business_id = gone.business_id AND c.status = gone.status;
    RETURN NULL;
END
$$;

CREATE FUNCTION customer_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customer_counts c SET n = c.n - gone.k
    FROM (SELECT business_id, status, COUNT(*) AS k FROM old_rows GROUP BY business_id, status) gone
    WHERE c.business_id = gone.business_id AND c.status = gone.status;
    INSERT INTO customer_counts (business_id, status, n)
    SELECT business_id, status, COUNT(*) FROM new_rows GROUP BY business_id, status
    ON CONFLICT (business_id, status) DO UPDATE SET n = customer_counts.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE TRIGGER customers_counted_insert AFTER INSERT ON customers
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_add();

CREATE TRIGGER customers_counted_delete AFTER DELETE ON customers
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_remove();

CREATE TRIGGER customers_counted_update AFTER UPDATE ON customers
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_move();
