-- A message a caller left while the business was closed: one staff task per call, due when the
-- business reopens; the task's title follows the message's transcript as it arrives.
CREATE TABLE call_messages (
    call_id TEXT PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    task_id TEXT REFERENCES tasks (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
