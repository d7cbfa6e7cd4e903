"""The accounts store over SQLAlchemy: users, their unit grants, API tokens (hashes only),
console passwords (argon2id hashes) and console sessions (hashes of their ids)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from thidua.adapters.db import audit
from thidua.adapters.db.models import (
    ApiTokenRow,
    ConsoleSessionRow,
    StaffRow,
    UnitRow,
    UserPasswordRow,
    UserRow,
    UserUnitRow,
)
from thidua.app.ports.accounts import (
    Account,
    NewAccount,
    NewSession,
    NewToken,
    SessionLogin,
    TokenLogin,
    TokenView,
)
from thidua.domain.audit import OPERATOR_ROLE

# Every API request authenticates: both statements are built once (bound parameters), which
# saves building and hashing them again on each call.
_GRANTED_UNITS = (
    select(UnitRow.code)
    .join(UserUnitRow, UserUnitRow.unit_id == UnitRow.id)
    .where(UserUnitRow.user_id == bindparam("user_id"))
    .order_by(UnitRow.code)
)
_ACCOUNT_COLUMNS = (
    UserRow.id,
    UserRow.username,
    UserRow.display_name,
    UserRow.role,
    UserRow.active,
    UserRow.created_at,
    UnitRow.code,
)
_TOKEN_OWNER = (
    select(ApiTokenRow.revoked_at, ApiTokenRow.expires_at, *_ACCOUNT_COLUMNS)
    .join(UserRow, UserRow.id == ApiTokenRow.user_id)
    .outerjoin(UnitRow, UnitRow.id == UserRow.unit_id)
    .where(ApiTokenRow.token_hash == bindparam("token_hash"))
)
_ACCOUNTS = select(*_ACCOUNT_COLUMNS).outerjoin(UnitRow, UnitRow.id == UserRow.unit_id)
_ACCOUNT = _ACCOUNTS.where(UserRow.username == bindparam("username"))


def _operator_role(by: str | None) -> str | None:
    return OPERATOR_ROLE if by else None


def _token_view(row: ApiTokenRow) -> TokenView:
    return TokenView(
        id=row.id,
        prefix=row.prefix,
        username=row.user.username,
        name=row.name,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class SqlAccountStore:
    """Implements ``thidua.app.ports.accounts.AccountStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # ---- accounts ------------------------------------------------------------------------

    def _account(self, columns: Sequence[Any]) -> Account:
        """An account from ``_ACCOUNT_COLUMNS``' values, with its grants."""
        user_id, username, display_name, role, active, created_at, unit = columns
        grants = tuple(self.session.scalars(_GRANTED_UNITS, {"user_id": user_id}))
        return Account(
            id=user_id,
            username=username,
            display_name=display_name,
            role=role,
            unit=unit,
            grants=grants,
            active=active,
            created_at=created_at,
        )

    def _user(self, username: str) -> UserRow:
        return self.session.scalars(select(UserRow).where(UserRow.username == username)).one()

    def _unit_ids(self, codes: Sequence[str | None]) -> dict[str, int]:
        wanted = {c for c in codes if c}
        if not wanted:
            return {}
        rows = self.session.execute(
            select(UnitRow.code, UnitRow.id).where(UnitRow.code.in_(wanted))
        )
        return {code: id_ for code, id_ in rows}

    def account(self, username: str) -> Account | None:
        row = self.session.execute(_ACCOUNT, {"username": username}).one_or_none()
        return None if row is None else self._account(row)

    def accounts(self) -> list[Account]:
        rows = self.session.execute(_ACCOUNTS.order_by(UserRow.username)).all()
        return [self._account(row) for row in rows]

    def _insert(self, new: NewAccount, staff_ids: dict[str, int], now: datetime) -> UserRow:
        units = self._unit_ids([new.unit, *new.grants])
        user = UserRow(
            username=new.username,
            display_name=new.display_name,
            role=new.role.value,
            unit_id=units[new.unit] if new.unit else None,
            staff_id=staff_ids[new.staff] if new.staff else None,
            active=True,
            created_at=now,
        )
        self.session.add(user)
        self.session.flush()
        for code in new.grants:
            self.session.add(UserUnitRow(user_id=user.id, unit_id=units[code]))
        self.session.flush()
        return user

    def create_account(self, new: NewAccount, *, by: str | None) -> Account:
        self._insert(new, {}, datetime.now(UTC))
        audit.record(
            self.session,
            action="user.created",
            object_type="user",
            object_id=new.username,
            actor=by,
            actor_role=_operator_role(by),
            after={
                "role": new.role.value,
                "unit": new.unit,
                "grants": list(new.grants),
                "display_name": new.display_name,
            },
        )
        account = self.account(new.username)
        assert account is not None
        return account

    def seed_accounts(self, new: Sequence[NewAccount]) -> list[Account]:
        staff_codes = {n.staff for n in new if n.staff}
        staff_ids = {
            code: id_
            for code, id_ in self.session.execute(
                select(StaffRow.code, StaffRow.id).where(StaffRow.code.in_(staff_codes))
            )
        }
        now = datetime.now(UTC)
        for n in new:
            self._insert(n, staff_ids, now)
        return [a for a in (self.account(n.username) for n in new) if a is not None]

    def deactivate(self, username: str, *, by: str | None) -> Account:
        user = self._user(username)
        user.active = False
        self.session.flush()
        audit.record(
            self.session,
            action="user.deactivated",
            object_type="user",
            object_id=username,
            actor=by,
            actor_role=_operator_role(by),
            before={"active": True},
            after={"active": False},
        )
        account = self.account(username)
        assert account is not None
        return account

    # ---- API tokens ----------------------------------------------------------------------

    def token_login(self, token_hash: str) -> TokenLogin | None:
        row = self.session.execute(_TOKEN_OWNER, {"token_hash": token_hash}).one_or_none()
        if row is None:
            return None
        return TokenLogin(row[0], row[1], self._account(row[2:]))

    def add_token(self, username: str, token: NewToken, *, by: str | None) -> TokenView:
        row = ApiTokenRow(
            user_id=self._user(username).id,
            name=token.name,
            prefix=token.prefix,
            token_hash=token.token_hash,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=None,
        )
        self.session.add(row)
        self.session.flush()
        audit.record(
            self.session,
            action="token.created",
            object_type="token",
            object_id=token.prefix,
            actor=by,
            actor_role=_operator_role(by),
            after={"user": username, "name": token.name, "expires_at": token.expires_at},
        )
        return _token_view(row)

    def tokens(self, username: str | None = None) -> list[TokenView]:
        query = select(ApiTokenRow).order_by(ApiTokenRow.id)
        if username is not None:
            query = query.join(UserRow, UserRow.id == ApiTokenRow.user_id).where(
                UserRow.username == username
            )
        return [_token_view(row) for row in self.session.scalars(query)]

    def find_tokens(
        self, *, id: int | None = None, token_hash: str | None = None, prefix: str | None = None
    ) -> list[TokenView]:
        query = select(ApiTokenRow).order_by(ApiTokenRow.id)
        if id is not None:
            query = query.where(ApiTokenRow.id == id)
        elif token_hash is not None:
            query = query.where(ApiTokenRow.token_hash == token_hash)
        elif prefix is not None:
            query = query.where(ApiTokenRow.prefix == prefix)
        else:
            return []
        return [_token_view(row) for row in self.session.scalars(query)]

    def revoke_token(self, token_id: int, at: datetime, *, by: str | None) -> TokenView:
        row = self.session.get(ApiTokenRow, token_id)
        assert row is not None
        row.revoked_at = at
        self.session.flush()
        audit.record(
            self.session,
            action="token.revoked",
            object_type="token",
            object_id=row.prefix,
            actor=by,
            actor_role=_operator_role(by),
            before={"revoked_at": None},
            after={"revoked_at": row.revoked_at, "user": row.user.username},
        )
        return _token_view(row)

    # ---- console passwords and sessions --------------------------------------------------

    def password(self, username: str) -> tuple[Account, str] | None:
        account = self.account(username)
        row = self.session.get(UserPasswordRow, account.id) if account is not None else None
        if account is None or row is None:
            return None
        return account, row.password_hash

    def set_password(
        self, username: str, password_hash: str, at: datetime, *, by: str | None
    ) -> None:
        user = self._user(username)
        row = self.session.get(UserPasswordRow, user.id)
        if row is None:
            self.session.add(
                UserPasswordRow(user_id=user.id, password_hash=password_hash, updated_at=at)
            )
        else:
            row.password_hash = password_hash
            row.updated_at = at
        self.session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.user_id == user.id))
        self.session.flush()
        audit.record(
            self.session,
            action="user.password_set",
            object_type="user",
            object_id=user.username,
            actor=by,
            actor_role=_operator_role(by),
            after={"replaced": row is not None, "sessions_ended": True},
        )

    def replace_password_hash(self, username: str, password_hash: str) -> None:
        row = self.session.get(UserPasswordRow, self._user(username).id)
        if row is not None:
            row.password_hash = password_hash
            self.session.flush()

    def add_console_session(self, username: str, session: NewSession) -> None:
        user = self._user(username)
        self.session.execute(
            delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at < session.created_at)
        )
        self.session.add(
            ConsoleSessionRow(
                session_hash=session.session_hash,
                user_id=user.id,
                csrf_token=session.csrf_token,
                created_at=session.created_at,
                expires_at=session.expires_at,
            )
        )
        self.session.flush()

    def console_session(self, session_hash: str) -> SessionLogin | None:
        row = self.session.execute(
            select(ConsoleSessionRow.csrf_token, ConsoleSessionRow.expires_at, *_ACCOUNT_COLUMNS)
            .join(UserRow, UserRow.id == ConsoleSessionRow.user_id)
            .outerjoin(UnitRow, UnitRow.id == UserRow.unit_id)
            .where(ConsoleSessionRow.session_hash == session_hash)
        ).one_or_none()
        if row is None:
            return None
        return SessionLogin(self._account(row[2:]), row[0], row[1])

    def remove_console_session(self, session_hash: str) -> None:
        self.session.execute(
            delete(ConsoleSessionRow).where(ConsoleSessionRow.session_hash == session_hash)
        )
