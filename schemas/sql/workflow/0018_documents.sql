-- Issue 19: the 申报书 as a document that can be printed and verified (CONTRACT §9).
--
-- A submitted content version now says when it was last submitted and which frozen file set went
-- with that submission (the declaration's version at the submit, the key of
-- declaration_submission_files), so that its 申报书 lists exactly the files reviewers were given,
-- even when that set was empty.
ALTER TABLE declaration_versions
  ADD COLUMN IF NOT EXISTS submitted_at DATETIME(6) NULL AFTER submitted,
  ADD COLUMN IF NOT EXISTS files_version INT NULL AFTER submitted_at;

-- Versions submitted before: the last `submit` entry between this content version and the next
-- one, and the newest file set frozen in that span (none: no file was listed).
UPDATE declaration_versions v
SET v.submitted_at = (
      SELECT MAX(CAST(REPLACE(REPLACE(JSON_VALUE(h.entry, '$.at'), 'T', ' '), 'Z', '') AS DATETIME(6)))
      FROM declaration_history h
      WHERE h.declaration_id = v.declaration_id AND JSON_VALUE(h.entry, '$.action') = 'submit'
        AND h.seq > v.version
        AND h.seq < COALESCE((SELECT MIN(v2.version) FROM declaration_versions v2
                              WHERE v2.declaration_id = v.declaration_id AND v2.version > v.version), 2147483647)),
    v.files_version = (
      SELECT MAX(s.version) FROM declaration_submission_files s
      WHERE s.declaration_id = v.declaration_id AND s.version > v.version
        AND s.version < COALESCE((SELECT MIN(v2.version) FROM declaration_versions v2
                                  WHERE v2.declaration_id = v.declaration_id AND v2.version > v.version), 2147483647))
WHERE v.submitted AND v.submitted_at IS NULL;

-- A printed 申报书's verification code (16 characters of Crockford base32: 80 bits of SHA-256 over
-- the declaration, the version and the SHA-256 of its content), written when the document is first
-- made. GET /v1/public/verify/{code} reads it; a code not here was never printed by this platform.
CREATE TABLE IF NOT EXISTS document_codes (
  code            CHAR(16)    NOT NULL PRIMARY KEY,
  declaration_id  CHAR(36)    NOT NULL,
  version         INT         NOT NULL,
  content_sha256  CHAR(64)    NOT NULL,
  created_at      DATETIME(6) NOT NULL,
  KEY idx_document_codes_declaration (declaration_id, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
