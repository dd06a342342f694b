# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app forum

.PHONY: install run test test-quick test-pg lint bench bench-pages clean-db

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

## Migrate instance/forum.sqlite3, load the demo data once, serve http://127.0.0.1:5000 with the
## e-mail worker beside it (stopped with the server; without MAIL_SERVER mail lands in instance/outbox/)
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) search reindex --if-missing --quiet
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

## The whole test suite
test: install
	$(PY) -m pytest -q

## The suite without the tests marked `slow` (real servers, the 30-second load, the sweeps over the
## XSS corpus, page numbers and form fields) or `browser` (Chromium): under two minutes
test-quick: install
	$(PY) -m pytest -q -m "not slow and not browser"

## The whole test suite on PostgreSQL: a throwaway cluster (Debian's postgresql package) in a
## temporary directory, stopped and deleted afterwards (scripts/with_postgres.sh)
## (tests/browser, tests/hostile and tests/stress build their own SQLite instance: run by `make test`.)
test-pg: install
	scripts/with_postgres.sh $(PY) -m pytest -q --ignore=tests/browser --ignore=tests/hostile --ignore=tests/stress

lint: install
	$(VENV)/bin/ruff check forum tests bench

## Whole-product benchmark: generate, import, reindex, gunicorn (2 workers), mixed load, one table
## and a JSON file in bench/results/. `make bench DB=postgres SCALE=large` (DB: sqlite|postgres,
## SCALE: small|medium|large; BENCH_ARGS for more, e.g. BENCH_ARGS="--duration 30")
DB ?= sqlite
SCALE ?= medium
bench: install
	$(PY) -m bench --db $(DB) --scale $(SCALE) $(BENCH_ARGS)

## Page benchmark on the medium data set, in process (see README)
bench-pages: install
	$(PY) -m bench.pages --scale medium

clean-db:
	rm -rf instance/forum.sqlite3* instance/search-index
