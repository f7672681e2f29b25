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

.PHONY: help install lock demo test test-pgbouncer migrate rollback status drift reset new-migration generate \
        verify lint typecheck bench stress docs psql seed doctor clean db-start db-stop schema \
        maintain sync-twins

help: ## list every target
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2}'

PIP := $(BIN)/pip install --quiet --disable-pip-version-check
# One make at a time creates or updates the venv (two `make demo` at once on a fresh clone):
# the second waits for the lock, then finds the stamp fresh and installs nothing.
LOCKED := flock $(CURDIR)/.venv.lock

$(STAMP): pyproject.toml requirements.lock plugin/pyproject.toml
	@$(LOCKED) $(MAKE) --no-print-directory _venv-dev

.PHONY: _venv-dev _venv-migrate
_venv-dev:
	@test -x $(PY) || python3 -m venv $(VENV)
	@if [ ! -f $(STAMP) ] || [ pyproject.toml -nt $(STAMP) ] || [ requirements.lock -nt $(STAMP) ]; then \
	  $(PIP) -r requirements.lock && $(PIP) --no-deps -e . && $(PIP) --no-deps -e ./plugin && \
	  touch $(STAMP); fi

# The plugin after chatdb: an older chatdb install owned the same console script.
install: $(STAMP) ## create .venv with the exact versions of requirements.lock, and the plugin (editable)

lock: $(STAMP) ## recompile requirements.lock (exact versions) from pyproject.toml's ranges
	$(BIN)/pip-compile --quiet --extra dev --no-emit-index-url --no-emit-find-links \
	  --strip-extras --output-file requirements.lock pyproject.toml

# Deployment needs only the runtime and dbmate (the `migrate` extra), at the locked versions;
# a development venv (make install) already has them.
MIGRATE_STAMP := $(VENV)/.installed-migrate
DEPLOY := $(if $(wildcard $(STAMP)),$(STAMP),$(MIGRATE_STAMP))

$(MIGRATE_STAMP): pyproject.toml requirements.lock
	@$(LOCKED) $(MAKE) --no-print-directory _venv-migrate

_venv-migrate:
	@test -x $(PY) || python3 -m venv $(VENV)
	@if [ ! -f $(MIGRATE_STAMP) ] || [ pyproject.toml -nt $(MIGRATE_STAMP) ] || [ requirements.lock -nt $(MIGRATE_STAMP) ]; then \
	  $(PIP) -c requirements.lock -e '.[migrate]' && touch $(MIGRATE_STAMP); fi

demo: $(STAMP) ## migrate the resolved database and run a real chat scenario (writes no tracked file)
	$(CHATDB) migrate --no-write-schema
	$(CHATDB) demo

test: $(STAMP) ## run the test suite against DATABASE_URL, else the embedded PostgreSQL
	$(BIN)/pytest $(PYTEST_ARGS)

test-pgbouncer: $(STAMP) ## the query and flow suites again, the app's connections through PgBouncer
	$(PY) tests/support/pgbouncer_leg.py $(BIN)/pytest -q -p no:cacheprovider tests/queries tests/flows $(PYTEST_ARGS)

migrate: $(DEPLOY) ## apply pending migrations (roles, shadow check, advisory lock, checksums; BACKUP=dir dumps first)
	$(CHATDB) migrate $(if $(BACKUP),--backup $(BACKUP),)

rollback: $(DEPLOY) ## roll back the latest migration
	$(CHATDB) rollback

status: $(DEPLOY) ## show applied, pending and edited migrations
	$(CHATDB) status

drift: $(STAMP) ## compare the live database with what its migrations build
	$(CHATDB) schema drift

reset: $(STAMP) ## drop and recreate the embedded database, then migrate it (development)
	$(CHATDB) db reset

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
	$(PIP) -c requirements.lock -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) ## benchmarks against raw psycopg and the alternatives (FULL=1 for 10M rows, PIN=1 to pin cores)
	$(PY) -m bench $(if $(FULL),--full,) $(if $(PIN),--pin,)

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
	rm -rf $(VENV) .venv.lock .data .mypy_cache .ruff_cache .pytest_cache src/*.egg-info plugin/src/*.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
