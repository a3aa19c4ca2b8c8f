-- How the business's calls run and the voice its agent speaks with. voice_mode '' is automatic
-- (voice-svc picks realtime when it has a realtime engine, else record); agent_voice '' is the
-- engine's default voice.
ALTER TABLE businesses ADD COLUMN voice_mode TEXT NOT NULL DEFAULT ''
    CHECK (voice_mode IN ('', 'realtime', 'record'));
ALTER TABLE businesses ADD COLUMN agent_voice TEXT NOT NULL DEFAULT '';
