-- The WhatsApp auto-reply sent while the business is closed: one per customer per closed period,
-- the period named by when the business reopens (a Shabbat, a holiday, a night).
CREATE TABLE whatsapp_closure_replies (
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    reopens_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (business_id, customer_id, reopens_at)
);
