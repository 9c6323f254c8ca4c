-- Run at startup on whichever server the sample uses (spring.sql.init.mode=always), so it must be idempotent.
-- The publication and the replication slot are pgrepl's to create: see pgrepl.connections.orders in application.yml.
CREATE TABLE IF NOT EXISTS orders (
    id         bigserial PRIMARY KEY,
    customer   text,
    amount     numeric(10, 2),
    status     text,
    updated_at timestamptz
);
