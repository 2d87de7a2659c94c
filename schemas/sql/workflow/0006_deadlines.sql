-- Deadlines (办理时限, CONTRACT §6): when a declaration arrived at the tier it awaits, and when
-- that tier's working days run out. After a return, due_at keeps the returning tier's due date:
-- a resubmission after the round has closed is allowed until then.
ALTER TABLE declarations
  ADD COLUMN IF NOT EXISTS arrived_at DATETIME(6) NULL AFTER publicity_ends_at,  -- UTC
  ADD COLUMN IF NOT EXISTS due_at DATETIME(6) NULL AFTER arrived_at;             -- UTC; NULL: not yet known

-- Declarations already at a tier arrived at their last change; their due date needs the
-- working-day calendar, so workflow computes it (any row at a tier with no due_at).
UPDATE declarations SET arrived_at = updated_at
WHERE state IN ('county_review', 'city_review', 'province_review') AND arrived_at IS NULL;
