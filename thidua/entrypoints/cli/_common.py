"""Shared plumbing of the operator commands that work on the database directly
(``thidua users``, ``thidua tokens``, ``thidua audit``): one transaction per command, clear
Vietnamese errors and exit codes instead of tracebacks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from thidua.config import get_settings
from thidua.logging import configure_logging

T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"Lỗi: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@contextmanager
def db_session() -> Iterator[Session]:
    """One unit of work on the configured database; the engine is disposed afterwards."""
    from thidua.adapters.db.session import UnitOfWork, make_engine

    settings = get_settings()
    configure_logging("WARNING", settings.log_format)
    engine = make_engine(settings.database.url)
    try:
        with UnitOfWork(engine)() as session:
            yield session
    finally:
        engine.dispose()


def run_in_db(
    fn: Callable[[Session], T],
    user_error: type[Exception],
    message_of: Callable[[Exception], str],
    db_trouble: str,
) -> T:
    """Run ``fn`` in one transaction. ``user_error`` (bad input) exits 2 with its message;
    database trouble exits 1 with ``db_trouble`` (``{url}`` and ``{error}`` filled in)."""
    try:
        with db_session() as session:
            return fn(session)
    except user_error as exc:
        fail(message_of(exc), 2)
    except SQLAlchemyError as exc:
        url = get_settings().database.url.split("@")[-1]
        fail(db_trouble.format(url=url, error=type(exc).__name__))
