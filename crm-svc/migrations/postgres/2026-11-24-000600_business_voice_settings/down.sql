ALTER TABLE businesses DROP COLUMN agent_voice;
ALTER TABLE businesses DROP COLUMN voice_mode;
