-- Allocation numbers (מספר הקצאה) from the Tax Authority's Israel Invoices API (issue 20).
-- A document that needs one is issued "awaiting" and a request row is queued; the worker asks
-- the Authority and stores the number (allocated) or the Authority's reason (refused).
-- Keep in step with the other backend's flavour.
ALTER TABLE invoices ADD COLUMN allocation_status TEXT
    CHECK (allocation_status IN ('awaiting', 'allocated', 'refused'));
ALTER TABLE invoices ADD COLUMN allocation_number TEXT;
-- Why the document has no number yet (not connected, the Authority unreachable) or the
-- Authority's refusal.
ALTER TABLE invoices ADD COLUMN allocation_reason TEXT;

-- The queue of allocation requests: one row per awaiting document until it has an answer.
-- A worker claims a row by moving next_attempt_at past its lease.
CREATE TABLE allocation_requests (
    invoice_id      TEXT NOT NULL PRIMARY KEY REFERENCES invoices (id) ON DELETE CASCADE,
    business_id     TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX allocation_requests_due ON allocation_requests (next_attempt_at);
CREATE INDEX allocation_requests_business ON allocation_requests (business_id);

-- A business's authorisation at the Tax Authority (OAuth2): the tokens are encrypted
-- (AES-256-GCM with TAX_AUTHORITY_TOKEN_KEY; base64 of nonce ‖ ciphertext), never plain.
-- `version` grows with every refresh, so two replicas refreshing at once do not overwrite
-- each other's newer tokens.
CREATE TABLE tax_authority_connections (
    business_id           TEXT NOT NULL PRIMARY KEY REFERENCES businesses (id) ON DELETE CASCADE,
    access_token          TEXT NOT NULL,
    refresh_token         TEXT NOT NULL,
    access_expires_at     TIMESTAMP NOT NULL,
    connected_by          TEXT NOT NULL,
    connected_at          TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    version               BIGINT NOT NULL
);

-- The state of a connect in progress (the OAuth2 `state` parameter), bound to the business
-- and the user who started it; only its SHA-256 is kept, it is used once and expires.
CREATE TABLE tax_authority_oauth_states (
    state_sha256 TEXT NOT NULL PRIMARY KEY,
    business_id  TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX tax_authority_oauth_states_business ON tax_authority_oauth_states (business_id);
