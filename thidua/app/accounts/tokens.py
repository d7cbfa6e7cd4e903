"""API tokens: issued to an account, shown once, stored only as their SHA-256 hash.

A token is ``thd_`` and 43 random URL-safe characters; its first 10 characters (the prefix) are
public (stored, listed, logged) and name it for operators. ``by`` is who acts, for the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from thidua.app.accounts.users import account_of
from thidua.app.ports.accounts import NewToken, TokenView
from thidua.app.ports.uow import Tx
from thidua.domain.refusals import Refusal, RefusalCode

TOKEN_PREFIX = "thd_"
MAX_TOKEN_LENGTH = 200


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_prefix(token: str) -> str:
    """The public, loggable part of a token (what the store keeps as its prefix)."""
    return token[: len(TOKEN_PREFIX) + 6]


def issue_token(
    tx: Tx,
    username: str,
    name: str = "default",
    expires_in: timedelta | None = None,
    by: str | None = None,
) -> tuple[str, TokenView]:
    """Create a token for an existing account; the plaintext is returned once, never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    new = NewToken(
        name=name,
        prefix=token_prefix(token),
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + expires_in if expires_in else None,
    )
    return token, tx.accounts.add_token(username, new, by=by)


def create_token(
    tx: Tx,
    username: str,
    name: str = "default",
    expires_in: timedelta | None = None,
    by: str | None = None,
) -> tuple[str, TokenView]:
    """Issue a token for an active account (refused, naming ``username``, otherwise)."""
    if not account_of(tx, username).active:
        raise Refusal(
            RefusalCode.CONFLICT,
            f"tài khoản '{username}' đã bị vô hiệu hóa.",
            field="username",
        )
    return issue_token(tx, username, name=name, expires_in=expires_in, by=by)


def list_tokens(tx: Tx, username: str | None = None) -> list[TokenView]:
    if username is not None:
        account_of(tx, username)
    return tx.accounts.tokens(username)


def revoke_token(tx: Tx, ref: str, by: str | None = None) -> TokenView:
    """Revoke by id, by prefix (``thd_xxxxxx``, must be unambiguous) or by the token itself."""
    ref = ref.strip()
    if ref.isdigit():
        found = tx.accounts.find_tokens(id=int(ref))
    elif (
        ref.startswith(TOKEN_PREFIX)
        and len(ref) > len(token_prefix(ref))
        and len(ref) <= MAX_TOKEN_LENGTH
    ):
        found = tx.accounts.find_tokens(token_hash=hash_token(ref))
    else:
        found = tx.accounts.find_tokens(prefix=ref)
    if not found:
        raise Refusal(
            RefusalCode.NOT_FOUND,
            f"không có mã xác thực '{token_prefix(ref)}' "
            "(dùng ID hoặc tiền tố thd_xxxxxx trong 'thidua tokens list').",
            field="token",
        )
    if len(found) > 1:
        ids = ", ".join(str(t.id) for t in found)
        raise Refusal(
            RefusalCode.INVALID,
            f"tiền tố '{ref}' trùng nhiều mã (ID {ids}); hãy dùng ID.",
            field="token",
        )
    token = found[0]
    if token.revoked_at is not None:
        return token
    return tx.accounts.revoke_token(token.id, datetime.now(UTC), by=by)
