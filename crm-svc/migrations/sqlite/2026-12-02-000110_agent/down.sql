DROP TABLE agent_conversations;
DROP TABLE agent_actions;
DROP TABLE agent_definitions;
