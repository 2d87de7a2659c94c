-- Scoring no longer consumes declaration events (issue 14: workflow scores in its own
-- transaction); it only answers previews, which store nothing.
DROP TABLE IF EXISTS processed_events;
