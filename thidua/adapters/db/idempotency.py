"""The idempotency store over SQLAlchemy: the first answer to a keyed POST, replayed on retries.

The API's ``Idempotency-Key`` middleware (``thidua.entrypoints.api.idempotency``) looks an answer
up by (principal, key) and remembers a new one; each call is its own transaction, run on a worker
thread so the event loop never waits on the database.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
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


def _find(session: Session, principal: str, key: str) -> RememberedAnswer | None:
    row = session.scalars(
        select(IdempotencyRow).where(
            IdempotencyRow.principal == principal, IdempotencyRow.key == key
        )
    ).one_or_none()
    if row is None:
        return None
    return RememberedAnswer(
        body_sha256=row.body_sha256,
        status_code=row.status_code,
        content_type=row.content_type,
        response_body=row.response_body,
    )


class SqlIdempotencyStore:
    """Answers remembered per (principal, key), in the ``idempotency_keys`` table."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def find(self, principal: str, key: str) -> RememberedAnswer | None:
        """The answer remembered for this principal's key, if any."""
        return await self._uow.run_session(lambda session: _find(session, principal, key))

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
