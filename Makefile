# The two commands a user needs: `make run` and `make test`. Everything else is set up on the way.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3
# PostgreSQL tests run whenever a server answers here (CI's machine has one); override to point elsewhere.
TICKETFLOW_TEST_POSTGRES_URL ?= postgresql+psycopg://root@127.0.0.1:5432/test
export TICKETFLOW_TEST_POSTGRES_URL

.PHONY: setup browser run test check fmt migrate demo bench screenshots clean

MODELER := src/ticketflow/web/static/modeler/modeler.js

setup: $(STAMP) $(MODELER)

# The browser tests drive Debian's Chromium (never a downloaded browser build). As root it is installed
# here; otherwise the browser tests skip with a line naming this target.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: run 'sudo make browser' to enable the browser tests"; fi; }

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The modeler's browser bundle (bpmn-js built by Vite from frontend/); rebuilt when its sources change.
$(MODELER): frontend/package-lock.json frontend/vite.config.js $(wildcard frontend/src/* frontend/scripts/*)
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix frontend --no-audit --no-fund --loglevel=error && npm run build --prefix frontend; \
	else echo "npm is missing: the process modeler page stays unavailable (install Node.js 20+ and npm)"; fi

var:
	mkdir -p var

migrate: setup var
	$(BIN)/ticketflow db migrate

demo: migrate
	$(BIN)/ticketflow demo load

# The web server in the foreground; the worker and the demo's stand-in systems (ERP, Directory, Deploy on
# 127.0.0.1:8089, a mailbox on 127.0.0.1:8025 keeping mails in var/mail/) beside it, stopped with it.
run: demo
	@$(BIN)/ticketflow demo services & services=$$!; \
	TICKETFLOW_SMTP_PORT=8025 $(BIN)/ticketflow worker & worker=$$!; \
	trap 'kill $$services $$worker 2>/dev/null; wait' EXIT INT TERM; \
	$(BIN)/ticketflow serve

# Lint, format, strict types and the architecture's import contracts; `make test` runs it first.
check: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: setup browser check
	$(BIN)/pytest -q -p no:cacheprovider

# Refresh the README's screenshots: the browser tests write them to docs/screenshots/.
screenshots: setup browser
	TICKETFLOW_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -q -p no:cacheprovider -m browser tests/e2e

fmt: setup
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: setup
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
