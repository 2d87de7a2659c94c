-- Issue 20: a change (submit, withdraw, a decision, an expert review, an objection's resolution)
-- that workflow carried out while the gateway's request timed out is answered 503 and its
-- Idempotency-Key released; the retry must get the first response (CONTRACT §3), not the 409 or 412
-- of the state the change made. The successful reply of a command under a request key (SHA-256 hex
-- of the key's scope and the key) is recorded here in the change's transaction and answered again
-- for 24 hours; a refusal is not recorded.
CREATE TABLE IF NOT EXISTS command_replies (
  request_key    CHAR(64)     NOT NULL PRIMARY KEY,
  verb           VARCHAR(64)  NOT NULL,            -- the command's, e.g. submit
  declaration_id CHAR(36)     NULL,                -- the declaration it changed, when it names one
  reply          MEDIUMTEXT   NOT NULL,            -- the reply's JSON as the command codec writes it
  created_at     DATETIME(6)  NOT NULL,
  KEY ix_command_replies_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
