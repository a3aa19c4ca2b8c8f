-- Sign-out and deactivation. A token carries the session version its user had when it was issued;
-- signing out or deactivating moves the version on, which ends every earlier token at once.
-- A deactivated user (deactivated_at set) cannot sign in and no token of theirs is accepted.
ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMP;
