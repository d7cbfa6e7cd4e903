"""Fixtures of the crash suite: a private stack of real processes over a seeded database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.db import SeededDb
from tests.support.stack import Stack, stack_for


@pytest.fixture
def stack(seeded: SeededDb, tmp_path: Path) -> Iterator[Stack]:
    """Temporal server and worker started; the API is started by the tests that need it."""
    with stack_for(tmp_path, seeded.url) as s:
        s.start_temporal()
        s.worker.start()
        yield s
