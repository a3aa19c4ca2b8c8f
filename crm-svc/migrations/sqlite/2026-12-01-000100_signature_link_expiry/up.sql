-- A signing link works until expires_at (SIGNATURE_LINK_TTL_DAYS after it was made; links made
-- before this migration get 30 days), unless it is used or revoked first: revoked_at is set when
-- the document's signed text changes, it goes back to draft, or a newer link is made for it.
ALTER TABLE signatures ADD COLUMN expires_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE signatures SET expires_at = datetime(created_at, '+30 days');
ALTER TABLE signatures ADD COLUMN revoked_at TIMESTAMP;
