-- +goose Up
-- A tombstone may hold an authorisation made while its order was being
-- cancelled; void_pending stays true until the provider has voided it.
ALTER TABLE payments ADD COLUMN void_pending boolean NOT NULL DEFAULT false;
CREATE INDEX payments_void_pending ON payments (updated_at) WHERE void_pending;

-- +goose Down
DROP INDEX payments_void_pending;
ALTER TABLE payments DROP COLUMN void_pending;
