"""The scripts beside the tests and the benchmarks import: pytest does not collect them, so
nothing else notices when a module they use moves (the history recorders once did not)."""

from __future__ import annotations

import importlib

import pytest

SCRIPTS = (
    "tests.workflows.record_histories",
    "tests.workflows.record_consolidation_histories",
    "tests.workflows.record_webhook_histories",
    "tests.browser.screenshots",
    "bench.report",
    "bench.lifecycle",
    "bench.api",
    "bench.rules",
    "bench.whatif",
)


@pytest.mark.parametrize("module", SCRIPTS)
def test_script_imports(module: str) -> None:
    """Every module the script imports exists and defines what it takes from it."""
    assert importlib.import_module(module).__name__ == module
