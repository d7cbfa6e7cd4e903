"""API tokens (stored only as hashes) and resolving a token to an actor."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from thidua.db.models import ApiTokenRow, UnitRow, UserRow, UserUnitRow
from thidua.domain import Actor, Role

TOKEN_PREFIX = "thd_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session, user: UserRow, name: str = "default", expires_in: timedelta | None = None
) -> str:
    """Create a token for ``user``; the plaintext is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(
        ApiTokenRow(
            user_id=user.id,
            name=name,
            prefix=token[: len(TOKEN_PREFIX) + 6],
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + expires_in if expires_in else None,
            revoked_at=None,
        )
    )
    session.flush()
    return token


def actor_for_user(session: Session, user: UserRow) -> Actor:
    units: list[str] = []
    if user.unit is not None:
        units.append(user.unit.code)
    granted = session.scalars(
        select(UnitRow.code)
        .join(UserUnitRow, UserUnitRow.unit_id == UnitRow.id)
        .where(UserUnitRow.user_id == user.id)
    )
    units.extend(code for code in granted if code not in units)
    return Actor(username=user.username, role=Role(user.role), units=tuple(units))


def authenticate(session: Session, token: str) -> Actor | None:
    """The actor a token belongs to, or None if it is unknown, revoked or expired."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.scalars(
        select(ApiTokenRow).where(ApiTokenRow.token_hash == hash_token(token))
    ).one_or_none()
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if row.expires_at is not None:
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        if expires <= datetime.now(UTC):
            return None
    return actor_for_user(session, row.user)
