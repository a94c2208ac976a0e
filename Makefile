# Orchestrator. `make run` sets up and starts the service; `make test` sets up and runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
NPM := npm
HAVE_NODE := $(shell command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && echo yes)
# In CI the whole Python suite runs a second time against PostgreSQL.
TEST_DATABASE_URL ?= $(if $(filter true,$(CI)),postgres://postgres@127.0.0.1:5432/test,)

.PHONY: help run dev test mcp-reference test-python test-postgres test-frontend test-browser lint frontend bench clean

help:
	@echo "make run    set up (venv, dependencies, dashboard, database, admin user) and start on http://127.0.0.1:5111"
	@echo "make test   set up what the tests need and run all of them"
	@echo "make dev    Django on 5111 and the Vite dev server on 5173"
	@echo "make bench  run the benchmarks in bench/"

$(VENV)/.python:
	@python=$$(deploy/find-python.sh) && echo "Using $$python" && "$$python" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.runtime: $(VENV)/.python requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund
	@touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)
	cd frontend && $(NPM) run build

frontend:
ifeq ($(HAVE_NODE),yes)
	@if [ -f frontend/package.json ]; then $(MAKE) --no-print-directory frontend/dist/index.html; fi
else
	@echo "Node.js not found: skipping the dashboard build (the API and /admin/ still work)."
endif

run: $(VENV)/.runtime frontend
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) sync_agents
	$(MANAGE) ensure_admin
	deploy/run-local.sh

dev: $(VENV)/.runtime
	$(MANAGE) migrate --noinput
	ORCHESTRATOR_ENV=development $(MANAGE) runserver 127.0.0.1:5111 & \
	  (cd frontend && $(NPM) run dev); kill %1

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

# The official MCP reference servers the probe tests talk to (test-only; node_modules is gitignored).
tests/mcp-reference/node_modules/.installed: tests/mcp-reference/package.json tests/mcp-reference/package-lock.json
	cd tests/mcp-reference && $(NPM) ci --no-audit --no-fund
	@touch $@

mcp-reference:
ifeq ($(HAVE_NODE),yes)
	@$(MAKE) --no-print-directory tests/mcp-reference/node_modules/.installed
else
	@echo "Node.js not found: the MCP reference server tests will fail (install Node.js; CI has it)."
endif

test-python: $(VENV)/.dev mcp-reference
	$(VENV)/bin/pytest

test-postgres: $(VENV)/.dev mcp-reference
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
	  echo "== the Python suite again, on PostgreSQL"; \
	  DATABASE_URL="$(TEST_DATABASE_URL)" $(VENV)/bin/pytest; \
	else \
	  echo "TEST_DATABASE_URL is not set (CI sets it): the PostgreSQL pass is not run here."; \
	fi

# The dashboard's own checks: lint, type-check and the Vitest unit tests.
test-frontend: frontend/node_modules/.installed
	cd frontend && $(NPM) run lint && $(NPM) run typecheck && $(NPM) test

# Playwright in Debian's Chromium (never a downloaded browser) against the real stack (frontend/e2e/stack.py).
test-browser: $(VENV)/.runtime frontend/node_modules/.installed
	@if [ ! -x /usr/bin/chromium ] && [ -z "$${CHROMIUM_BIN:-}" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else echo "Chromium is missing: run 'sudo apt-get install -y chromium' (or set CHROMIUM_BIN)." >&2; exit 1; fi; \
	fi
	@$(MAKE) --no-print-directory frontend/dist/index.html
	cd frontend && $(NPM) run e2e

test: lint test-python test-postgres test-frontend test-browser

bench: $(VENV)/.dev
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist
