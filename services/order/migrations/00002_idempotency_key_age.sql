-- +goose Up
-- Idempotency keys are deleted once they are older than the service's
-- ORDER_IDEMPOTENCY_KEY_TTL; keys are inserted in time order, which a BRIN
-- index serves at a fraction of a B-tree's size.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys USING brin (created_at);

-- +goose Down
DROP INDEX idempotency_keys_created_at;
