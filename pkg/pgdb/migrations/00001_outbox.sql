-- +goose Up
-- The transactional outbox: a service inserts its events here in the same
-- transaction as the state change; outbox.Relay publishes them to JetStream.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    aggregate_id text        NOT NULL,
    type         text        NOT NULL,
    source       text        NOT NULL,
    subject      text        NOT NULL,
    event_time   timestamptz NOT NULL,
    data_schema  text        NOT NULL DEFAULT '',
    trace_parent text        NOT NULL DEFAULT '',
    payload      bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);

-- The relay only ever looks for unsent rows in id order; the partial index
-- stays as small as the backlog.
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- A queue table: every row is updated once and deleted later. Vacuum it
-- after a small share of changes, so dead entries do not pile up in the
-- partial index that every claim walks.
ALTER TABLE outbox SET (
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_analyze_scale_factor = 0.02
);

-- Pruning deletes old rows by creation time; BRIN is nearly free to maintain
-- on an append-only table.
CREATE INDEX outbox_created_at ON outbox USING brin (created_at);

-- +goose Down
DROP TABLE outbox;
