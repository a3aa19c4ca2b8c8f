-- The AI agent of a business (one per business; a business without a row has the defaults), what
-- it did (shown on the customer's timeline as done by the agent), and the agent's state in each
-- customer's conversation (paused by staff, waiting for a person).
CREATE TABLE agent_definitions (
    business_id            TEXT PRIMARY KEY NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    persona                TEXT NOT NULL DEFAULT '',
    instructions           TEXT NOT NULL DEFAULT '',
    -- JSON array of tool names the agent may call.
    allowed_actions        TEXT NOT NULL,
    whatsapp_agent_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    staff_silence_minutes  INTEGER NOT NULL DEFAULT 30,
    handoff_phone          TEXT NOT NULL DEFAULT '',
    appointment_minutes    INTEGER NOT NULL DEFAULT 30,
    updated_at             TIMESTAMP NOT NULL
);

CREATE TABLE agent_actions (
    id               TEXT NOT NULL PRIMARY KEY,
    business_id      TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id      TEXT REFERENCES customers (id) ON DELETE SET NULL,
    -- call | whatsapp
    channel          TEXT NOT NULL CHECK (channel IN ('call', 'whatsapp')),
    -- The call's SID, or the WhatsApp chat (the customer's phone).
    conversation_ref TEXT NOT NULL,
    -- The turn or message that caused the action, and its text.
    turn_ref         TEXT NOT NULL,
    turn_text        TEXT NOT NULL,
    -- The model's id of the tool call: a call retried with the same id is applied once.
    tool_call_id     TEXT NOT NULL,
    tool             TEXT NOT NULL,
    arguments        TEXT NOT NULL,
    result           TEXT NOT NULL,
    summary          TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    UNIQUE (business_id, conversation_ref, tool_call_id)
);
CREATE INDEX agent_actions_timeline ON agent_actions (business_id, customer_id, created_at, id);

CREATE TABLE agent_conversations (
    business_id        TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id        TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    paused             BOOLEAN NOT NULL DEFAULT FALSE,
    waiting_for_human  BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (business_id, customer_id)
);
