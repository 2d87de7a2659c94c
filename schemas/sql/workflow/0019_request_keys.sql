-- Issue 20: a creation re-run after its gateway died (an abandoned Idempotency-Key claim taken
-- over, CONTRACT §3) must not create a second row. The gateway sends a request key (SHA-256 hex of
-- the key's scope and the key); a row created under it is answered again instead. NULL: created
-- without an Idempotency-Key, or before this migration.
ALTER TABLE declarations
  ADD COLUMN IF NOT EXISTS request_key CHAR(64) NULL,
  ADD UNIQUE KEY IF NOT EXISTS ux_declarations_request_key (request_key);

ALTER TABLE rounds
  ADD COLUMN IF NOT EXISTS request_key CHAR(64) NULL,
  ADD UNIQUE KEY IF NOT EXISTS ux_rounds_request_key (request_key);

ALTER TABLE experts
  ADD COLUMN IF NOT EXISTS request_key CHAR(64) NULL,
  ADD UNIQUE KEY IF NOT EXISTS ux_experts_request_key (request_key);
