"""Ports of the accounts use cases: the store of accounts, API tokens, console passwords and
console sessions, and the records it exchanges.

Secrets never cross this port: tokens and session ids as SHA-256 hashes, passwords as argon2id
(or older scrypt) hashes. Every change an operator makes is audited by the store in the same transaction
(``user.created``, ``user.deactivated``, ``user.password_set``, ``token.created``,
``token.revoked``), with ``by`` as the actor: ``os:<account>`` for the operator CLI (actor role
``operator``), None for the system (the sample data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from thidua.domain.roles import Actor, Role


def aware(value: datetime) -> datetime:
    """A stored time as UTC (SQLite gives naive datetimes back)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Account:
    """A user account: its role, its unit and the extra units it is granted (by code)."""

    id: int
    username: str
    display_name: str
    role: str
    unit: str | None
    grants: tuple[str, ...]
    active: bool
    created_at: datetime

    def actor(self) -> Actor:
        """Who acts with this account: its role, its unit first, then its granted units."""
        units = [self.unit] if self.unit is not None else []
        units.extend(code for code in self.grants if code not in units)
        return Actor(username=self.username, role=Role(self.role), units=tuple(units))


@dataclass(frozen=True)
class NewAccount:
    username: str
    display_name: str
    role: Role
    unit: str | None = None
    grants: tuple[str, ...] = ()
    staff: str | None = None  # the staff member's code, for the sample accounts


@dataclass(frozen=True)
class TokenView:
    """A token as shown to operators: never the token itself nor its hash."""

    id: int
    prefix: str
    username: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def status(self, now: datetime | None = None) -> str:
        """``active``, ``revoked`` or ``expired`` (labels: ``TOKEN_STATUS_LABEL_VI``)."""
        now = now or datetime.now(UTC)
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and aware(self.expires_at) <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class NewToken:
    name: str
    prefix: str
    token_hash: str
    created_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class TokenLogin:
    """What authenticating with a token needs: whether it still holds, and whose it is."""

    revoked_at: datetime | None
    expires_at: datetime | None
    account: Account


@dataclass(frozen=True)
class NewSession:
    session_hash: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class SessionLogin:
    """A stored console session: whose it is, its CSRF token and when it ends."""

    account: Account
    csrf_token: str
    expires_at: datetime


class AccountStore(Protocol):
    """What the accounts use cases read and write in one transaction."""

    # ---- accounts
    def account(self, username: str) -> Account | None: ...

    def accounts(self) -> list[Account]:
        """Every account, by username."""
        ...

    def create_account(self, new: NewAccount, *, by: str | None) -> Account:
        """Add an account (its unit and grants exist); audited ``user.created``."""
        ...

    def seed_accounts(self, new: Sequence[NewAccount]) -> list[Account]:
        """Add the first start's sample accounts, in order (not audited, as the rest of the
        sample data)."""
        ...

    def deactivate(self, username: str, *, by: str | None) -> Account:
        """Deactivate an active account; audited ``user.deactivated``."""
        ...

    # ---- API tokens
    def token_login(self, token_hash: str) -> TokenLogin | None: ...

    def add_token(self, username: str, token: NewToken, *, by: str | None) -> TokenView:
        """Store a token's hash for an account; audited ``token.created``."""
        ...

    def tokens(self, username: str | None = None) -> list[TokenView]:
        """Every token (of ``username``), by id."""
        ...

    def find_tokens(
        self, *, id: int | None = None, token_hash: str | None = None, prefix: str | None = None
    ) -> list[TokenView]:
        """The tokens with this id, hash or prefix (the one given)."""
        ...

    def revoke_token(self, token_id: int, at: datetime, *, by: str | None) -> TokenView:
        """Revoke a token not yet revoked; audited ``token.revoked``."""
        ...

    # ---- console passwords and sessions
    def password(self, username: str) -> tuple[Account, str] | None:
        """The account and its password hash, or None if either does not exist."""
        ...

    def set_password(
        self, username: str, password_hash: str, at: datetime, *, by: str | None
    ) -> None:
        """Set or replace the password hash and end the account's sessions; audited
        ``user.password_set`` (never with the hash)."""
        ...

    def replace_password_hash(self, username: str, password_hash: str) -> None:
        """Store a stronger hash of the same password (not audited; sessions stay)."""
        ...

    def add_console_session(self, username: str, session: NewSession) -> None:
        """Store a session, after removing every session expired by its start."""
        ...

    def console_session(self, session_hash: str) -> SessionLogin | None: ...

    def remove_console_session(self, session_hash: str) -> None: ...
