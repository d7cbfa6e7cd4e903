# thidua — one command to run, one to test. Each target sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench venv clean format openapi histories

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "python3 (3.11 or 3.12) is required"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/thidua up

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench.lifecycle
	$(BIN)/python -m bench.rules
	$(BIN)/python -m bench.api

openapi: $(STAMP)
	$(BIN)/python -m thidua.api.openapi docs/openapi.json

# Re-record the workflow histories replayed by the tests, after a deliberate workflow change
# (changes to running workflows need workflow.patched(); see README).
histories: $(STAMP)
	$(BIN)/python -m tests.workflows.record_histories
	$(BIN)/python -m tests.workflows.record_consolidation_histories

clean:
	rm -rf $(VENV) var out .mypy_cache .ruff_cache .pytest_cache
