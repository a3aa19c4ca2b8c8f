-- WhatsApp appointment reminders and scheduled one-off messages.

-- Per-business reminder settings; no row = reminders off, the default template and lead times.
CREATE TABLE reminder_settings (
    business_id TEXT PRIMARY KEY REFERENCES businesses (id) ON DELETE CASCADE,
    enabled BOOLEAN NOT NULL,
    template TEXT NOT NULL,
    -- JSON array of minutes before the appointment, e.g. [1440, 120].
    lead_minutes TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Customers who answered "הסר": no more reminders.
CREATE TABLE reminder_opt_outs (
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (business_id, customer_id)
);

-- One row per reminder of an appointment at one start time: the unique key is what makes each
-- reminder go out once, also between concurrent schedulers. A moved appointment has a new start
-- time and so new reminders. `sent` false: skipped because a closer reminder was due at once.
-- No foreign key to the appointment: the row (and its reply) outlives a cancelled appointment.
CREATE TABLE appointment_reminders (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    appointment_id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    lead_minutes INTEGER NOT NULL,
    appointment_starts_at TIMESTAMP NOT NULL,
    sent BOOLEAN NOT NULL,
    to_number TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- confirmed | cancelled | opted_out
    reply TEXT,
    replied_at TIMESTAMP,
    UNIQUE (appointment_id, lead_minutes, appointment_starts_at)
);
CREATE INDEX appointment_reminders_customer
    ON appointment_reminders (business_id, customer_id, created_at);

-- A WhatsApp message staff scheduled for later from the customer page.
CREATE TABLE scheduled_messages (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    send_at TIMESTAMP NOT NULL,
    -- pending | sent | cancelled | failed (the customer has no phone any more)
    status TEXT NOT NULL,
    sent_at TIMESTAMP,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX scheduled_messages_due ON scheduled_messages (status, send_at);
CREATE INDEX scheduled_messages_customer ON scheduled_messages (business_id, customer_id, send_at);

-- When the customer confirmed the appointment (a reply to its reminder); cleared when it moves.
ALTER TABLE appointments ADD COLUMN confirmed_at TIMESTAMP;
