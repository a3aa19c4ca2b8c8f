-- Pruning processed event ids by age (crm-svc's retention) reads this index.
CREATE INDEX processed_events_processed_at ON processed_events (processed_at);
