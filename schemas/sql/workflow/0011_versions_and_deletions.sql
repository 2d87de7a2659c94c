-- Issue 15: what changed between versions (GET /v1/declarations/{id}/diff, `changes` in history)
-- and drafts deleted (DELETE /v1/declarations/{id}).
--
-- A content version now keeps the org_name it had, and says whether it was submitted: reviewers
-- may compare only the versions they were shown.
ALTER TABLE declaration_versions
  ADD COLUMN IF NOT EXISTS org_name VARCHAR(100) NULL AFTER title,
  ADD COLUMN IF NOT EXISTS submitted BOOLEAN NOT NULL DEFAULT FALSE;

-- Versions written before: the declaration's org_name now is the only one known.
UPDATE declaration_versions v JOIN declarations d ON d.id = v.declaration_id
SET v.org_name = d.org_name
WHERE v.org_name IS NULL;

-- A `submit` history entry at seq s is the change to declaration version s (every change appends
-- one entry and adds one to the version, as 0003 relies on too), and what it submitted is the
-- newest content version before it.
UPDATE declaration_versions v
SET v.submitted = TRUE
WHERE EXISTS (
  SELECT 1 FROM declaration_history h
  WHERE h.declaration_id = v.declaration_id AND JSON_VALUE(h.entry, '$.action') = 'submit'
    AND v.version = (SELECT MAX(v2.version) FROM declaration_versions v2
                     WHERE v2.declaration_id = h.declaration_id AND v2.version < h.seq));

-- A draft never submitted may be deleted by its applicant: its content, versions and history go
-- (no reviewer ever saw them, CONTRACT §2), and this row keeps, for the audit, that its number
-- was taken and by whom it was deleted, with the head of its history chain.
CREATE TABLE IF NOT EXISTS deleted_declarations (
  id              CHAR(36)     NOT NULL PRIMARY KEY,
  number          VARCHAR(32)  NOT NULL,
  kind            VARCHAR(16)  NOT NULL,
  round_id        CHAR(36)     NOT NULL,
  org             CHAR(18)     NOT NULL,
  region          CHAR(6)      NOT NULL,
  version         INT          NOT NULL,             -- the last version, the one If-Match named
  history_entries INT          NOT NULL,
  history_head    CHAR(64)     NOT NULL,             -- the hash of its last history entry
  created_by      VARCHAR(128) NOT NULL,
  created_at      DATETIME(6)  NOT NULL,
  deleted_by      VARCHAR(128) NOT NULL,
  deleted_at      DATETIME(6)  NOT NULL,
  UNIQUE KEY uq_deleted_declarations_number (number),
  KEY idx_deleted_declarations_org (org, deleted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
