-- A city's ranks in a round, for the next rank (MAX + 1) and for closing a gap: only its
-- recommendations carry a rank (1…n, set when a place is taken, cleared when it is freed), so both
-- read this index's few entries instead of every declaration of the city in the round.
ALTER TABLE declarations
  ADD KEY IF NOT EXISTS idx_declarations_rank (round_id, city, recommendation_rank);
