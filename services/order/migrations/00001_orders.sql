-- +goose Up
-- Orders with their priced lines. Lines never change after placement, so
-- they live in the order row as jsonb: one row to load, one row to lock.
CREATE TABLE orders (
    id             uuid        PRIMARY KEY,
    customer_id    text        NOT NULL,
    lines          jsonb       NOT NULL,
    total_cents    bigint      NOT NULL CHECK (total_cents >= 0),
    currency       text        NOT NULL,
    payment_method text        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
    reason         text        NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

-- A customer's orders, newest first.
CREATE INDEX orders_customer_created ON orders (customer_id, created_at DESC, id DESC);

-- The saga timeout sweeper only looks at pending orders; the partial index
-- stays as small as the number of sagas in flight.
CREATE INDEX orders_pending_created ON orders (created_at) WHERE status = 'PENDING';

-- Idempotency keys, unique per customer, with a hash of the request that
-- first used the key so a reuse with another body can be refused.
CREATE TABLE idempotency_keys (
    customer_id  text        NOT NULL,
    key          text        NOT NULL,
    request_hash text        NOT NULL,
    order_id     uuid        NOT NULL REFERENCES orders (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE orders;
