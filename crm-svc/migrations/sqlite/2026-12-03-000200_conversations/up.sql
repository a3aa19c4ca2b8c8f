-- The inbox: one conversation per customer and channel (a WhatsApp thread; each call is its own
-- conversation), kept up to date in the transaction that writes the message or the call, and
-- each staff member's read position in it.
CREATE TABLE conversations (
    id               TEXT NOT NULL PRIMARY KEY,
    business_id      TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    -- whatsapp | call
    channel          TEXT NOT NULL CHECK (channel IN ('whatsapp', 'call')),
    -- WhatsApp: the customer's id, or the counterpart's number when it is no customer's;
    -- a call: the call's id.
    thread_key       TEXT NOT NULL,
    customer_id      TEXT REFERENCES customers (id) ON DELETE SET NULL,
    call_id          TEXT REFERENCES calls (id) ON DELETE CASCADE,
    -- The customer's number as the channel gave it.
    counterpart      TEXT NOT NULL,
    -- open | waiting_for_human | done
    state            TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'waiting_for_human', 'done')),
    assignee_id      TEXT REFERENCES users (id) ON DELETE SET NULL,
    last_activity_at TIMESTAMP NOT NULL,
    last_preview     TEXT NOT NULL DEFAULT '',
    -- inbound | outbound
    last_direction   TEXT NOT NULL,
    -- Inbound items so far (messages from the customer; 1 for an inbound call): a reader's unread
    -- count is this minus the count at their last read.
    inbound_count    BIGINT NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (business_id, channel, thread_key)
);
-- The inbox page: newest activity first, keyset by (last_activity_at, id).
CREATE INDEX conversations_inbox ON conversations (business_id, last_activity_at, id);
CREATE INDEX conversations_customer ON conversations (customer_id);

CREATE TABLE conversation_reads (
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id  TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    last_read_at     TIMESTAMP NOT NULL,
    -- conversations.inbound_count when it was read.
    inbound_seen     BIGINT NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
);
CREATE INDEX conversation_reads_conversation ON conversation_reads (conversation_id);

-- The WhatsApp threads there already are, keyed like new ones; the id is that of the thread's
-- newest message (a UUIDv7, unique).
INSERT INTO conversations (id, business_id, channel, thread_key, customer_id, call_id, counterpart,
                           state, assignee_id, last_activity_at, last_preview, last_direction,
                           inbound_count, created_at, updated_at)
SELECT m.id, m.business_id, 'whatsapp', t.thread_key, m.customer_id, NULL,
       CASE WHEN m.direction = 'outbound' THEN m.to_number ELSE m.from_number END,
       'open', NULL, m.created_at, SUBSTR(m.body, 1, 200), m.direction,
       t.inbound, t.first_at, m.created_at
FROM (
    SELECT business_id,
           COALESCE(customer_id, CASE WHEN direction = 'outbound' THEN to_number ELSE from_number END) AS thread_key,
           MIN(created_at) AS first_at,
           SUM(CASE WHEN direction = 'inbound' THEN 1 ELSE 0 END) AS inbound
    FROM whatsapp_messages
    GROUP BY 1, 2
) t
JOIN whatsapp_messages m ON m.id = (
    SELECT m2.id FROM whatsapp_messages m2
    WHERE m2.business_id = t.business_id
      AND COALESCE(m2.customer_id, CASE WHEN m2.direction = 'outbound' THEN m2.to_number ELSE m2.from_number END) = t.thread_key
    ORDER BY m2.created_at DESC, m2.id DESC
    LIMIT 1
);

-- Every call there already is, as its own conversation (its id is the call's).
INSERT INTO conversations (id, business_id, channel, thread_key, customer_id, call_id, counterpart,
                           state, assignee_id, last_activity_at, last_preview, last_direction,
                           inbound_count, created_at, updated_at)
SELECT c.id, c.business_id, 'call', c.id, c.customer_id, c.id,
       CASE WHEN c.direction LIKE 'outbound%' THEN c.to_number ELSE c.from_number END,
       'open', NULL, COALESCE(c.ended_at, c.started_at), SUBSTR(COALESCE(c.transcript, ''), 1, 200),
       CASE WHEN c.direction LIKE 'outbound%' THEN 'outbound' ELSE 'inbound' END,
       CASE WHEN c.direction LIKE 'outbound%' THEN 0 ELSE 1 END,
       c.created_at, c.updated_at
FROM calls c;

-- A WhatsApp conversation the agent handed to a person is waiting for one.
UPDATE conversations SET state = 'waiting_for_human'
WHERE channel = 'whatsapp'
  AND EXISTS (SELECT 1 FROM agent_conversations a
              WHERE a.business_id = conversations.business_id
                AND a.customer_id = conversations.customer_id
                AND a.waiting_for_human);
