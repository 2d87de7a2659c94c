-- The first response to a POST with an Idempotency-Key, replayed for 24 hours (CONTRACT §3).
CREATE TABLE idempotency_keys (
  caller        VARCHAR(128) NOT NULL,          -- the token's sub, so keys of callers never collide
  idem_key      VARCHAR(255) NOT NULL,
  request_hash  CHAR(64)     NOT NULL,          -- SHA-256 of method, path and body
  status        SMALLINT     NOT NULL,
  headers       JSON         NOT NULL,
  body          MEDIUMTEXT   NOT NULL,
  created_at    DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (caller, idem_key),
  KEY idx_idempotency_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
