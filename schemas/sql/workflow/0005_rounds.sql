-- Programme rounds (申报批次, CONTRACT §6): a declaration names its round and takes its kind.
-- A round's state is not stored: it follows from the clock and [opens_at, closes_at).
CREATE TABLE IF NOT EXISTS rounds (
  id                     CHAR(36)     NOT NULL PRIMARY KEY,
  kind                   VARCHAR(16)  NOT NULL,              -- morning_star | industry_brain
  year                   SMALLINT     NOT NULL,
  title                  VARCHAR(200) NOT NULL,
  opens_at               DATETIME(6)  NOT NULL,              -- UTC
  closes_at              DATETIME(6)  NOT NULL,              -- UTC, exclusive
  review_working_days    JSON         NOT NULL,              -- {"county", "city", "province"} (办理时限)
  quotas                 JSON         NOT NULL,              -- {"<city code>": 推荐名额}
  publicity_working_days TINYINT      NOT NULL,
  validity_years         TINYINT      NOT NULL,
  version                INT          NOT NULL,
  created_at             DATETIME(6)  NOT NULL,
  updated_at             DATETIME(6)  NOT NULL,
  KEY idx_rounds_kind (kind, opens_at, id),
  KEY idx_rounds_opens (opens_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE declarations
  ADD COLUMN IF NOT EXISTS round_id CHAR(36) NULL AFTER kind,
  ADD COLUMN IF NOT EXISTS org_name VARCHAR(100) NULL AFTER org;  -- 企业名称, required at submit

-- Declarations made before rounds: one round per (kind, year of creation in China Standard Time),
-- spanning that year, with the contract's default deadlines and no quotas.
INSERT INTO rounds (id, kind, year, title, opens_at, closes_at, review_working_days, quotas,
                    publicity_working_days, validity_years, version, created_at, updated_at)
SELECT UUID(), g.kind, g.y,
       CONCAT(g.y, '年度', IF(g.kind = 'morning_star', '晨星工厂', '产业大脑'), '申报'),
       MAKEDATE(g.y, 1) - INTERVAL 8 HOUR, MAKEDATE(g.y + 1, 1) - INTERVAL 8 HOUR,
       '{"county": 5, "city": 10, "province": 15}', '{}', 5, 3, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)
FROM (SELECT DISTINCT kind, YEAR(created_at + INTERVAL 8 HOUR) AS y FROM declarations WHERE round_id IS NULL) g;

UPDATE declarations d
JOIN rounds r ON r.kind = d.kind AND r.year = YEAR(d.created_at + INTERVAL 8 HOUR)
SET d.round_id = r.id
WHERE d.round_id IS NULL;

ALTER TABLE declarations
  MODIFY COLUMN round_id CHAR(36) NOT NULL,
  ADD KEY IF NOT EXISTS idx_declarations_round (round_id, created_at, id);
