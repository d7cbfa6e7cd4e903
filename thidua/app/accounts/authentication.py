"""An API request's bearer credential resolved to who acts: one of our API tokens, or a JWT
of the configured identity provider naming one of our accounts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from thidua.app.accounts.tokens import MAX_TOKEN_LENGTH, TOKEN_PREFIX, hash_token
from thidua.app.ports.accounts import aware
from thidua.app.ports.uow import Tx
from thidua.domain.roles import Actor


def authenticate(tx: Tx, token: str) -> Actor | None:
    """The actor a token belongs to, or None if it is unknown, revoked or expired, or its
    account is deactivated."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    login = tx.accounts.token_login(hash_token(token))
    if login is None or login.revoked_at is not None or not login.account.active:
        return None
    if login.expires_at is not None and aware(login.expires_at) <= datetime.now(UTC):
        return None
    return login.account.actor()


@dataclass(frozen=True)
class JwtCheck:
    """How the identity provider's JWTs are checked: its public key (PEM), the expected issuer
    and audience, the accepted algorithms and the claim naming our account."""

    public_key: str
    issuer: str
    audience: str
    algorithms: Sequence[str]
    username_claim: str = "sub"


def authenticate_jwt(tx: Tx, token: str, check: JwtCheck) -> Actor | None:
    """The actor of a bearer JWT signed by the configured identity provider, or None.

    The signature, ``iss``, ``aud`` and ``exp`` are checked against the configured public key
    (no network fetch); the username claim must name an active account of ours, whose role and
    units apply.
    """
    import jwt

    try:
        claims = jwt.decode(
            token,
            check.public_key,
            algorithms=list(check.algorithms),
            audience=check.audience,
            issuer=check.issuer,
            options={"require": ["exp", "iss", "aud", check.username_claim]},
        )
    except jwt.PyJWTError:
        return None
    username = claims.get(check.username_claim)
    if not isinstance(username, str):
        return None
    account = tx.accounts.account(username)
    if account is None or not account.active:
        return None
    return account.actor()
