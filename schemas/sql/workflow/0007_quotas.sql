-- City quotas (推荐名额), the city's ranking of its recommendations and the validity of a rating (CONTRACT §6).
-- A city's recommendations in a round are its declarations there in province_review, publicity or
-- approved; they are counted under the round row's lock, on idx_declarations_round_city.
ALTER TABLE declarations
  ADD COLUMN IF NOT EXISTS recommendation_rank INT NULL AFTER decided,  -- the city's order, 1…n; NULL when not recommended
  ADD COLUMN IF NOT EXISTS valid_until DATE NULL AFTER publicity_ends_at,  -- approval date (China Standard Time) + validity_years
  -- Covers the round counts (declared, submitted, recommended per city) and the per-round statistics.
  ADD KEY IF NOT EXISTS idx_declarations_round_city (round_id, city, state, submitted_version),
  -- The ratings expiring before a date.
  ADD KEY IF NOT EXISTS idx_declarations_valid_until (valid_until, created_at, id);

-- Recommendations made before ranks: ranked in the order they reached the province (updated_at, id).
UPDATE declarations d
JOIN (SELECT id, ROW_NUMBER() OVER (PARTITION BY round_id, city ORDER BY updated_at, id) AS n
      FROM declarations WHERE state IN ('province_review', 'publicity', 'approved')) ranked ON ranked.id = d.id
SET d.recommendation_rank = ranked.n
WHERE d.recommendation_rank IS NULL;

-- Ratings approved before validity was kept: their approval is the last history entry (end_publicity).
UPDATE declarations d
JOIN rounds r ON r.id = d.round_id
SET d.valid_until = DATE(d.updated_at + INTERVAL 8 HOUR) + INTERVAL r.validity_years YEAR
WHERE d.state = 'approved' AND d.valid_until IS NULL;
