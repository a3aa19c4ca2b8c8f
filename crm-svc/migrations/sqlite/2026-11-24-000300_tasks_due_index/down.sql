DROP INDEX tasks_due_pending;
