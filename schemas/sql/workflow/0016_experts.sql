-- Expert review at the province (CONTRACT §8): the pool of experts, each declaration's panel and the
-- experts' reviews. A panel member who has reviewed stays when the panel is re-assigned.
CREATE TABLE IF NOT EXISTS experts (
  sub          VARCHAR(64)  NOT NULL PRIMARY KEY,  -- the id the expert's tokens carry
  name         VARCHAR(50)  NOT NULL,
  employer     CHAR(18)     NULL,                  -- 统一社会信用代码 of its employer
  home_region  CHAR(6)      NOT NULL,              -- a county or city code
  kinds        JSON         NOT NULL,              -- ["morning_star", "industry_brain"]
  created_by   VARCHAR(128) NOT NULL,
  created_at   DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS panels (
  declaration_id CHAR(36)     NOT NULL PRIMARY KEY,
  due_at         DATETIME(6)  NOT NULL,             -- UTC
  reminder_at    DATETIME(6)  NULL,                 -- when the members yet to review are reminded; NULL: done
  assigned_by    VARCHAR(128) NOT NULL,
  updated_at     DATETIME(6)  NOT NULL,
  KEY ix_panels_reminder (reminder_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS panel_members (
  declaration_id CHAR(36)    NOT NULL,
  expert_sub     VARCHAR(64) NOT NULL,
  assigned_at    DATETIME(6) NOT NULL,
  PRIMARY KEY (declaration_id, expert_sub),
  KEY ix_panel_members_expert (expert_sub, assigned_at, declaration_id)  -- the expert's queue
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS expert_reviews (
  declaration_id CHAR(36)    NOT NULL,
  expert_sub     VARCHAR(64) NOT NULL,
  score          DOUBLE      NOT NULL,              -- 0..100
  opinion        TEXT        NOT NULL,
  items          JSON        NULL,                  -- {dimension or criterion id: note}
  submitted_at   DATETIME(6) NOT NULL,
  PRIMARY KEY (declaration_id, expert_sub)          -- once
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
