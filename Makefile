# Townhall developer commands. The two that matter: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
TOWNHALL := $(BIN)/townhall
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: help run test lint fmt demo-reset lock browser java pdf-libs serve-prod-check clean

help: ## List the commands
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-build: requirements/build.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/build.txt
	@touch $@

$(VENV)/.installed-run: requirements/run.lock pyproject.toml $(VENV)/.installed-build
	$(BIN)/pip install --quiet -r requirements/run.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/.installed-dev: requirements/dev.lock pyproject.toml $(VENV)/.installed-build
	$(BIN)/pip install --quiet -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run pdf-libs ## Install, migrate, load the demo borough if empty, serve on http://127.0.0.1:$${TOWNHALL_PORT:-8000}
	$(TOWNHALL) migrate --noinput
	$(TOWNHALL) demo --if-empty --scale small --seed 1
	$(TOWNHALL) insight forecast --if-missing
	$(TOWNHALL) demo logins
	$(TOWNHALL) serve

test: $(VENV)/.installed-dev browser java pdf-libs ## Run the whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL)
	$(BIN)/pytest $(PYTEST_ARGS)

browser: ## Install Debian Chromium for browser tests when missing (needs root)
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian chromium for the browser tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null) \
	    || { echo "Could not install chromium."; [ -z "$$CI" ] || exit 1; }; \
	elif [ -n "$$CI" ]; then echo "CI: $(CHROMIUM) is missing and cannot be installed without root." >&2; exit 1; \
	else echo "Chromium is not installed and cannot be installed here: browser tests will be skipped."; fi

java: ## Install a Java runtime for the Spark linkage test when missing (needs root)
	@if command -v java >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing a Java runtime for the Spark linkage test..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null) \
	    || { echo "Could not install Java."; [ -z "$$CI" ] || exit 1; }; \
	elif [ -n "$$CI" ]; then echo "CI: java is missing and cannot be installed without root." >&2; exit 1; \
	else echo "Java is not installed: the Spark linkage test will be skipped."; fi

pdf-libs: ## Install Pango and a font for letters as PDF (WeasyPrint) when missing (needs root)
	@if /sbin/ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' && [ -d /usr/share/fonts/truetype/liberation ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing Pango and fonts for PDF letters..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation >/dev/null) \
	    || { echo "Could not install Pango."; [ -z "$$CI" ] || exit 1; }; \
	elif [ -n "$$CI" ]; then echo "CI: Pango (libpangoft2-1.0) is missing and cannot be installed without root." >&2; exit 1; \
	else echo "Pango is not installed: letters cannot be downloaded as PDF (their HTML version still works)."; fi

lint: $(VENV)/.installed-dev ## ruff (lint + format check), mypy, import-linter, migrations check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=townhall.settings.test DATABASE_URL=sqlite:///:memory: $(TOWNHALL) makemigrations --check --dry-run

fmt: $(VENV)/.installed-dev ## Fix formatting and autofixable lint
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

demo-reset: $(VENV)/.installed-run ## Wipe var/ and regenerate the demo borough
	rm -rf var
	$(TOWNHALL) migrate --noinput
	$(TOWNHALL) demo --scale small --seed 1
	$(TOWNHALL) insight forecast
	$(TOWNHALL) demo logins

lock: $(BIN)/python ## Re-resolve requirements/*.lock from pyproject.toml
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --allow-unsafe -o requirements/run.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --allow-unsafe --extra dev -o requirements/dev.lock pyproject.toml

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
