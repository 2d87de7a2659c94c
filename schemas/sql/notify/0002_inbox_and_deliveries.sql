-- The inbox: one notification per (event, audience); an audience is "org:<USCC>" for an
-- applicant or "reviewer:<tier>:<region>" for the reviewers of a jurisdiction.
CREATE TABLE notifications (
  id              CHAR(36)     NOT NULL PRIMARY KEY,
  audience        VARCHAR(40)  NOT NULL,
  event_id        VARCHAR(64)  NOT NULL,
  event_type      VARCHAR(64)  NOT NULL,
  declaration_id  CHAR(36)     NOT NULL,
  number          VARCHAR(32)  NOT NULL,
  title           VARCHAR(200) NOT NULL,
  body            TEXT         NOT NULL,
  created_at      DATETIME(6)  NOT NULL,
  read_at         DATETIME(6)  NULL,
  UNIQUE KEY uq_notifications_event (event_id, audience),
  KEY idx_notifications_audience (audience, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- An org's webhook; the secret is kept encrypted (AES-256-GCM) and never returned.
CREATE TABLE webhooks (
  org             CHAR(18)     NOT NULL PRIMARY KEY,
  url             VARCHAR(2000) NOT NULL,
  secret_sealed   VARBINARY(512) NOT NULL,
  updated_at      DATETIME(6)  NOT NULL
) ENGINE=InnoDB;

-- One delivery per (event, recipient, channel): retried with back-off until it succeeds or is
-- dead-lettered; an admin may replay a dead one.
CREATE TABLE deliveries (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id        VARCHAR(64)  NOT NULL,
  channel         VARCHAR(8)   NOT NULL,             -- webhook | email
  recipient       VARCHAR(254) NOT NULL,             -- the org (webhook) or the address (email)
  target          VARCHAR(2000) NOT NULL,            -- the URL or the address at enqueue time
  receiver        VARCHAR(255) NOT NULL,             -- host, for per-receiver concurrency
  subject         VARCHAR(200) NOT NULL,
  body            MEDIUMTEXT   NOT NULL,
  state           VARCHAR(10)  NOT NULL,             -- pending | sending | delivered | dead
  attempts        INT          NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(6)  NOT NULL,
  last_error      VARCHAR(1000) NULL,
  created_at      DATETIME(6)  NOT NULL,
  delivered_at    DATETIME(6)  NULL,
  UNIQUE KEY uq_deliveries (event_id, channel, recipient),
  KEY idx_deliveries_due (state, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
