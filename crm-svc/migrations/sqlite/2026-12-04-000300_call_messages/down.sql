DROP TABLE call_messages;
