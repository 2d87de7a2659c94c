-- A key belongs to the whole caller and the path (CONTRACT §3): `caller` becomes the SHA-256 of
-- issuer, sub, role, org, tier, region and path. Keys recorded under a bare sub could be replayed
-- to another caller with the same sub, so none of them is kept.
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys
  CHANGE caller scope CHAR(64) NOT NULL COMMENT 'SHA-256 hex of the caller''s identity and the path';
