-- After sqlc's internal/endtoend/testdata cases: copyfrom, sqlc_slice, sqlc_narg, join_left,
-- cte_count, json_build, array_in, enum, returning, pg_advisory_xact_lock.
CREATE SCHEMA myschema;
CREATE TABLE myschema.foo (a text, b integer, c timestamp, d date, e jsonb);

CREATE TYPE job_status AS ENUM ('pending', 'running', 'done');

CREATE TABLE foo (
    id     serial PRIMARY KEY,
    name   text NOT NULL,
    bar    text,
    ready  boolean NOT NULL DEFAULT false,
    status job_status NOT NULL DEFAULT 'pending',
    labels text[] NOT NULL DEFAULT '{}',
    meta   jsonb
);

CREATE TABLE authors (
    id        bigserial PRIMARY KEY,
    name      text NOT NULL,
    parent_id bigint REFERENCES authors (id)
);
CREATE INDEX authors_parent_id_idx ON authors (parent_id);
