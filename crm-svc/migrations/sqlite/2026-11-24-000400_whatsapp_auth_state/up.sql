-- The WhatsApp linked-device session of a business (Baileys creds and signal keys), kept here so
-- a restarted or rescheduled sidecar keeps its pairing. Values are opaque JSON text.
CREATE TABLE whatsapp_auth_state (
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (business_id, key)
);

-- WhatsApp privacy identities (`@lid`) whose phone number WhatsApp has shared.
CREATE TABLE whatsapp_lid_phones (
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    lid         TEXT NOT NULL,
    phone       TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (business_id, lid)
);
