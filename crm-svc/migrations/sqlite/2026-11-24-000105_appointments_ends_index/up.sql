-- A calendar range query asks for appointments overlapping [from, to): starts_at < to AND
-- ends_at > from. Most of a business's history ended before `from`, so (business_id, ends_at)
-- narrows it to the range's end of the calendar.
CREATE INDEX appointments_business_ends ON appointments (business_id, ends_at);
