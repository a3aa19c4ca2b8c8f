-- The summary of a completed call: a short Hebrew text and the follow-ups the agent promised.
-- A row is written `pending` when the call completes (one per call, whatever the redeliveries)
-- and made `done` by the summariser, by the LLM (`source` llm) or, without one or when it fails,
-- by the deterministic fallback (`source` fallback). `claimed_until`: a summariser is working on
-- it until then (another replica leaves it alone).
CREATE TABLE call_summaries (
    call_id TEXT PRIMARY KEY NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    summary TEXT NOT NULL,
    follow_ups TEXT NOT NULL,
    source TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    claimed_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX call_summaries_pending ON call_summaries (status, created_at);
