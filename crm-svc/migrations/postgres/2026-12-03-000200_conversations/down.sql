DROP TABLE conversation_reads;
DROP TABLE conversations;
