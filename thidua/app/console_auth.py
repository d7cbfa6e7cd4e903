"""Console sign-in: passwords (salted scrypt hashes) and server-side sessions.

The web console signs people in with the same accounts and roles as the API. A password is never
stored nor logged: only ``scrypt$n$r$p$salt$hash`` (per-user random salt). A session cookie holds a
random id; the database keeps its SHA-256 hash, the account and the session's CSRF token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from thidua.adapters.db import audit
from thidua.adapters.db.models import ConsoleSessionRow, UserPasswordRow, UserRow
from thidua.app.auth import OPERATOR_ROLE, AuthAdminError, actor_for_user, get_user
from thidua.app.seed import SampleAccountToken
from thidua.domain.roles import Actor

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
SESSION_LIFETIME = timedelta(hours=10)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# A hash of a random password: unknown accounts cost as much time as known ones.
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthAdminError(
            f"PASSWORD: mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.", "PASSWORD"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthAdminError(f"PASSWORD: mật khẩu dài quá {MAX_PASSWORD_LENGTH} ký tự.", "PASSWORD")


def set_password(session: Session, username: str, password: str, actor: str | None = None) -> None:
    """Set (or replace) an account's console password; its open sessions are ended.

    Audited as ``user.password_set`` (never with the password or its hash); ``actor`` is the
    operator (``os:<account>``), None for the sample data.
    """
    check_new_password(password)
    user = get_user(session, username)
    now = datetime.now(UTC)
    row = session.get(UserPasswordRow, user.id)
    if row is None:
        session.add(
            UserPasswordRow(user_id=user.id, password_hash=hash_password(password), updated_at=now)
        )
    else:
        row.password_hash = hash_password(password)
        row.updated_at = now
    session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.user_id == user.id))
    session.flush()
    audit.record(
        session,
        action="user.password_set",
        object_type="user",
        object_id=user.username,
        actor=actor,
        actor_role=OPERATOR_ROLE if actor else None,
        after={"replaced": row is not None, "sessions_ended": True},
    )


def demo_password() -> str:
    """A random password for a sample account (printed by ``make run``, kept in a mode-600 file)."""
    return "demo-" + secrets.token_urlsafe(9)


def check_credentials(session: Session, username: str, password: str) -> Actor | None:
    """The actor if the account is active and the password matches, else None."""
    if len(username) > 64 or len(password) > MAX_PASSWORD_LENGTH:
        return None
    user = session.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
    row = session.get(UserPasswordRow, user.id) if user is not None else None
    if user is None or row is None or not user.active:
        verify_password(password, _dummy_hash())
        return None
    if not verify_password(password, row.password_hash):
        return None
    return actor_for_user(session, user)


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in session as the console sees it."""

    actor: Actor
    display_name: str
    csrf_token: str


def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def open_session(session: Session, username: str) -> str:
    """Start a session for ``username``; returns the cookie value (never stored as such)."""
    user = get_user(session, username)
    session_id = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at < now))
    session.add(
        ConsoleSessionRow(
            session_hash=_session_hash(session_id),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    session.flush()
    return session_id


def resolve_session(session: Session, session_id: str) -> ConsoleSession | None:
    """The session's actor if it exists, has not expired and its account is still active."""
    if not session_id or len(session_id) > 100:
        return None
    row = session.scalars(
        select(ConsoleSessionRow).where(ConsoleSessionRow.session_hash == _session_hash(session_id))
    ).one_or_none()
    if row is None or not row.user.active:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires <= datetime.now(UTC):
        return None
    return ConsoleSession(
        actor=actor_for_user(session, row.user),
        display_name=row.user.display_name,
        csrf_token=row.csrf_token,
    )


def close_session(session: Session, session_id: str) -> None:
    session.execute(
        delete(ConsoleSessionRow).where(ConsoleSessionRow.session_hash == _session_hash(session_id))
    )


def assign_demo_passwords(
    session: Session, accounts: list[SampleAccountToken]
) -> list[SampleAccountToken]:
    """Give each freshly created sample account a random demo password (returned once)."""
    out = []
    for acc in accounts:
        if acc.role == "pipeline":  # service accounts integrate through the API only
            out.append(acc)
            continue
        password = demo_password()
        set_password(session, acc.username, password)
        out.append(acc.model_copy(update={"password": password}))
    return out
