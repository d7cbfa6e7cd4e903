"""The idempotency store over SQLAlchemy: the first answer to a keyed POST, replayed on retries.

The API's ``Idempotency-Key`` middleware (``thidua.entrypoints.api.idempotency``) looks an answer
up by (principal, key) and remembers a new one; each call is its own transaction, run on a worker
thread so the event loop never waits on the database. Answers expire after a time to live: an
expired answer is deleted when its key comes again, and all expired ones at most every few
minutes when a new answer is remembered.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from thidua.adapters.db.models import IdempotencyRow
from thidua.adapters.db.uow import SqlUnitOfWork


@dataclass(frozen=True)
class RememberedAnswer:
    """The first answer given to a keyed request, and the digest of that request."""

    body_sha256: str
    status_code: int
    content_type: str
    response_body: str


PURGE_EVERY_SECONDS = 300.0


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _find(
    session: Session, principal: str, key: str, cutoff: datetime
) -> tuple[RememberedAnswer | None, bool]:
    mine: RememberedAnswer | None = None
    elsewhere = False
    for row in session.scalars(select(IdempotencyRow).where(IdempotencyRow.key == key)):
        if _utc(row.created_at) < cutoff:
            session.delete(row)  # expired: the key is new again
        elif row.principal == principal:
            mine = RememberedAnswer(
                body_sha256=row.body_sha256,
                status_code=row.status_code,
                content_type=row.content_type,
                response_body=row.response_body,
            )
        else:
            elsewhere = True
    return mine, elsewhere


class SqlIdempotencyStore:
    """Answers remembered per (principal, key), in the ``idempotency_keys`` table."""

    def __init__(self, uow: SqlUnitOfWork, ttl_hours: float = 24) -> None:
        self._uow = uow
        self._ttl = timedelta(hours=ttl_hours)
        self._purged_at: float | None = None

    def _cutoff(self) -> datetime:
        return datetime.now(UTC) - self._ttl

    async def find(self, principal: str, key: str) -> tuple[RememberedAnswer | None, bool]:
        """The unexpired answer remembered for this principal's key, if any, and whether
        another principal holds the same key (unexpired)."""
        cutoff = self._cutoff()
        return await self._uow.run_session(lambda session: _find(session, principal, key, cutoff))

    async def remember(
        self, principal: str, key: str, method: str, path: str, answer: RememberedAnswer
    ) -> None:
        """Remember the first answer to a keyed request (the path is cut to 500 characters).

        A concurrent retry may have stored it first: theirs is the first answer, and this one
        is dropped.
        """
        row = IdempotencyRow(
            principal=principal,
            key=key,
            method=method,
            path=path[:500],
            body_sha256=answer.body_sha256,
            status_code=answer.status_code,
            content_type=answer.content_type,
            response_body=answer.response_body,
            created_at=datetime.now(UTC),
        )
        with contextlib.suppress(IntegrityError):
            await self._uow.run_session(lambda session: session.add(row))
        now = time.monotonic()
        if self._purged_at is None or now - self._purged_at > PURGE_EVERY_SECONDS:
            self._purged_at = now
            cutoff = self._cutoff()
            await self._uow.run_session(
                lambda session: session.execute(
                    delete(IdempotencyRow).where(IdempotencyRow.created_at < cutoff)
                )
            )
