"""Test databases: a seeded database (SQLite file or PostgreSQL) and PostgreSQL scratch databases."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from thidua.adapters.db.migrate import upgrade
from thidua.adapters.db.session import make_engine
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app.seed import SampleAccountToken, load_sample_data

PG_ADMIN_URL = os.environ.get(
    "THIDUA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def sqlite_url(directory: Path) -> str:
    """The URL of the SQLite file ``thidua.db`` in ``directory``."""
    return f"sqlite:///{directory / 'thidua.db'}"


def pg_server_available() -> bool:
    """Whether the machine's PostgreSQL server (``PG_ADMIN_URL``) answers."""
    try:
        engine = sa.create_engine(PG_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError:
        return False
    return True


@contextmanager
def pg_database(name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database ``name`` for the block (dropped after it); its URL."""
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


class SeededDb:
    """A migrated database with the sample Department and its sample tokens."""

    def __init__(self, url: str) -> None:
        self.url = url
        upgrade(url)
        self.uow = SqlUnitOfWork(make_engine(url))
        with self.uow() as tx:
            self.tokens: dict[str, SampleAccountToken] = {
                t.username: t for t in load_sample_data(tx)
            }

    def token(self, username: str) -> str:
        return self.tokens[username].token

    def dispose(self) -> None:
        self.uow.engine.dispose()


@contextmanager
def seeded_db(url: str) -> Iterator[SeededDb]:
    """A ``SeededDb`` over ``url`` for the block; its connections closed after it."""
    db = SeededDb(url)
    try:
        yield db
    finally:
        db.dispose()
