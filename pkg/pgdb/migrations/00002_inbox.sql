-- +goose Up
-- The inbox: one row per (consumer, event) that a consumer has applied,
-- committed with the effect so that a redelivered event has none.
CREATE TABLE inbox (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

CREATE INDEX inbox_processed_at ON inbox USING brin (processed_at);

-- +goose Down
DROP TABLE inbox;
