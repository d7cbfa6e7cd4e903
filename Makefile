# thidua — one command to run, one to test. Each target sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench venv clean format openapi histories chromium screenshots

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "python3 (3.11 or 3.12) is required"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/thidua up

test: $(STAMP) chromium
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The console's browser tests drive Debian's chromium through Playwright (never
# `playwright install`). Best effort: without it those tests are skipped with the reason.
chromium:
	@command -v chromium >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1 || \
	  { echo "Installing chromium for the console's browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends chromium fonts-dejavu >/dev/null) \
	    || echo "chromium could not be installed; browser tests will be skipped"; }

# Screenshots of the console's main screens on the demo data (docs/screenshots/), with the
# server time of every page printed.
screenshots: $(STAMP) chromium
	$(BIN)/python -m tests.browser.screenshots docs/screenshots

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark (~10 min on 2 cores), then docs/performance.md; see bench/README.md.
bench: $(STAMP)
	$(BIN)/python -m bench.report

openapi: $(STAMP)
	$(BIN)/python -m thidua.entrypoints.api.openapi docs/openapi.json

# Re-record the workflow histories replayed by the tests, after a deliberate workflow change
# (changes to running workflows need workflow.patched(); see README).
histories: $(STAMP)
	$(BIN)/python -m tests.workflows.record_histories
	$(BIN)/python -m tests.workflows.record_consolidation_histories
	$(BIN)/python -m tests.workflows.record_webhook_histories

clean:
	rm -rf $(VENV) var out .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
