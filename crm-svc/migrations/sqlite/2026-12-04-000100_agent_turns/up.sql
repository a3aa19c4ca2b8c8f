-- The WhatsApp agent's turn in a customer's conversation: the burst of inbound messages waiting
-- for its one reply. A new message moves `last_message_id` and `last_inbound_at` (the burst is
-- answered after a quiet window from there); a scheduler claims a due turn with a lease
-- (`claimed_by`, `lease_until`) and answers it only if no newer message came in meanwhile.
CREATE TABLE agent_turns (
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    last_message_id TEXT NOT NULL,
    last_inbound_at TIMESTAMP NOT NULL,
    pending BOOLEAN NOT NULL,
    claimed_by TEXT,
    lease_until TIMESTAMP,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (business_id, customer_id)
);
CREATE INDEX agent_turns_due ON agent_turns (pending, last_inbound_at);

-- The outbound WhatsApp messages the agent (or an auto-reply) sent: every other outbound message
-- is staff writing, which silences the agent in that conversation for a while.
CREATE TABLE agent_sent_messages (
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    provider_message_id TEXT NOT NULL,
    action_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (business_id, provider_message_id)
);
