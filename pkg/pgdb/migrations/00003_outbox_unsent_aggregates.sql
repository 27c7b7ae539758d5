-- +goose Up
-- A writer that hands its events to the relay checks, in its commit, that
-- no earlier event of the same aggregates is still unsent
-- (outbox.QueueGuard). This partial index answers that from the unsent rows
-- alone, however many sent rows the table keeps.
CREATE INDEX outbox_unsent_aggregate ON outbox (aggregate_id) WHERE sent_at IS NULL;

-- +goose Down
DROP INDEX outbox_unsent_aggregate;
