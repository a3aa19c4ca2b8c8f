-- A business's opening hours: weekly ranges, city, Shabbat/holiday customs and one-off dates, as the
-- JSON of agentlocator-hours' HoursSettings (validated by crm-svc before it is stored). No row: the
-- default hours (Sunday-Thursday 09:00-17:00, Friday 09:00-13:00, Tel Aviv, closed on Shabbat and
-- the holidays).
CREATE TABLE business_hours (
    business_id TEXT PRIMARY KEY NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    settings TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
