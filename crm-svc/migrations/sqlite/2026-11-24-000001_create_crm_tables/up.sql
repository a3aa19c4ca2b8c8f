-- CRM tables, SQLite flavour. Keep in step with ../../postgres/2026-11-24-000001_create_crm_tables/up.sql
-- and src/schema.rs: ids are TEXT (UUIDv7), timestamps are TIMESTAMP holding UTC, money is BIGINT agorot,
-- JSON-ish columns are TEXT holding JSON.

CREATE TABLE businesses (
    id                TEXT NOT NULL PRIMARY KEY,
    name              TEXT NOT NULL,
    slug              TEXT NOT NULL UNIQUE,
    greeting_text     TEXT NOT NULL DEFAULT '',
    knowledge_qa      TEXT NOT NULL DEFAULT '[]',
    twilio_numbers    TEXT NOT NULL DEFAULT '[]',
    vat_rate_bp       INTEGER NOT NULL DEFAULT 1800 CHECK (vat_rate_bp >= 0),
    -- Every feature is on for a new business (a small business should see the whole product and
    -- switch off what it does not use); the settings page turns them off.
    crm_enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    whatsapp_enabled  BOOLEAN NOT NULL DEFAULT TRUE,
    signature_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    invoices_enabled  BOOLEAN NOT NULL DEFAULT TRUE,
    contracts_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    voice_enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    proposals_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    calendar_enabled  BOOLEAN NOT NULL DEFAULT TRUE,
    reports_enabled   BOOLEAN NOT NULL DEFAULT TRUE,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id            TEXT NOT NULL PRIMARY KEY,
    business_id   TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    email         TEXT NOT NULL UNIQUE, -- stored lower-cased
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent', 'read_only')),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX users_business_id ON users (business_id);

CREATE TABLE customers (
    id          TEXT NOT NULL PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    email       TEXT,
    status      TEXT NOT NULL DEFAULT 'lead' CHECK (status IN ('lead', 'active', 'inactive')),
    source      TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'call', 'whatsapp', 'import')),
    notes       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (business_id, phone)
);
CREATE INDEX customers_business_created ON customers (business_id, created_at);

CREATE TABLE invoices (
    id              TEXT NOT NULL PRIMARY KEY,
    business_id     TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id     TEXT NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    number          BIGINT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'paid', 'cancelled')),
    items           TEXT NOT NULL DEFAULT '[]',
    subtotal_agorot BIGINT NOT NULL DEFAULT 0,
    vat_agorot      BIGINT NOT NULL DEFAULT 0,
    total_agorot    BIGINT NOT NULL DEFAULT 0,
    vat_rate_bp     INTEGER NOT NULL DEFAULT 1800,
    issued_at       TIMESTAMP,
    due_at          TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (business_id, number)
);
CREATE INDEX invoices_customer_id ON invoices (customer_id);

CREATE TABLE contracts (
    id          TEXT NOT NULL PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'signed')),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX contracts_business_id ON contracts (business_id);
CREATE INDEX contracts_customer_id ON contracts (customer_id);

CREATE TABLE proposals (
    id           TEXT NOT NULL PRIMARY KEY,
    business_id  TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id  TEXT NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    title        TEXT NOT NULL,
    items        TEXT NOT NULL DEFAULT '[]',
    total_agorot BIGINT NOT NULL DEFAULT 0,
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'accepted', 'rejected', 'expired')),
    valid_until  TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX proposals_business_id ON proposals (business_id);
CREATE INDEX proposals_customer_id ON proposals (customer_id);

CREATE TABLE signatures (
    id              TEXT NOT NULL PRIMARY KEY,
    business_id     TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    contract_id     TEXT REFERENCES contracts (id) ON DELETE CASCADE,
    proposal_id     TEXT REFERENCES proposals (id) ON DELETE CASCADE,
    token_hash      TEXT NOT NULL UNIQUE,
    signer_name     TEXT,
    signer_ip       TEXT,
    image_png       BLOB,
    document_sha256 TEXT,
    signed_at       TIMESTAMP,
    used_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    -- a signature request is for exactly one document
    CHECK ((contract_id IS NULL) <> (proposal_id IS NULL))
);
CREATE INDEX signatures_business_id ON signatures (business_id);
CREATE INDEX signatures_contract_id ON signatures (contract_id);
CREATE INDEX signatures_proposal_id ON signatures (proposal_id);

CREATE TABLE appointments (
    id          TEXT NOT NULL PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id TEXT REFERENCES customers (id) ON DELETE SET NULL,
    title       TEXT NOT NULL,
    starts_at   TIMESTAMP NOT NULL,
    ends_at     TIMESTAMP NOT NULL,
    notes       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CHECK (ends_at >= starts_at)
);
CREATE INDEX appointments_business_starts ON appointments (business_id, starts_at);
CREATE INDEX appointments_customer_id ON appointments (customer_id);

CREATE TABLE tasks (
    id          TEXT NOT NULL PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id TEXT REFERENCES customers (id) ON DELETE SET NULL,
    title       TEXT NOT NULL,
    due_at      TIMESTAMP,
    done        BOOLEAN NOT NULL DEFAULT FALSE,
    assignee_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    notified_at TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX tasks_business_id ON tasks (business_id);
CREATE INDEX tasks_customer_id ON tasks (customer_id);
-- the scheduler looks for open, un-notified tasks by due time
CREATE INDEX tasks_due ON tasks (done, notified_at, due_at);

CREATE TABLE calls (
    id                TEXT NOT NULL PRIMARY KEY,
    business_id       TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    twilio_sid        TEXT NOT NULL UNIQUE,
    customer_id       TEXT REFERENCES customers (id) ON DELETE SET NULL,
    direction         TEXT NOT NULL,
    from_number       TEXT NOT NULL,
    to_number         TEXT NOT NULL,
    status            TEXT NOT NULL,
    started_at        TIMESTAMP NOT NULL,
    ended_at          TIMESTAMP,
    duration_seconds  INTEGER NOT NULL DEFAULT 0,
    recording_url     TEXT,
    transcript        TEXT,
    transcript_status TEXT NOT NULL DEFAULT 'none' CHECK (transcript_status IN ('pending', 'done', 'failed', 'none')),
    ai_replies        TEXT NOT NULL DEFAULT '[]',
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX calls_business_started ON calls (business_id, started_at);
CREATE INDEX calls_customer_id ON calls (customer_id);

CREATE TABLE whatsapp_messages (
    id                  TEXT NOT NULL PRIMARY KEY,
    business_id         TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    provider_message_id TEXT NOT NULL,
    customer_id         TEXT REFERENCES customers (id) ON DELETE SET NULL,
    direction           TEXT NOT NULL,
    from_number         TEXT NOT NULL,
    to_number           TEXT NOT NULL,
    body                TEXT NOT NULL,
    status              TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    UNIQUE (business_id, provider_message_id)
);
CREATE INDEX whatsapp_messages_customer_id ON whatsapp_messages (customer_id);

-- Events waiting to be published; a row is written in the same transaction as the change it announces.
CREATE TABLE outbox (
    id           TEXT NOT NULL PRIMARY KEY,
    subject      TEXT NOT NULL,
    payload      BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    published_at TIMESTAMP
);
CREATE INDEX outbox_published_at ON outbox (published_at, created_at);

-- Events a consumer has applied; inserting the id in the effect's transaction makes consumers idempotent.
CREATE TABLE processed_events (
    consumer     TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    processed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
