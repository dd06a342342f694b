# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app forum

.PHONY: install run test lint bench clean-db

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

## Migrate instance/forum.sqlite3, load the demo data once, serve http://127.0.0.1:5000
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) search reindex --if-missing --quiet
	$(FLASK) run --host 127.0.0.1 --port 5000

## The whole test suite
test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check forum tests bench

## Page benchmark on the medium data set (see README)
bench: install
	$(PY) -m bench.pages --scale medium

clean-db:
	rm -rf instance/forum.sqlite3* instance/search-index
