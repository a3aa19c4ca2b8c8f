DROP TABLE call_follow_ups;
