# avodash — two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test test-fast e2e lint bench loadtest screenshots clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*; touch $@

run: $(STAMP)  ## migrate, create the demo login, start sandbox + worker + dashboard on :8000
	$(PY) manage.py migrate --noinput
	$(PY) manage.py rundemo

test: $(STAMP)  ## the whole suite (unit, sandbox contract, views, browser)
	$(PY) -m pytest

test-fast: $(STAMP)  ## everything but the browser tests
	$(PY) -m pytest -m "not e2e"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)  ## per page: calls, rounds, floor, server time and ratio; demo data and at scale (BENCH_QUICK=1: subset)
	$(PY) -m tests.bench

loadtest: $(STAMP)  ## 20 people x 60 s on gunicorn + PostgreSQL + Redis + db_worker against the sandbox (100 ms); p50/p95, 5xx, duplicate sends
	$(PY) -m tests.loadtest

screenshots: $(STAMP)  ## regenerate the team and messaging screenshots in docs/screenshots/
	$(PY) -m pytest tests/e2e -m screenshots -q

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
