-- name: InsertValues :copyfrom
INSERT INTO myschema.foo (a, b) VALUES ($1, $2);

-- name: InsertSingleValue :copyfrom
INSERT INTO myschema.foo (a) VALUES ($1);

-- name: InsertAll :copyfrom
INSERT INTO myschema.foo (a, b, c, d, e) VALUES ($1, $2, $3, $4, $5);

-- name: CountFoo :one
SELECT count(*) FROM myschema.foo;

-- name: ListFoo :many
SELECT * FROM myschema.foo ORDER BY a, b;
