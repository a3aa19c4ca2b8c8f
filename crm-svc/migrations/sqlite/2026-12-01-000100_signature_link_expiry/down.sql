ALTER TABLE signatures DROP COLUMN revoked_at;
ALTER TABLE signatures DROP COLUMN expires_at;
