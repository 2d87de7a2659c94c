-- The four due-date queue indexes of 0008 lose search_text: a search (q=) reads the arrived
-- indexes, which keep it, and sorts what it matched when the page is in due_at order (a few
-- thousand index entries at most). Without it, the due indexes are about half the bytes: a total
-- without a search counts them twice as fast, and every change of state writes four wide entries
-- fewer (docs/performance.md, "The reviewer's queue at 20,000").
ALTER TABLE declarations
  DROP KEY ix_queue_due,
  DROP KEY ix_queue_city_due,
  DROP KEY ix_queue_region_due,
  DROP KEY ix_queue_round_due,
  ADD KEY ix_queue_due (state, due_key, id, round_id, kind, arrived_at),
  ADD KEY ix_queue_city_due (state, city, due_key, id, round_id, kind, arrived_at),
  ADD KEY ix_queue_region_due (state, region, due_key, id, round_id, kind, arrived_at),
  ADD KEY ix_queue_round_due (round_id, state, due_key, id, city, region, kind, arrived_at);
