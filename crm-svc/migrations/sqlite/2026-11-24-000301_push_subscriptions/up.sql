-- Web Push subscriptions of staff browsers (one row per push endpoint; a browser that signs in as
-- another user moves its row to that user). notify-svc sends a business's notifications to them.
CREATE TABLE push_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX push_subscriptions_business ON push_subscriptions (business_id);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
