-- How many customers each business has per status, kept by triggers in the same transaction as
-- the change, so an unfiltered customer list does not count a million rows for its `total`.
CREATE TABLE customer_counts (
    business_id TEXT   NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    status      TEXT   NOT NULL,
    n           BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, status)
);

INSERT INTO customer_counts (business_id, status, n)
SELECT business_id, status, COUNT(*) FROM customers GROUP BY business_id, status;

CREATE FUNCTION customer_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR TG_OP = 'UPDATE' THEN
        UPDATE customer_counts SET n = n - 1
        WHERE business_id = OLD.business_id AND status = OLD.status;
    END IF;
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' THEN
        INSERT INTO customer_counts (business_id, status, n) VALUES (NEW.business_id, NEW.status, 1)
        ON CONFLICT (business_id, status) DO UPDATE SET n = customer_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER customers_counted
AFTER INSERT OR DELETE OR UPDATE OF status, business_id ON customers
FOR EACH ROW EXECUTE FUNCTION customer_counts_track();
