-- A signing link works until expires_at (SIGNATURE_LINK_TTL_DAYS after it was made; links made
-- before this migration get 30 days), unless it is used or revoked first: revoked_at is set when
-- the document's signed text changes, it goes back to draft, or a newer link is made for it.
ALTER TABLE signatures ADD COLUMN expires_at TIMESTAMP;
UPDATE signatures SET expires_at = created_at + INTERVAL '30 days';
ALTER TABLE signatures ALTER COLUMN expires_at SET NOT NULL;
ALTER TABLE signatures ADD COLUMN revoked_at TIMESTAMP;
