"""The operator's account administration: create, deactivate and list accounts.

Which roles need a unit and which may be granted more is ``thidua.domain.policy``'s
(``check_account_units``). ``by`` is who acts, for the audit log: ``os:<account>`` from the
operator CLI, None for the system.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from thidua.app.ports.accounts import Account, NewAccount
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Role

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def account_of(tx: Tx, username: str) -> Account:
    """The account named ``username``; refused (``username``) when there is none."""
    account = tx.accounts.account(username)
    if account is None:
        raise Refusal(
            RefusalCode.NOT_FOUND,
            f"không có tài khoản '{username}' (xem 'thidua users list').",
            field="username",
        )
    return account


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise Refusal(
            RefusalCode.INVALID,
            f"vai trò '{value}' không hợp lệ. Các giá trị hợp lệ: {allowed}.",
            field="role",
        ) from None


def _check_units(tx: Tx, codes: Sequence[str], field: str) -> None:
    known = tx.org.unit_codes()
    for code in codes:
        if code not in known:
            raise Refusal(
                RefusalCode.NOT_FOUND,
                f"không có đơn vị mã '{code}'. Các mã hợp lệ: "
                f"{', '.join(known) or '(chưa có đơn vị)'}.",
                field=field,
            )


def list_users(tx: Tx) -> list[Account]:
    return tx.accounts.accounts()


def create_user(
    tx: Tx,
    username: str,
    role: str,
    unit: str | None = None,
    display_name: str | None = None,
    grants: Sequence[str] = (),
    by: str | None = None,
) -> Account:
    """Create an account; unit-scoped roles need ``unit`` (pipeline: ``unit`` or ``grants``)."""
    if not USERNAME_RE.match(username):
        raise Refusal(
            RefusalCode.INVALID,
            f"'{username}' không hợp lệ: 2–64 ký tự a-z, 0-9, '.', '_', '-' "
            "(bắt đầu bằng chữ hoặc số).",
            field="username",
        )
    role_ = parse_role(role)
    if tx.accounts.account(username) is not None:
        raise Refusal(
            RefusalCode.DUPLICATE, f"tài khoản '{username}' đã tồn tại.", field="username"
        )
    policy.check_account_units(role_, unit, grants)
    if unit:
        _check_units(tx, [unit], "unit")
    extra = tuple(code for code in dict.fromkeys(grants) if code != unit)
    _check_units(tx, extra, "grants")
    new = NewAccount(
        username=username,
        display_name=display_name or username,
        role=role_,
        unit=unit or None,
        grants=extra,
    )
    return tx.accounts.create_account(new, by=by)


def deactivate_user(tx: Tx, username: str, by: str | None = None) -> Account:
    """Deactivate an account: none of its tokens or sessions authenticate any more."""
    account = account_of(tx, username)
    if not account.active:
        return account
    return tx.accounts.deactivate(username, by=by)
