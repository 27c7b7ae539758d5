-- +goose Up
-- One row per order: its payment, or a CANCELLED tombstone for an order
-- cancelled before its payment was requested.
CREATE TABLE payments (
    order_id     uuid        PRIMARY KEY,
    status       text        NOT NULL CHECK (status IN ('AUTHORISED', 'FAILED', 'CAPTURED', 'VOIDED', 'CANCELLED')),
    auth_id      text        NOT NULL DEFAULT '',
    amount_cents bigint      NOT NULL CHECK (amount_cents >= 0),
    currency     text        NOT NULL DEFAULT '',
    reason       text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

-- The admin listing reads newest first, optionally of one status.
CREATE INDEX payments_created_at ON payments (created_at DESC, order_id DESC);
CREATE INDEX payments_status_created_at ON payments (status, created_at DESC, order_id DESC);

-- +goose Down
DROP TABLE payments;
