"""Test databases: a seeded database (SQLite file or PostgreSQL) and PostgreSQL scratch databases."""

from __future__ import annotations

import atexit
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
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


def _migrate_and_seed(url: str) -> dict[str, SampleAccountToken]:
    """Migrate ``url`` and load the sample Department into it; the sample tokens."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with SqlUnitOfWork(engine)() as tx:
            return {t.username: t for t in load_sample_data(tx)}
    finally:
        engine.dispose()


class _Templates:
    """One migrated, seeded database per kind, made once per test session and copied for each
    ``SeededDb`` (migrating and seeding every test's database took most of the suite's setup).
    SQLite: the online backup of a template file; PostgreSQL: ``CREATE DATABASE … TEMPLATE``.
    The copies hold the same sample tokens, kept here."""

    def __init__(self) -> None:
        self.sqlite: tuple[Path, dict[str, SampleAccountToken]] | None = None
        self.pg: tuple[str, dict[str, SampleAccountToken]] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def copy_sqlite(self, url: str) -> dict[str, SampleAccountToken]:
        if self.sqlite is None:
            self._dir = tempfile.TemporaryDirectory(prefix="thidua-template-")
            path = Path(self._dir.name) / "template.db"
            self.sqlite = (path, _migrate_and_seed(f"sqlite:///{path}"))
        template, tokens = self.sqlite
        target = Path(url.removeprefix("sqlite:///"))
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(template)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
        return tokens

    def copy_pg(self, url: str) -> dict[str, SampleAccountToken]:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            if self.pg is None:
                name = f"thidua_template_{uuid.uuid4().hex[:10]}"
                with admin.connect() as conn:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                tokens = _migrate_and_seed(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
                self.pg = (name, tokens)
                atexit.register(self._drop_pg, name)
            template, tokens = self.pg
            target = url.rsplit("/", 1)[1]
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target}"'))
                conn.execute(sa.text(f'CREATE DATABASE "{target}" TEMPLATE "{template}"'))
        finally:
            admin.dispose()
        return tokens

    @staticmethod
    def _drop_pg(name: str) -> None:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except sa.exc.SQLAlchemyError:
            pass  # the server went away first: nothing left to clean
        finally:
            admin.dispose()


_TEMPLATES = _Templates()


class SeededDb:
    """A migrated database with the sample Department and its sample tokens (a copy of the
    session's template when ``url`` is a new SQLite file or an empty scratch PostgreSQL
    database, else migrated and seeded in place)."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            tokens = _TEMPLATES.copy_sqlite(url)
        elif url.startswith(PG_ADMIN_URL.rsplit("/", 1)[0] + "/thidua_test_"):
            tokens = _TEMPLATES.copy_pg(url)
        else:
            tokens = _migrate_and_seed(url)
        self.uow = SqlUnitOfWork(make_engine(url))
        self.tokens: dict[str, SampleAccountToken] = dict(tokens)

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
