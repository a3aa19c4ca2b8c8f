-- A call with a turn the business's knowledge could not answer: one follow-up task is created
-- for it when the call completes (task_id set then, so a repeated completion creates no second).
CREATE TABLE call_follow_ups (
    call_id TEXT PRIMARY KEY NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    task_id TEXT REFERENCES tasks (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
