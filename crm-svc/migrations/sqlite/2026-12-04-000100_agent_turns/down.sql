DROP TABLE agent_sent_messages;
DROP TABLE agent_turns;
