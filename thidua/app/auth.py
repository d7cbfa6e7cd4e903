"""API tokens (stored only as hashes) and resolving a token to an actor."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from thidua.adapters.db import audit
from thidua.adapters.db.models import ApiTokenRow, UnitRow, UserRow, UserUnitRow
from thidua.domain.roles import Actor, Role

TOKEN_PREFIX = "thd_"
# The audit log's actor_role for accounts and tokens managed from the operator CLI.
OPERATOR_ROLE = "operator"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session,
    user: UserRow,
    name: str = "default",
    expires_in: timedelta | None = None,
    actor: str | None = None,
) -> str:
    """Create a token for ``user``; the plaintext is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(
        ApiTokenRow(
            user_id=user.id,
            name=name,
            prefix=token_prefix(token),
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + expires_in if expires_in else None,
            revoked_at=None,
        )
    )
    session.flush()
    audit.record(
        session,
        action="token.created",
        object_type="token",
        object_id=token_prefix(token),
        actor=actor,
        actor_role=OPERATOR_ROLE if actor else None,
        after={
            "user": user.username,
            "name": name,
            "expires_at": now + expires_in if expires_in else None,
        },
    )
    return token


# Every API request authenticates: both statements are built once (bound parameters), which
# saves building and hashing them again on each call.
_GRANTED_UNITS = (
    select(UnitRow.code)
    .join(UserUnitRow, UserUnitRow.unit_id == UnitRow.id)
    .where(UserUnitRow.user_id == bindparam("user_id"))
)
_TOKEN_OWNER = (
    select(
        ApiTokenRow.revoked_at,
        ApiTokenRow.expires_at,
        UserRow.id,
        UserRow.username,
        UserRow.role,
        UserRow.active,
        UnitRow.code,
    )
    .join(UserRow, UserRow.id == ApiTokenRow.user_id)
    .outerjoin(UnitRow, UnitRow.id == UserRow.unit_id)
    .where(ApiTokenRow.token_hash == bindparam("token_hash"))
)


def _actor(session: Session, user_id: int, username: str, role: str, unit: str | None) -> Actor:
    units: list[str] = [unit] if unit is not None else []
    granted = session.scalars(_GRANTED_UNITS, {"user_id": user_id})
    units.extend(code for code in granted if code not in units)
    return Actor(username=username, role=Role(role), units=tuple(units))


def actor_for_user(session: Session, user: UserRow) -> Actor:
    return _actor(session, user.id, user.username, user.role, user.unit.code if user.unit else None)


def authenticate(session: Session, token: str) -> Actor | None:
    """The actor a token belongs to, or None if it is unknown, revoked or expired.

    Every API request runs this, so it reads columns in one joined query (plus the unit grants)
    instead of loading the token, user and unit objects one lazy load at a time.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.execute(_TOKEN_OWNER, {"token_hash": hash_token(token)}).one_or_none()
    if row is None:
        return None
    revoked_at, expires_at, user_id, username, role, active, unit = row
    if revoked_at is not None or not active:
        return None
    if expires_at is not None:
        expires = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
        if expires <= datetime.now(UTC):
            return None
    return _actor(session, user_id, username, role, unit)


# --- Operator management (used by ``thidua users`` / ``thidua tokens``) ---------------------------


class AuthAdminError(ValueError):
    """A bad operator request (unknown user, role, unit or token); ``option`` names the input."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.option = option


USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Roles whose actor must belong to a unit (pipeline accounts may instead hold granted units only).
UNIT_REQUIRED_ROLES = frozenset({Role.UNIT_OFFICER, Role.UNIT_HEAD})
GRANTABLE_ROLES = frozenset({Role.UNIT_OFFICER, Role.UNIT_HEAD, Role.PIPELINE})


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: str
    unit: str | None
    grants: tuple[str, ...]
    active: bool
    created_at: datetime


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
        now = now or datetime.now(UTC)
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and _aware(self.expires_at) <= now:
            return "expired"
        return "active"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def token_prefix(token: str) -> str:
    """The public, loggable part of a token (what ``ApiTokenRow.prefix`` stores)."""
    return token[: len(TOKEN_PREFIX) + 6]


def _unit(session: Session, code: str, option: str) -> UnitRow:
    row = session.scalars(select(UnitRow).where(UnitRow.code == code)).one_or_none()
    if row is None:
        known = ", ".join(session.scalars(select(UnitRow.code).order_by(UnitRow.code)))
        raise AuthAdminError(
            f"{option}: không có đơn vị mã '{code}'. Các mã hợp lệ: {known or '(chưa có đơn vị)'}.",
            option,
        )
    return row


def get_user(session: Session, username: str) -> UserRow:
    row = session.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
    if row is None:
        raise AuthAdminError(
            f"USERNAME: không có tài khoản '{username}' (xem 'thidua users list').", "USERNAME"
        )
    return row


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise AuthAdminError(
            f"--role: vai trò '{value}' không hợp lệ. Các giá trị hợp lệ: {allowed}.", "--role"
        ) from None


def _view(session: Session, user: UserRow) -> UserView:
    grants = tuple(
        session.scalars(
            select(UnitRow.code)
            .join(UserUnitRow, UserUnitRow.unit_id == UnitRow.id)
            .where(UserUnitRow.user_id == user.id)
            .order_by(UnitRow.code)
        )
    )
    return UserView(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        unit=user.unit.code if user.unit is not None else None,
        grants=grants,
        active=user.active,
        created_at=user.created_at,
    )


def list_users(session: Session) -> list[UserView]:
    users = session.scalars(select(UserRow).order_by(UserRow.username))
    return [_view(session, u) for u in users]


def create_user(
    session: Session,
    username: str,
    role: str,
    unit: str | None = None,
    display_name: str | None = None,
    grants: Sequence[str] = (),
    actor: str | None = None,
) -> UserView:
    """Create an account; unit-scoped roles need ``unit`` (pipeline: ``unit`` or ``grants``)."""
    if not USERNAME_RE.match(username):
        raise AuthAdminError(
            f"USERNAME: '{username}' không hợp lệ: 2–64 ký tự a-z, 0-9, '.', '_', '-' "
            "(bắt đầu bằng chữ hoặc số).",
            "USERNAME",
        )
    role_ = parse_role(role)
    if session.scalars(select(UserRow.id).where(UserRow.username == username)).first():
        raise AuthAdminError(f"USERNAME: tài khoản '{username}' đã tồn tại.", "USERNAME")
    if role_ in UNIT_REQUIRED_ROLES and not unit:
        raise AuthAdminError(f"--unit: vai trò '{role_.value}' cần mã đơn vị (--unit).", "--unit")
    if role_ is Role.PIPELINE and not unit and not grants:
        raise AuthAdminError(
            "--grant: tài khoản pipeline cần ít nhất một đơn vị (--unit hoặc --grant).", "--grant"
        )
    if grants and role_ not in GRANTABLE_ROLES:
        allowed = ", ".join(sorted(r.value for r in GRANTABLE_ROLES))
        raise AuthAdminError(
            f"--grant: chỉ cấp thêm đơn vị cho các vai trò {allowed}; "
            f"vai trò '{role_.value}' xem toàn Sở.",
            "--grant",
        )
    unit_row = _unit(session, unit, "--unit") if unit else None
    grant_rows: list[UnitRow] = []
    for code in dict.fromkeys(grants):
        if unit_row is not None and code == unit_row.code:
            continue
        grant_rows.append(_unit(session, code, "--grant"))
    user = UserRow(
        username=username,
        display_name=display_name or username,
        role=role_.value,
        unit_id=unit_row.id if unit_row else None,
        staff_id=None,
        active=True,
        created_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    for g in grant_rows:
        session.add(UserUnitRow(user_id=user.id, unit_id=g.id))
    session.flush()
    audit.record(
        session,
        action="user.created",
        object_type="user",
        object_id=username,
        actor=actor,
        actor_role=OPERATOR_ROLE if actor else None,
        after={
            "role": role_.value,
            "unit": unit_row.code if unit_row else None,
            "grants": [g.code for g in grant_rows],
            "display_name": user.display_name,
        },
    )
    return _view(session, user)


def deactivate_user(session: Session, username: str, actor: str | None = None) -> UserView:
    """Deactivate an account: none of its tokens authenticate any more."""
    user = get_user(session, username)
    if user.active:
        user.active = False
        session.flush()
        audit.record(
            session,
            action="user.deactivated",
            object_type="user",
            object_id=username,
            actor=actor,
            actor_role=OPERATOR_ROLE if actor else None,
            before={"active": True},
            after={"active": False},
        )
    return _view(session, user)


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


def create_token(
    session: Session,
    username: str,
    name: str = "default",
    expires_in: timedelta | None = None,
    actor: str | None = None,
) -> tuple[str, TokenView]:
    """Issue a token for an active account; the plaintext is returned once and never stored."""
    user = get_user(session, username)
    if not user.active:
        raise AuthAdminError(f"USERNAME: tài khoản '{username}' đã bị vô hiệu hóa.", "USERNAME")
    token = issue_token(session, user, name=name, expires_in=expires_in, actor=actor)
    row = session.scalars(
        select(ApiTokenRow).where(ApiTokenRow.token_hash == hash_token(token))
    ).one()
    return token, _token_view(row)


def list_tokens(session: Session, username: str | None = None) -> list[TokenView]:
    query = select(ApiTokenRow).order_by(ApiTokenRow.id)
    if username is not None:
        query = query.where(ApiTokenRow.user_id == get_user(session, username).id)
    return [_token_view(row) for row in session.scalars(query)]


def revoke_token(session: Session, ref: str, actor: str | None = None) -> TokenView:
    """Revoke by id, by prefix (``thd_xxxxxx``, must be unambiguous) or by the token itself."""
    ref = ref.strip()
    rows: list[ApiTokenRow]
    if ref.isdigit():
        rows = list(session.scalars(select(ApiTokenRow).where(ApiTokenRow.id == int(ref))))
    elif ref.startswith(TOKEN_PREFIX) and len(ref) > len(token_prefix(ref)) and len(ref) <= 200:
        rows = list(
            session.scalars(select(ApiTokenRow).where(ApiTokenRow.token_hash == hash_token(ref)))
        )
    else:
        rows = list(session.scalars(select(ApiTokenRow).where(ApiTokenRow.prefix == ref)))
    if not rows:
        raise AuthAdminError(
            f"PREFIX_OR_ID: không có mã xác thực '{token_prefix(ref)}' "
            "(dùng ID hoặc tiền tố thd_xxxxxx trong 'thidua tokens list').",
            "PREFIX_OR_ID",
        )
    if len(rows) > 1:
        ids = ", ".join(str(r.id) for r in rows)
        raise AuthAdminError(
            f"PREFIX_OR_ID: tiền tố '{ref}' trùng nhiều mã (ID {ids}); hãy dùng ID.",
            "PREFIX_OR_ID",
        )
    row = rows[0]
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.flush()
        audit.record(
            session,
            action="token.revoked",
            object_type="token",
            object_id=row.prefix,
            actor=actor,
            actor_role=OPERATOR_ROLE if actor else None,
            before={"revoked_at": None},
            after={"revoked_at": row.revoked_at, "user": row.user.username},
        )
    return _token_view(row)


def authenticate_jwt(
    session: Session,
    token: str,
    *,
    public_key: str,
    issuer: str,
    audience: str,
    algorithms: list[str],
    username_claim: str = "sub",
) -> Actor | None:
    """The actor of a bearer JWT signed by the configured identity provider, or None.

    The signature, ``iss``, ``aud`` and ``exp`` are checked against the configured public key
    (no network fetch); the username claim must name an active account of ours, whose role and
    units apply.
    """
    import jwt

    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=algorithms,
            audience=audience,
            issuer=issuer,
            options={"require": ["exp", "iss", "aud", username_claim]},
        )
    except jwt.PyJWTError:
        return None
    username = claims.get(username_claim)
    if not isinstance(username, str):
        return None
    user = session.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
    if user is None or not user.active:
        return None
    return actor_for_user(session, user)
