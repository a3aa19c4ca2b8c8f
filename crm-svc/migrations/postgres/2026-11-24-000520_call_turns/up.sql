-- The answered turns of a call in order: what the caller said and what the assistant replied,
-- paired, so the next reply of the same call is made with the conversation so far.
CREATE TABLE call_turns (
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    caller_text TEXT NOT NULL,
    ai_reply TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (call_id, seq)
);
