-- The task-due scheduler looks only at open tasks not yet announced, by due date.
CREATE INDEX tasks_due_pending ON tasks (due_at) WHERE done = FALSE AND notified_at IS NULL AND due_at IS NOT NULL;
