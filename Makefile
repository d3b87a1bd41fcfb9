# FieldCase: `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run run-cluster test test-fast test-sqlite test-postgres lint bench bench-check chaos venv clean-venv vendor-pwa

# Tests run in parallel, one pytest-xdist worker per core (JOBS=0: in this process); each test
# file stays on one worker (--dist loadfile), since its module fixtures (corpus) share a server.
JOBS ?= $(shell nproc)
PARALLEL := -n $(JOBS) --dist loadfile
# `make test` leaves out `bench` (make bench runs it); `make test-fast` every marked kind.
ALL_BUT_BENCH := -m "not bench"
FAST := -m "not browser and not live and not chaos and not bench"

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@scripts/system-deps.sh run
	@$(PY) -m venv $(VENV) 2>/dev/null || { scripts/system-deps.sh venv; $(PY) -m venv $(VENV); }
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(BIN)/.installed

## The app with demo data on http://127.0.0.1:$(PORT) (gunicorn); data kept across runs.
run: venv
	$(BIN)/flask --app server db upgrade
	$(BIN)/flask --app server forms publish
	$(BIN)/flask --app server discretion publish
	$(BIN)/flask --app server demo seed
	$(BIN)/flask --app server documents demo-seal
	@echo "FieldCase: http://127.0.0.1:$(PORT)/"
	exec $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

## Two app servers, PostgreSQL and SeaweedFS behind nginx on http://127.0.0.1:$(PORT), demo data
## kept in storage/cluster/ (deploy/cluster.sh says how; docs/capacity.md why). Ctrl-C stops all.
run-cluster: venv
	@scripts/system-deps.sh cluster
	exec deploy/cluster.sh

## The linter, then every test on SQLite and then on PostgreSQL, browser tests included (a
## missing Chromium, Playwright or PostgreSQL fails it). Not the bench run: make bench.
test: venv lint
	@scripts/system-deps.sh test
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: venv
	$(BIN)/pytest -q $(PARALLEL) $(ALL_BUT_BENCH) $(PYTEST_ARGS)

test-postgres: venv
	scripts/with-postgres.sh $(BIN)/pytest -q $(PARALLEL) $(ALL_BUT_BENCH) $(PYTEST_ARGS)

## ruff with the rules of ruff.toml; fails on any finding.
lint: venv
	$(BIN)/ruff check --no-fix .

## Every benchmark of bench/ in one table: each figure beside the machine limit measured in the
## same run and the peer (pouchdb-server from npm, if node and npm are here). BENCH_ARGS=--quick
bench: venv bench-check
	@scripts/system-deps.sh bench
	scripts/with-postgres.sh $(BIN)/python -m bench.all $(BENCH_ARGS)

## The bench's own check (tests marked `bench`): one quick run prints the whole table.
bench-check: venv
	@scripts/system-deps.sh bench
	$(BIN)/pytest -q -m bench $(PYTEST_ARGS)

## The fault suite (tests/chaos) at the issue's full size, 5 x what make test runs: 1,000 cuts of
## syncs and uploads, 50 kills, 2,000 concurrent submissions; on SQLite, then PostgreSQL.
CHAOS_SCALE ?= 5
chaos: venv
	@scripts/system-deps.sh test
	FIELDCASE_CHAOS_SCALE=$(CHAOS_SCALE) $(BIN)/pytest -q tests/chaos
	FIELDCASE_CHAOS_SCALE=$(CHAOS_SCALE) scripts/with-postgres.sh $(BIN)/pytest -q tests/chaos

## A quick loop: SQLite, no browser, no gunicorn, no chaos, no bench. Its tests share no server,
## so they are dealt out one by one (--dist load), which balances the workers better. A test that
## starts gunicorn without its `live` mark fails here (FIELDCASE_TEST_FAST), so marks stay true.
test-fast: venv
	FIELDCASE_TEST_FAST=1 $(BIN)/pytest -q -n $(JOBS) --dist load $(FAST) $(PYTEST_ARGS)

## Re-fetch the PWA's vendored libraries from npm at their pinned versions (needs npm).
vendor-pwa:
	scripts/vendor-pwa.sh

clean-venv:
	rm -rf $(VENV)
