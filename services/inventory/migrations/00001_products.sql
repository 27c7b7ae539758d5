-- +goose Up
-- The catalogue and its stock. The three counters only ever move between one
-- another (reserve, release, commit) or grow (restock); the checks make a bug
-- that would take stock below zero fail its transaction instead.
CREATE TABLE products (
    sku         text        PRIMARY KEY,
    name        text        NOT NULL,
    price_cents bigint      NOT NULL CHECK (price_cents >= 0),
    currency    char(3)     NOT NULL,
    available   bigint      NOT NULL CHECK (available >= 0),
    reserved    bigint      NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    sold        bigint      NOT NULL DEFAULT 0 CHECK (sold >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE products;
