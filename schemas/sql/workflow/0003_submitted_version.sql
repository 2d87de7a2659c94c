-- What reviewers and admins see (CONTRACT §2): nothing of a declaration never submitted, and after
-- a return the content and score last submitted, not the applicant's edits in progress.
ALTER TABLE declarations
  ADD COLUMN IF NOT EXISTS submitted_version INT NULL,        -- declaration_versions.version last submitted; NULL: never submitted
  ADD COLUMN IF NOT EXISTS submitted_score JSON NULL,         -- the newest score of that content
  ADD COLUMN IF NOT EXISTS submitted_score_version INT NULL;  -- the declaration version that score is for
-- level_reached from now on follows submitted_score (it feeds the statistics, which count submitted content only).

-- Backfill from the record. A declaration's version is the seq of its last history entry (every
-- change appends one entry and adds one to the version), so the content last submitted is the
-- newest content version at or before the last `submit` entry.
UPDATE declarations d
SET d.submitted_version = (
  SELECT MAX(v.version) FROM declaration_versions v
  WHERE v.declaration_id = d.id
    AND v.version <= (SELECT MAX(h.seq) FROM declaration_history h
                      WHERE h.declaration_id = d.id AND JSON_VALUE(h.entry, '$.action') = 'submit'));

-- The score kept is the submitted content's when it is the newest; otherwise (edited after a return)
-- it is unknown until the next submit, and so is the level the statistics count.
UPDATE declarations d
SET d.submitted_score = d.score, d.submitted_score_version = d.score_version
WHERE d.submitted_version IS NOT NULL AND d.score_version IS NOT NULL
  AND (SELECT MAX(v.version) FROM declaration_versions v
       WHERE v.declaration_id = d.id AND v.version <= d.score_version) = d.submitted_version;
UPDATE declarations d SET d.level_reached = NULL WHERE d.submitted_score IS NULL;
