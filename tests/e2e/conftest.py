"""End-to-end fixtures shared by the API test modules."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from tests.support.api import Api, serve_app
from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.entrypoints.api.app import create_app


@pytest.fixture
async def api(
    temporal_client: Client, seeded: SeededDb, task_queue: str, running_worker: Worker
) -> AsyncIterator[Api]:
    """The whole app in process over a seeded database, with a real worker behind it."""
    settings = fast_settings(seeded.url, task_queue)
    app = create_app(settings, seeded.uow, client=temporal_client)
    async with serve_app(app) as http:
        yield Api(http, seeded)
