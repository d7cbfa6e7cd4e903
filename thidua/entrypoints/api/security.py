"""Bearer-token authentication for the API, with throttled failures and per-account rate limits.

Bearer tokens are our API tokens (``thd_...``) or, when configured, JWTs of an identity provider
verified against its public key.
"""

from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from thidua.app.accounts.authentication import JwtCheck, authenticate, authenticate_jwt
from thidua.app.accounts.tokens import TOKEN_PREFIX, token_prefix
from thidua.app.ports.uow import Tx, UnitOfWork
from thidua.app.security_events import SecurityEvent
from thidua.config import JwtSettings
from thidua.domain.roles import Actor
from thidua.entrypoints.client_address import client_address
from thidua.entrypoints.ratelimit import FailureThrottle, RateLimiter, RetryAfter
from thidua.entrypoints.security_audit import SecurityAudit
from thidua.logging import get_logger

bearer_scheme = HTTPBearer(auto_error=False, description="API token (thd_...) or a JWT")

MISSING = "Thiếu mã xác thực (Authorization: Bearer ...)."
INVALID = "Mã xác thực không hợp lệ, đã thu hồi hoặc hết hạn."
TOO_MANY_FAILURES = "Quá nhiều lần xác thực thất bại; thử lại sau {seconds} giây."
TOO_MANY_REQUESTS = "Quá nhiều yêu cầu với tài khoản này; thử lại sau {seconds} giây."


def _too_many(template: str, retry: RetryAfter) -> HTTPException:
    return HTTPException(
        429, template.format(seconds=retry.header), headers={"Retry-After": retry.header}
    )


def _loggable_prefix(token: str) -> str:
    """The token's public prefix if it looks like one of ours, else a marker (never the token)."""
    if token.startswith(TOKEN_PREFIX) and len(token) > len(token_prefix(token)):
        return token_prefix(token)
    return "(không phải thd_)"


def _jwt_check(settings: JwtSettings | None) -> JwtCheck | None:
    """How JWTs are checked, when an identity provider is configured (its key read once)."""
    if settings is None or not settings.enabled or settings.public_key_file is None:
        return None
    assert settings.issuer is not None and settings.audience is not None
    return JwtCheck(
        public_key=settings.public_key_file.read_text(encoding="utf-8"),
        issuer=settings.issuer,
        audience=settings.audience,
        algorithms=tuple(settings.algorithms),
        username_claim=settings.username_claim,
    )


class Authenticator:
    """FastAPI dependency: ``Authorization: Bearer thd_...`` → ``Actor``.

    - no token → 401;
    - the credential is checked first (a SHA-256 lookup, or a JWT's signature: cheap), so a
      valid one is never refused because of other clients' failures, even from its address;
    - an unknown, revoked or expired token (or an inactive account) → 401, logged and audited
      (``security.auth_failed``) with the client address and the token's prefix only, and
      counted against the client address (``failures``): after ``failures.free`` of them each
      further failure from that address waits (60 s, doubling) and is answered 429 with
      ``Retry-After`` (logged, not audited);
    - more than ``token_limit.limit`` requests by one account within its window → 429.

    The client address is ``client_address`` (``X-Forwarded-For`` only from trusted proxies).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        failures: FailureThrottle | None = None,
        token_limit: RateLimiter | None = None,
        jwt: JwtSettings | None = None,
        audit: SecurityAudit | None = None,
    ) -> None:
        self.uow = uow
        self.jwt = _jwt_check(jwt)
        # Not ``or``: an empty limiter is falsy (it has a length).
        self.failures = FailureThrottle(10) if failures is None else failures
        self.token_limit = RateLimiter(600, 60.0) if token_limit is None else token_limit
        self.audit = audit

    def _lookup(self, tx: Tx, token: str) -> Actor | None:
        if token.startswith(TOKEN_PREFIX) or self.jwt is None:
            return authenticate(tx, token)
        return authenticate_jwt(tx, token, self.jwt)

    async def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    ) -> Actor:
        if credentials is None or not credentials.credentials:
            raise HTTPException(401, MISSING, headers={"WWW-Authenticate": "Bearer"})
        ip = client_address(request)
        token = credentials.credentials
        actor = await self.uow.run(lambda tx: self._lookup(tx, token))
        if actor is None:
            prefix = _loggable_prefix(token)
            blocked = self.failures.reserve(f"ip:{ip}")
            if blocked is not None:
                get_logger(__name__).warning(
                    "authentication throttled", client_ip=ip, token_prefix=prefix
                )
                raise _too_many(TOO_MANY_FAILURES, blocked)
            get_logger(__name__).warning("authentication failed", client_ip=ip, token_prefix=prefix)
            if self.audit is not None:
                await self.audit.record(
                    SecurityEvent.AUTH_FAILED,
                    key=ip,
                    object_id=ip,
                    address=ip,
                    reason="invalid_token",
                    token_prefix=prefix,
                    path=request.url.path,
                )
            raise HTTPException(401, INVALID, headers={"WWW-Authenticate": "Bearer"})
        limited = self.token_limit.hit(actor.username)
        if limited is not None:
            get_logger(__name__).warning("rate limited", client_ip=ip, actor=actor.username)
            raise _too_many(TOO_MANY_REQUESTS, limited)
        structlog.contextvars.bind_contextvars(actor=actor.username)
        request.state.actor = actor  # for the audit of a later 403
        return actor
