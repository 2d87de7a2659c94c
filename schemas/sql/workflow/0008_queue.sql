-- The reviewer's queue (CONTRACT §6, GET /v1/reviews/pending) over 20,000 declarations in
-- milliseconds: what it filters and sorts on, kept by MariaDB on every write, and an index for
-- each shape of its query (docs/performance.md shows their plans; tests/integration/queue_test.cpp
-- asserts them with EXPLAIN).
--
-- search_text: number, org (USCC), org_name and title, Latin letters lower-cased, one per line so
-- that a match never spans two fields, as bytes (VARBINARY: LIKE compares bytes, twice as fast as
-- through a collation, and a UTF-8 substring is a byte substring). q= is a substring of it
-- (workflow lower-cases q the same way and escapes LIKE's % and _). RTRIM: MariaDB allows a CHAR
-- column in a stored expression only through a function that does not depend on
-- PAD_CHAR_TO_FULL_LENGTH; org is always 18 characters.
-- due_key: due_at, or the end of time when there is none, so that due_at order puts those last
-- and an index serves it in order.
ALTER TABLE declarations
  ADD COLUMN IF NOT EXISTS search_text VARBINARY(1600)
    AS (CAST(LOWER(CONCAT_WS('\n', number, RTRIM(org), org_name, title)) AS BINARY)) PERSISTENT,
  ADD COLUMN IF NOT EXISTS due_key DATETIME(6)
    AS (COALESCE(due_at, '9999-12-31 23:59:59.999999')) PERSISTENT;

-- A declaration at a tier always has arrived_at (0006 set it for those already there).
UPDATE declarations SET arrived_at = updated_at
WHERE state IN ('county_review', 'city_review', 'province_review') AND arrived_at IS NULL;

-- One index per (jurisdiction, order): the province's whole tier, a city's, a county's (a county
-- reviewer, or county= for the tiers above), and a round's, each in arrived_at and in due_at order.
-- id follows the order, so that the index is the page's order (ORDER BY key, id: no sort) and the
-- cursor a range; the columns after it are the other filters (round, kind, county, overdue, q),
-- read from the index itself (index condition pushdown, or the index alone for the total) so that
-- a search never fetches a row it does not return (an overdue queue reads the due date's range and
-- sorts those entries, so the due indexes hold arrived_at too). Workflow names the index of each shape (FORCE
-- INDEX: the optimizer's guess flips to a full scan when the tier holds half the table).
ALTER TABLE declarations
  ADD KEY IF NOT EXISTS ix_queue_arrived (state, arrived_at, id, round_id, kind, due_key, search_text),
  ADD KEY IF NOT EXISTS ix_queue_due (state, due_key, id, round_id, kind, arrived_at, search_text),
  ADD KEY IF NOT EXISTS ix_queue_city_arrived (state, city, arrived_at, id, round_id, kind, due_key, search_text),
  ADD KEY IF NOT EXISTS ix_queue_city_due (state, city, due_key, id, round_id, kind, arrived_at, search_text),
  ADD KEY IF NOT EXISTS ix_queue_region_arrived (state, region, arrived_at, id, round_id, kind, due_key, search_text),
  ADD KEY IF NOT EXISTS ix_queue_region_due (state, region, due_key, id, round_id, kind, arrived_at, search_text),
  ADD KEY IF NOT EXISTS ix_queue_round_arrived
    (round_id, state, arrived_at, id, city, region, kind, due_key, search_text),
  ADD KEY IF NOT EXISTS ix_queue_round_due (round_id, state, due_key, id, city, region, kind, arrived_at, search_text);
