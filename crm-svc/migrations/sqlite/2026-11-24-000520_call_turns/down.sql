DROP TABLE call_turns;
