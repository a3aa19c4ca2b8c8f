-- When a task was marked done (NULL while open); reports count tasks done in a period by it.
ALTER TABLE tasks ADD COLUMN done_at TIMESTAMP;
