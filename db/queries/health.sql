-- name: ListForeignKeys :many
-- Every foreign key of the public schema: table, columns, referenced table and columns, and
-- the ON DELETE action (a = no action, r = restrict, c = cascade, n = set null, d = set
-- default). Constraints inherited by partitions are listed once, on the parent.
SELECT
    c.conrelid::regclass::text AS table_name,
    c.conname::text AS constraint_name,
    ARRAY(
        SELECT a.attname::text
        FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        ORDER BY k.ord
    )::text[] AS columns,
    c.confrelid::regclass::text AS referenced_table,
    ARRAY(
        SELECT a.attname::text
        FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.confrelid AND a.attnum = k.attnum
        ORDER BY k.ord
    )::text[] AS referenced_columns,
    c.confdeltype::text AS on_delete
FROM pg_catalog.pg_constraint AS c
WHERE c.contype = 'f'
  AND c.connamespace = 'public'::regnamespace
  AND c.conparentid = 0
ORDER BY table_name, constraint_name;

-- name: ListForeignKeysWithoutIndex :many
-- Foreign keys whose columns do not lead any valid, non-partial index of their table: deleting
-- or updating a referenced row then scans the whole referencing table. Should be empty.
SELECT
    c.conrelid::regclass::text AS table_name,
    c.conname::text AS constraint_name,
    ARRAY(
        SELECT a.attname::text
        FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        ORDER BY k.ord
    )::text[] AS columns,
    c.confrelid::regclass::text AS referenced_table
FROM pg_catalog.pg_constraint AS c
WHERE c.contype = 'f'
  AND c.connamespace = 'public'::regnamespace
  AND c.conparentid = 0
  AND NOT EXISTS (
      SELECT 1
      FROM pg_catalog.pg_index AS i
      WHERE i.indrelid = c.conrelid
        AND i.indisvalid
        AND i.indpred IS NULL
        -- the index's first n key columns are exactly the n foreign key columns (any order)
        AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] @> c.conkey
        AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] <@ c.conkey
  )
ORDER BY table_name, constraint_name;

-- name: ListIndexes :many
-- Every index of the public schema with its definition, size and how often it was scanned
-- since the statistics were last reset.
SELECT
    t.relname::text AS table_name,
    ic.relname::text AS index_name,
    pg_catalog.pg_get_indexdef(i.indexrelid)::text AS definition,
    i.indisunique::boolean AS is_unique,
    i.indisprimary::boolean AS is_primary,
    i.indisvalid::boolean AS is_valid,
    (i.indpred IS NOT NULL)::boolean AS is_partial,
    pg_catalog.pg_relation_size(i.indexrelid)::bigint AS size_bytes,
    coalesce(s.idx_scan, 0)::bigint AS scans
FROM pg_catalog.pg_index AS i
JOIN pg_catalog.pg_class AS ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class AS t ON t.oid = i.indrelid
LEFT JOIN pg_catalog.pg_stat_user_indexes AS s ON s.indexrelid = i.indexrelid
WHERE t.relnamespace = 'public'::regnamespace
ORDER BY table_name, index_name;

-- name: TableSizes :many
-- Size of every table of the public schema (partitions separately, partitioned parents with
-- the sum of their partitions), largest first: estimated rows, heap, indexes and total bytes.
SELECT
    c.relname::text AS table_name,
    c.relkind::text AS kind,
    greatest(c.reltuples, 0)::bigint AS estimated_rows,
    pg_catalog.pg_table_size(c.oid)::bigint AS table_bytes,
    pg_catalog.pg_indexes_size(c.oid)::bigint AS index_bytes,
    (CASE WHEN c.relkind = 'p' THEN
        (SELECT coalesce(sum(pg_catalog.pg_total_relation_size(p.relid)), 0)
         FROM pg_catalog.pg_partition_tree(c.oid) AS p)
     ELSE pg_catalog.pg_total_relation_size(c.oid) END)::bigint AS total_bytes
FROM pg_catalog.pg_class AS c
WHERE c.relnamespace = 'public'::regnamespace
  AND c.relkind IN ('r', 'p', 'm')
ORDER BY total_bytes DESC, table_name ASC;

-- name: ListPolicies :many
-- Every row-level security policy of the public schema, with whether its table enforces RLS
-- (enabled and forced).
SELECT
    p.tablename::text AS table_name,
    p.policyname::text AS policy_name,
    p.permissive::text AS permissive,
    p.roles::text[] AS roles,
    p.cmd::text AS command,
    p.qual AS using_expression,
    p.with_check AS check_expression,
    c.relrowsecurity::boolean AS rls_enabled,
    c.relforcerowsecurity::boolean AS rls_forced
FROM pg_catalog.pg_policies AS p
JOIN pg_catalog.pg_class AS c
    ON c.relname = p.tablename AND c.relnamespace = 'public'::regnamespace
WHERE p.schemaname = 'public'
ORDER BY table_name, policy_name;

-- name: ListUnusedIndexes :many
-- Indexes never scanned since statistics were last reset, largest first; unique and primary
-- key indexes are left out (they enforce constraints even when never read).
SELECT
    s.relname::text AS table_name,
    s.indexrelname::text AS index_name,
    pg_catalog.pg_relation_size(s.indexrelid)::bigint AS size_bytes,
    s.idx_scan::bigint AS scans
FROM pg_catalog.pg_stat_user_indexes AS s
JOIN pg_catalog.pg_index AS i ON i.indexrelid = s.indexrelid
WHERE s.schemaname = 'public'
  AND s.idx_scan = 0
  AND NOT i.indisunique
  AND NOT i.indisprimary
ORDER BY size_bytes DESC, index_name ASC;
