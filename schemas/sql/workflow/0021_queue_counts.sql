-- Issue 21: a reviewer's queue answers its `total` (CONTRACT §6) on every page, and counting the
-- 20,000 index entries of a busy queue costs more than the page itself (about 2 ms a request).
-- The number of declarations in each review state per county is kept here instead, changed in the
-- transaction of every change that moves a declaration into or out of one (workflow's apply), so
-- the total of a queue without a search, round, kind or overdue filter is a sum of a few rows.
-- A county's count is spread over 16 slots (by the declaration id's last hex digit), and changed
-- last in its transaction, so that the changes of one busy county do not all wait for one row's lock.
CREATE TABLE IF NOT EXISTS queue_counts (
  state  VARCHAR(16)       NOT NULL,   -- county_review | city_review | province_review
  region CHAR(6)           NOT NULL,   -- the county
  slot   TINYINT UNSIGNED  NOT NULL,   -- 0..15
  city   CHAR(6)           NOT NULL,   -- the county's city, for a city reviewer's total
  n      INT               NOT NULL,
  PRIMARY KEY (state, region, slot),
  KEY ix_queue_counts_city (state, city, n)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The declarations already waiting, counted once (slot 0). Replicas of an older workflow must be
-- stopped before this runs: a change they made meanwhile would not be counted.
INSERT INTO queue_counts (state, region, slot, city, n)
SELECT state, region, 0, city, COUNT(*) FROM declarations
WHERE state IN ('county_review', 'city_review', 'province_review')
GROUP BY state, region, city
ON DUPLICATE KEY UPDATE n = VALUES(n);
