# SSD Operations: `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PASSWORD ?= ssd-demo-Passw0rd
# The demo shows the product's own 404/403/500 pages; `make run DEBUG=1` for Django's debug pages.
DEBUG ?= 0

.PHONY: run test test-full install setup lint audit lock clean worker bench

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

setup: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_dc_geography
	$(BIN)/python manage.py import_crime --quiet-rows crime/data/dc_crime_incidents_2025_jan_mar.csv.gz
	$(BIN)/python manage.py seed_demo --password '$(DEMO_PASSWORD)'

run: setup
	@echo "Demo sign-ins (password for all: $(DEMO_PASSWORD)) are listed above. Open http://$(HOST):$(PORT)/"
ifeq ($(strip $(REDIS_URL)),)
	DEBUG=$(DEBUG) $(BIN)/python manage.py runserver $(HOST):$(PORT)
else
	DEBUG=$(DEBUG) PORT=$(PORT) HOST=$(HOST) $(BIN)/honcho -f ssd/Procfile -d . start
endif

# `make test` runs Hypothesis's derandomised `ci` profile (10 examples a property); `make test-full`
# runs the same tests with the `full` profile (30 fresh random examples a property). See README "Tests".
# Both run in pytest-xdist workers, one per CPU (TEST_WORKERS=1 for a single process, e.g. with --pdb).
TEST_WORKERS ?= auto
XDIST := $(if $(filter 1 0,$(TEST_WORKERS)),-p no:xdist,-n $(TEST_WORKERS) --dist loadgroup)
test: lint
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

test-full: lint
	HYPOTHESIS_PROFILE=full $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# ruff, then the import layers (pyproject's [tool.importlinter]: core <- schools <- personnel <-
# notifications <- domain apps <- dashboard, and no import cycles inside any package).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# pip-audit looks every pinned version up in PyPI's per-release JSON API (which carries the known
# vulnerabilities). When that API cannot be reached, the target says so and fails, unless
# PIP_AUDIT_OPTIONAL=1 (what .ci/run sets: its machines reach a PyPI mirror without that API).
# Findings we accept go here as `--ignore-vuln ID` with the reason beside them; there are none.
PIP_AUDIT_PROBE ?= https://pypi.org/pypi/pip/24.0/json
audit: install
	$(BIN)/bandit -q -c pyproject.toml -r ssd schools personnel notifications incidents contracts crime advisories visits safetyplans dashboard reports
	@if $(BIN)/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=20)' '$(PIP_AUDIT_PROBE)' 2>/dev/null; then \
		echo "$(BIN)/pip-audit --strict --progress-spinner off -r requirements.lock"; \
		$(BIN)/pip-audit --strict --progress-spinner off -r requirements.lock; \
	else \
		echo "pip-audit NOT RUN: PyPI's vulnerability API ($(PIP_AUDIT_PROBE)) cannot be reached from this machine, so the pinned dependencies were NOT checked for known vulnerabilities." >&2; \
		if [ "$(PIP_AUDIT_OPTIONAL)" = 1 ]; then echo "PIP_AUDIT_OPTIONAL=1: carrying on with bandit's result alone." >&2; else exit 2; fi; \
	fi

lock: install
	$(BIN)/python -m pip install --quiet -e '.[dev]' && ( echo "# Exact versions installed by 'make' (runtime and development). Regenerate with 'make lock' after editing pyproject.toml."; $(BIN)/pip freeze --exclude-editable | grep -v '^-e' | sort -f ) > requirements.lock

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) db.sqlite3* var staticfiles .pytest_cache .ruff_cache
