# chatdb — every workflow. `make help` lists them.
# The database is DATABASE_URL when set, else the embedded PostgreSQL in .data/pg.

SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
CHATDB := $(BIN)/chatdb
# sqlc runs the plugin with a stripped environment: it finds `sqlc-gen-psycopg` on this PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install demo test test-pgbouncer migrate rollback status new-migration generate verify lint \
        typecheck bench stress docs psql seed doctor clean db-start db-stop schema maintain \
        sync-twins

help: ## list every target
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml plugin/pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@# The plugin after chatdb: an older chatdb install owned the same console script.
	$(BIN)/pip install --quiet --disable-pip-version-check -e ./plugin
	@touch $(STAMP)

install: $(STAMP) ## create .venv with pinned dependencies and the plugin (editable; re-runs when a pyproject.toml changes)

demo: $(STAMP) ## migrate the resolved database and run a real chat scenario (writes no tracked file)
	$(CHATDB) migrate --no-write-schema
	$(CHATDB) demo

test: $(STAMP) ## run the test suite against DATABASE_URL, else the embedded PostgreSQL
	$(BIN)/pytest $(PYTEST_ARGS)

test-pgbouncer: $(STAMP) ## the query and flow suites again, the app's connections through PgBouncer
	$(PY) tests/support/pgbouncer_leg.py $(BIN)/pytest -q -p no:cacheprovider tests/queries tests/flows $(PYTEST_ARGS)

migrate: $(STAMP) ## apply pending migrations (roles, shadow check, advisory lock; embedded: rewrites the dump)
	$(CHATDB) migrate

rollback: $(STAMP) ## roll back the latest migration
	$(CHATDB) rollback

status: $(STAMP) ## show applied and pending migrations
	$(CHATDB) status

new-migration: $(STAMP) ## create a migration: make new-migration NAME=add_things
	@test -n "$(NAME)" || (echo "usage: make new-migration NAME=snake_case_name" >&2; exit 2)
	$(CHATDB) new-migration $(NAME)

schema: $(STAMP) ## rewrite db/schema/schema.sql from a throwaway database
	$(CHATDB) schema dump

sync-twins: $(STAMP) ## regenerate the sync modules from their async sources (tools/async_to_sync.py)
	$(PY) tools/async_to_sync.py

generate: $(STAMP) ## check every query against the migrated schema, then regenerate the query modules, sync twins, schema dump and docs
	$(PY) tools/vet_queries.py
	$(PY) tools/async_to_sync.py
	$(PY) tools/clean_generated.py
	$(BIN)/sqlc generate
	$(BIN)/ruff format --quiet src/chatdb/queries
	$(CHATDB) schema dump
	$(CHATDB) docs

lint: $(STAMP) ## ruff (lint + format check) and squawk on the migrations
	$(BIN)/ruff check src plugin tests tools bench
	$(BIN)/ruff format --check src plugin tests tools bench
	$(BIN)/squawk db/migrations/*.sql

typecheck: $(STAMP) ## mypy --strict on the runtime, the plugin and the generated code
	$(BIN)/mypy

verify: lint typecheck ## lint, types, freshness (generated code, sync twins, dump, docs), migrations, index check
	$(PY) tools/vet_queries.py
	$(PY) tools/verify_generated.py
	$(PY) tools/async_to_sync.py --check
	$(CHATDB) schema check
	$(CHATDB) schema roundtrip
	$(CHATDB) docs --check
	$(BIN)/pytest -q -p no:cacheprovider tests/queries/test_index_usage.py

docs: $(STAMP) ## regenerate docs/schema (ER diagrams, table reference) from a migrated database
	$(CHATDB) docs

stress: $(STAMP) ## the reliability scenarios, larger, with a summary table
	$(PY) tests/reliability/stress.py

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) ## benchmarks against raw psycopg and the alternatives (FULL=1 for 10M rows)
	$(PY) -m bench $(if $(FULL),--full,)

psql: $(STAMP) ## open psql on the resolved database
	$(BIN)/chatdb psql

seed: $(STAMP) ## fill the database with realistic data (USERS=, CHATS=, MESSAGES=)
	$(CHATDB) seed --users $(or $(USERS),100) --chats $(or $(CHATS),10) --messages $(or $(MESSAGES),20)

maintain: $(STAMP) ## usage_logs partitions: create the coming months, drop past retention
	$(CHATDB) maintain

doctor: $(STAMP) ## health report: connectivity, migrations, roles, indexes, RLS, settings
	$(CHATDB) doctor

db-start: $(STAMP) ## start the embedded PostgreSQL
	$(CHATDB) db start

db-stop: $(STAMP) ## stop the embedded PostgreSQL
	$(CHATDB) db stop

clean: ## stop the embedded server and remove the venv, caches and its data
	-test -x $(CHATDB) && $(CHATDB) db stop
	rm -rf $(VENV) .data .mypy_cache .ruff_cache .pytest_cache src/*.egg-info plugin/src/*.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
