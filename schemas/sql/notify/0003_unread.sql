-- The inbox's unread count (GET /v1/notifications answers the caller's total, POST
-- /v1/notifications/read the count after) read from an index rather than every row of the
-- audience, and a deleted draft's notifications found by its id (declaration.deleted).
CREATE INDEX IF NOT EXISTS idx_notifications_unread ON notifications (audience, read_at);
CREATE INDEX IF NOT EXISTS idx_notifications_declaration ON notifications (declaration_id);
