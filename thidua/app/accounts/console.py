"""Console sign-in: passwords (salted argon2id hashes) and server-side sessions.

The web console signs people in with the same accounts and roles as the API. A password is never
stored nor logged: only its argon2id hash in PHC format (per-user random salt); older scrypt
hashes verify and are re-hashed at the next successful sign-in. A session cookie holds a
random id; the store keeps its SHA-256 hash, the account and the session's CSRF token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import argon2

from thidua.app.accounts.users import account_of
from thidua.app.ports.accounts import NewSession, aware
from thidua.app.ports.uow import Tx
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor

# Hashes of older releases (``scrypt$n$r$p$salt$hash``) still verify and are replaced by argon2id
# at the next successful sign-in.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
SESSION_LIFETIME = timedelta(hours=10)


# ---- passwords -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HashingCost:
    """argon2id's cost. Default: RFC 9106 / OWASP guidance (19 MiB, 2 passes, 1 lane)."""

    memory_kib: int = 19_456
    time_cost: int = 2
    parallelism: int = 1


_cost = HashingCost()
_hasher = argon2.PasswordHasher(
    time_cost=_cost.time_cost, memory_cost=_cost.memory_kib, parallelism=_cost.parallelism
)


def configure_hashing(cost: HashingCost) -> None:
    """Set the cost of new hashes (entry points, from settings; lower only in tests)."""
    global _cost, _hasher, _DUMMY_HASH
    _cost = cost
    _hasher = argon2.PasswordHasher(
        time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism
    )
    _DUMMY_HASH = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """An argon2id hash in PHC format (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``)."""
    return _hasher.hash(password)


def hash_password_scrypt(password: str) -> str:
    """A hash as older releases stored it (kept to test their migration)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def _verify_scrypt(password: str, stored: str) -> bool:
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


def verify_password(password: str, stored: str) -> bool:
    """Does ``password`` match ``stored`` (argon2id, or an older scrypt hash)?"""
    if stored.startswith("scrypt$"):
        return _verify_scrypt(password, stored)
    try:
        return _hasher.verify(stored, password)
    except (
        argon2.exceptions.VerificationError,
        argon2.exceptions.InvalidHashError,
        UnicodeError,
        ValueError,
    ):
        return False


def needs_rehash(stored: str) -> bool:
    """True for an older scheme or an argon2 hash cheaper than the configured cost."""
    if not stored.startswith("$argon2id$"):
        return True
    try:
        params = argon2.extract_parameters(stored)
    except argon2.exceptions.InvalidHashError:
        return True
    return params.memory_cost < _cost.memory_kib or params.time_cost < _cost.time_cost


# A hash of a random password: unknown accounts cost as much time as known ones.
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Refusal(
            RefusalCode.INVALID,
            f"mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Refusal(
            RefusalCode.INVALID,
            f"mật khẩu dài quá {MAX_PASSWORD_LENGTH} ký tự.",
            field="password",
        )


def set_password(tx: Tx, username: str, password: str, by: str | None = None) -> None:
    """Set (or replace) an account's console password; its open sessions are ended.

    Audited as ``user.password_set`` (never with the password or its hash); ``by`` is the
    operator (``os:<account>``), None for the sample data.
    """
    check_new_password(password)
    account_of(tx, username)
    tx.accounts.set_password(username, hash_password(password), datetime.now(UTC), by=by)


def check_credentials(tx: Tx, username: str, password: str) -> Actor | None:
    """The actor if the account is active and the password matches, else None."""
    if len(username) > 64 or len(password) > MAX_PASSWORD_LENGTH:
        return None
    found = tx.accounts.password(username)
    if found is None or not found[0].active:
        verify_password(password, _dummy_hash())
        return None
    account, stored = found
    if not verify_password(password, stored):
        return None
    if needs_rehash(stored):
        # An older scheme or cost: re-hashed now that the password is known (sessions stay).
        tx.accounts.replace_password_hash(username, hash_password(password))
    return account.actor()


# ---- sessions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in session as the console sees it."""

    actor: Actor
    display_name: str
    csrf_token: str


def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def open_session(tx: Tx, username: str) -> str:
    """Start a session for ``username``; returns the cookie value (never stored as such)."""
    account_of(tx, username)
    session_id = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    tx.accounts.add_console_session(
        username,
        NewSession(
            session_hash=_session_hash(session_id),
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        ),
    )
    return session_id


def resolve_session(tx: Tx, session_id: str) -> ConsoleSession | None:
    """The session's actor if it exists, has not expired and its account is still active."""
    if not session_id or len(session_id) > 100:
        return None
    login = tx.accounts.console_session(_session_hash(session_id))
    if login is None or not login.account.active:
        return None
    if aware(login.expires_at) <= datetime.now(UTC):
        return None
    return ConsoleSession(
        actor=login.account.actor(),
        display_name=login.account.display_name,
        csrf_token=login.csrf_token,
    )


def close_session(tx: Tx, session_id: str) -> None:
    tx.accounts.remove_console_session(_session_hash(session_id))
