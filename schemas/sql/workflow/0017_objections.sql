-- Real-name objections during 公示 (CONTRACT §8). The objector's identity (name, id_number or org,
-- phone) is for province reviewers only; history and events carry the objection's id, never it.
CREATE TABLE IF NOT EXISTS objections (
  id             CHAR(36)     NOT NULL PRIMARY KEY,
  declaration_id CHAR(36)     NOT NULL,
  name           VARCHAR(50)  NOT NULL,
  id_number      CHAR(18)     NULL,                 -- 公民身份号码, or
  org            CHAR(18)     NULL,                 -- the objecting org's 统一社会信用代码
  phone          VARCHAR(20)  NOT NULL,
  content        TEXT         NOT NULL,
  state          VARCHAR(8)   NOT NULL DEFAULT 'open',  -- open | resolved
  outcome        VARCHAR(10)  NULL,                 -- upheld | dismissed
  comment        TEXT         NULL,
  filed_at       DATETIME(6)  NOT NULL,
  resolved_at    DATETIME(6)  NULL,
  resolved_by    VARCHAR(128) NULL,
  KEY ix_objections_declaration (declaration_id, state),
  KEY ix_objections_state (state, filed_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
