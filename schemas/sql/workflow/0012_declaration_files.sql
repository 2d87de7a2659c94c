-- Issue 17: evidence files (佐证材料, CONTRACT §7). Workflow keeps what each file is; the gateway
-- keeps its bytes, stored by sha256 (the same bytes twice are stored once).
--
-- A file is listed by its declaration while removed_at is NULL (what the applicant edits). A
-- submission freezes that list under the declaration version the submit made
-- (declaration_submission_files); reviewers see the list of submitted_files_version. A file
-- removed after it was submitted keeps its row (removed_at set) for the versions that name it;
-- one never submitted is deleted outright.
CREATE TABLE IF NOT EXISTS declaration_files (
  id             CHAR(36)     NOT NULL PRIMARY KEY,
  declaration_id CHAR(36)     NOT NULL,
  item           VARCHAR(32)  NOT NULL,             -- a criterion or indicator id, or 'declaration'
  name           VARCHAR(200) NOT NULL,             -- as uploaded, UTF-8
  media_type     VARCHAR(100) NOT NULL,             -- decided from the content
  size           BIGINT       NOT NULL,
  sha256         CHAR(64)     NOT NULL,
  uploaded_at    DATETIME(6)  NOT NULL,
  uploaded_by    VARCHAR(128) NOT NULL,
  removed_at     DATETIME(6)  NULL,
  KEY idx_declaration_files_listed (declaration_id, removed_at),
  KEY idx_declaration_files_sha256 (sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS declaration_submission_files (
  declaration_id CHAR(36) NOT NULL,
  version        INT      NOT NULL,                 -- the declaration version the submit made
  file_id        CHAR(36) NOT NULL,
  PRIMARY KEY (declaration_id, version, file_id),
  KEY idx_submission_files_file (file_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The submission whose files reviewers see (NULL: never submitted since files existed).
ALTER TABLE declarations ADD COLUMN IF NOT EXISTS submitted_files_version INT NULL;
