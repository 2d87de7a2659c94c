-- Issue 21: every change appends to the declaration's hash-chained history, and read the chain's
-- last entry first (its seq and hash, which the next entry links to): a statement for each change.
-- The head is kept on the declaration's row instead, written in the same UPDATE as the change
-- (and with a creation's INSERT), and read with the row under its lock. 0 and NULL: no entry yet.
ALTER TABLE declarations
  ADD COLUMN IF NOT EXISTS history_seq  INT      NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS history_head CHAR(64) NULL;

-- The heads of the declarations already there. Replicas of an older workflow must be stopped
-- before this runs: an entry they appended meanwhile would not move the row's head, and the next
-- change would then fail on the history's key (declaration_id, seq) instead of linking to it.
UPDATE declarations d
JOIN declaration_history h ON h.declaration_id = d.id
 AND h.seq = (SELECT MAX(seq) FROM declaration_history WHERE declaration_id = d.id)
SET d.history_seq = h.seq, d.history_head = h.hash;
