-- Deadline reminders (CONTRACT §6): one working day before due_at and at due_at the tier's reviewers
-- are reminded, each reminder once. reminders_sent is the stage reached on this tier (0 none, 1 due
-- soon, 2 overdue; reset on arrival at a tier), next_reminder_at when the timer next acts (NULL:
-- nothing more to send). The timer selects on the index, then advances the stage under the row lock
-- in the transaction that writes the outbox event, so several instances send each reminder once.
ALTER TABLE declarations
  ADD COLUMN IF NOT EXISTS reminders_sent TINYINT NOT NULL DEFAULT 0 AFTER due_at,
  ADD COLUMN IF NOT EXISTS next_reminder_at DATETIME(6) NULL AFTER reminders_sent;  -- UTC

CREATE INDEX IF NOT EXISTS ix_declarations_next_reminder ON declarations (next_reminder_at);
-- The deadlines left open (the calendar lacked their year), which the timer computes later.
CREATE INDEX IF NOT EXISTS ix_declarations_open_due ON declarations (state, due_at);

-- Declarations already at a tier with a due date: the first reminder at the start of the tier's last
-- working day (24 h before due_at), or at due_at when the tier has one working day. Those with no due
-- date yet get both from workflow once the calendar covers it.
UPDATE declarations d JOIN rounds r ON r.id = d.round_id
SET d.next_reminder_at = IF(
  CAST(JSON_VALUE(r.review_working_days, CONCAT('$.', REPLACE(d.state, '_review', ''))) AS INTEGER) >= 2,
  d.due_at - INTERVAL 1 DAY, d.due_at)
WHERE d.state IN ('county_review', 'city_review', 'province_review') AND d.due_at IS NOT NULL
  AND d.next_reminder_at IS NULL AND d.reminders_sent = 0;
