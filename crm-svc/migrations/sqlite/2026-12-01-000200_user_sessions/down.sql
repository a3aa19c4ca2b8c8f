ALTER TABLE users DROP COLUMN deactivated_at;
ALTER TABLE users DROP COLUMN session_version;
