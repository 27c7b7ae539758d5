-- +goose Up
-- One row per order the inventory has heard of: the stock it holds or held,
-- or a tombstone when the cancel came first. The row is never deleted, so a
-- late or repeated order event finds it and changes nothing.
CREATE TABLE reservations (
    order_id   text        PRIMARY KEY,
    state      text        NOT NULL
        CHECK (state IN ('reserved', 'rejected', 'released', 'committed', 'tombstone')),
    lines      jsonb       NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Checkers and operators look for reservations still holding stock.
CREATE INDEX reservations_reserved ON reservations (created_at) WHERE state = 'reserved';

-- +goose Down
DROP TABLE reservations;
