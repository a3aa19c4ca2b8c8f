-- The WhatsApp Cloud API phone number (Meta's `phone_number_id`) of a business: inbound webhooks
-- name it, so it is how their business is found; sending uses it too. One per business.
CREATE TABLE whatsapp_cloud_numbers (
    phone_number_id TEXT NOT NULL PRIMARY KEY,
    business_id     TEXT NOT NULL UNIQUE REFERENCES businesses (id) ON DELETE CASCADE,
    updated_at      TIMESTAMP NOT NULL
);
