"""Schema tests: every constraint, trigger and policy of db/migrations on real PostgreSQL."""
