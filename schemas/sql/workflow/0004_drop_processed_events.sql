-- Scores are computed in the transaction of the change they score (issue 14), so workflow no
-- longer consumes score.computed events and keeps no marks of them.
DROP TABLE IF EXISTS processed_events;
