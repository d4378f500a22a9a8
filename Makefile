# Continuum: two commands for a newcomer. `make run` serves the demo; `make test` runs everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
STAMP := $(VENV)/.installed

.PHONY: run test install browser lint audit audit-deps migrate demo clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(FLASK) db upgrade
	$(FLASK) exercises load

## run: create .venv, install, migrate, seed the demo if the database is empty, serve :5000
run: migrate
	@echo "Demo sign-ins (role, email, password):"
	@$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

## browser: Debian's Chromium for the browser tests (never `playwright install`)
browser:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is missing: install Debian's 'chromium' package (as root: apt-get install chromium)"; \
		if [ "$$CI" = "true" ]; then exit 1; fi; \
	fi

lint: install
	$(BIN)/ruff check webapp tests migrations/env.py scripts bench
	$(BIN)/ruff format --check webapp tests scripts bench

## audit: static security analysis of the app (bandit: no high-severity finding allowed)
audit: install
	$(BIN)/bandit -r webapp -lll -q && echo "bandit: no high-severity findings"

## audit-deps: known-vulnerable pins (pip-audit; needs the package index's vulnerability API)
audit-deps: install
	$(BIN)/pip-audit -l --strict --progress-spinner off

## test: install what the tests need, then unit, integration and browser tests
test: install browser lint audit
	$(FLASK) exercises validate
	$(FLASK) learn validate
	$(BIN)/python -m pytest

bench: install browser
	$(BIN)/python bench/run.py
	$(BIN)/python bench/brief_and_caseload.py
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/outcomes.py
	$(BIN)/python bench/lighthouse.py
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) test-results .pytest_cache instance/*.db*
