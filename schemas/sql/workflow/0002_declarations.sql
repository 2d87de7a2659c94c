-- Declarations and everything that happens to them. workflow is the only writer.
CREATE TABLE declarations (
  id              CHAR(36)     NOT NULL PRIMARY KEY,
  number          VARCHAR(32)  NOT NULL,
  kind            VARCHAR(16)  NOT NULL,             -- morning_star | industry_brain
  org             CHAR(18)     NOT NULL,             -- 统一社会信用代码 of the applicant
  region          CHAR(6)      NOT NULL,             -- county-level GB/T 2260 code
  city            CHAR(6)      NOT NULL,             -- its city, for city reviewers' queries
  title           VARCHAR(200) NOT NULL,
  contact         JSON         NOT NULL,
  payload         JSON         NOT NULL,
  state           VARCHAR(16)  NOT NULL,
  version         INT          NOT NULL,
  returned_by     VARCHAR(8)   NULL,                 -- the tier that returned it, while returned
  decided         BOOLEAN      NOT NULL DEFAULT FALSE,  -- a reviewer has decided on it
  publicity_ends_at DATETIME(6) NULL,
  score           JSON         NULL,
  score_version   INT          NULL,                 -- the declaration version the score is for
  level_reached   TINYINT      NULL,                 -- 晨星工厂: verified level, else self-assessed
  created_by      VARCHAR(128) NOT NULL,
  created_at      DATETIME(6)  NOT NULL,
  updated_at      DATETIME(6)  NOT NULL,             -- the last change of state or content
  UNIQUE KEY uq_declarations_number (number),
  KEY idx_declarations_org (org, created_at, id),
  KEY idx_declarations_region (region, created_at, id),
  KEY idx_declarations_city (city, created_at, id),
  KEY idx_declarations_created (created_at, id),
  KEY idx_declarations_state (state, updated_at, id),
  KEY idx_declarations_publicity (state, publicity_ends_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every content version as it was (title, contact, payload), for the record.
CREATE TABLE declaration_versions (
  declaration_id  CHAR(36)    NOT NULL,
  version         INT         NOT NULL,
  title           VARCHAR(200) NOT NULL,
  contact         JSON        NOT NULL,
  payload         JSON        NOT NULL,
  created_at      DATETIME(6) NOT NULL,
  PRIMARY KEY (declaration_id, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The audit trail: append-only, each entry hashed over the previous hash and its canonical JSON.
CREATE TABLE declaration_history (
  declaration_id  CHAR(36)    NOT NULL,
  seq             INT         NOT NULL,
  entry           JSON        NOT NULL,              -- {seq, at, actor, action, from, to, comment, prev_hash}
  hash            CHAR(64)    NOT NULL,
  PRIMARY KEY (declaration_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Reviewers' verdicts per tier, in the order given; a later one on an item replaces an earlier one.
CREATE TABLE verdicts (
  declaration_id  CHAR(36)    NOT NULL,
  seq             INT         NOT NULL,
  tier            VARCHAR(8)  NOT NULL,
  verified        JSON        NOT NULL,
  decided_at      DATETIME(6) NOT NULL,
  PRIMARY KEY (declaration_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Readable numbers: MSF-2026-370102-000001, one sequence per kind, year and region.
CREATE TABLE number_sequences (
  kind            VARCHAR(16) NOT NULL,
  year            SMALLINT    NOT NULL,
  region          CHAR(6)     NOT NULL,
  last_value      INT         NOT NULL,
  PRIMARY KEY (kind, year, region)
) ENGINE=InnoDB;

-- The transactional outbox: events written with the change, published by the relay in id order.
CREATE TABLE outbox (
  id              BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id        VARCHAR(64) NOT NULL,
  declaration_id  CHAR(36)    NOT NULL,
  subject         VARCHAR(200) NOT NULL,
  body            MEDIUMTEXT  NOT NULL,
  created_at      DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  sent_at         DATETIME(6) NULL,
  UNIQUE KEY uq_outbox_event (event_id),
  KEY idx_outbox_unsent (sent_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
