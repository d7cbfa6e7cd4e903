"""Fixtures of the crash suite: a private stack of real processes over a seeded database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SeededDb
from tests.crash.stack import Stack, stack_for

# The subprocess worker and the round driver of the consolidation crash test, reused here.
from tests.workflows.conftest import h, make_harness, ns_client  # noqa: F401
from tests.workflows.test_consolidation_crash import driver, worker, worker_env  # noqa: F401


@pytest.fixture
def crash_db(db_url: str) -> Iterator[SeededDb]:
    """A migrated database with the sample Department (SQLite file, and PostgreSQL)."""
    db = SeededDb(db_url)
    yield db
    db.uow.engine.dispose()


@pytest.fixture
def stack(crash_db: SeededDb, tmp_path: Path) -> Iterator[Stack]:
    """Temporal server and worker started; the API is started by the tests that need it."""
    with stack_for(tmp_path, crash_db.url) as s:
        s.start_temporal()
        s.worker.start()
        yield s
