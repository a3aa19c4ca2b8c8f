ALTER TABLE appointments DROP COLUMN confirmed_at;
DROP TABLE scheduled_messages;
DROP TABLE appointment_reminders;
DROP TABLE reminder_opt_outs;
DROP TABLE reminder_settings;
