-- Events this service's consumers have acted on: JetStream delivers at least once, this table
-- makes the effect happen once (db::mark_processed, in the same transaction as the effect).
CREATE TABLE processed_events (
  consumer      VARCHAR(64)  NOT NULL,
  event_id      VARCHAR(64)  NOT NULL,
  processed_at  DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (consumer, event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
