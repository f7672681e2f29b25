-- name: InsertSample :one
INSERT INTO samples (
  i2, i4, i8, num, f4, f8, b, t, vc, bc, ci, u, tstz, ts, d, tm, iv, by, j, jb, ip, net, em, md,
  mds, ints, grid, texts, tstzs, "from"
) VALUES (
  @i2, @i4, @i8, @num, @f4, @f8, @b, @t, @vc, @bc, @ci, @u, @tstz, @ts, @d, @tm, @iv, @by, @j,
  @jb, @ip, @net, @em, @md, @mds, @ints, @grid, @texts, @tstzs, sqlc.arg('from')
) RETURNING *;

-- name: ImportSamples :copyfrom
INSERT INTO samples (
  i2, i4, i8, num, f4, f8, b, t, vc, bc, ci, u, tstz, ts, d, tm, iv, by, j, jb, ip, net, em, md,
  mds, ints, grid, texts, tstzs, "from"
) VALUES (
  $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
  $21, $22, $23, $24, $25, $26, $27, $28, $29, $30
);

-- name: GetSample :one
SELECT * FROM samples WHERE id = @id;

-- name: ListSamples :many
SELECT * FROM samples ORDER BY id;
