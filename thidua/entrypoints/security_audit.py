"""Writing security events to the audit log from the HTTP entry points, with a bound on floods.

Every event is logged. At most ``per_minute`` events of one kind per actor (or per client
address when nobody is authenticated) reach the audit log in any minute; beyond that they are
only logged (``security event not audited``). Attempts refused with 429 by the throttles are
never audited, only logged: the audit log records the failures that were actually checked, and
how many it can hold in a flood is bounded by the throttles and this limit.
"""

from __future__ import annotations

from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response

from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app.security_events import SecurityEvent, record_security_event
from thidua.domain.roles import Actor
from thidua.entrypoints.client_address import client_address
from thidua.entrypoints.ratelimit import RateLimiter
from thidua.logging import get_logger

log = get_logger(__name__)


class SecurityAudit:
    """Appends security events (``thidua.app.security_events``) in their own transactions."""

    def __init__(self, uow: SqlUnitOfWork, per_minute: int = 30) -> None:
        self.uow = uow
        self.limit = RateLimiter(max(1, per_minute), 60.0)

    async def record(
        self,
        event: SecurityEvent,
        *,
        key: str,
        object_id: str,
        address: str,
        reason: str,
        actor: str | None = None,
        actor_role: str | None = None,
        **details: Any,
    ) -> bool:
        """Audit the event unless its kind is over the limit for ``key``; True if written."""
        if self.limit.hit(f"{event.value}|{key}") is not None:
            log.warning(
                "security event not audited", security_event=event.value, key=key, reason=reason
            )
            return False
        try:
            await self.uow.run(
                lambda tx: record_security_event(
                    tx,
                    event,
                    object_id=object_id,
                    address=address,
                    reason=reason,
                    actor=actor,
                    actor_role=actor_role,
                    **details,
                )
            )
        except Exception:  # the refusal still stands; the log keeps the event
            log.exception(
                "security event could not be audited", security_event=event.value, key=key
            )
            return False
        return True

    async def forbidden(self, request: Request, actor: Actor | None, reason: str) -> None:
        """A 403 refusal of an authenticated actor (the API's or the console's)."""
        await self.record(
            SecurityEvent.FORBIDDEN,
            key=actor.username if actor else client_address(request),
            object_id=f"{request.method} {request.url.path}",
            address=client_address(request),
            reason=reason,
            actor=actor.username if actor else None,
            actor_role=actor.role.value if actor else None,
        )

    def forbidden_after(
        self, response: Response, request: Request, actor: Actor | None, reason: str
    ) -> Response:
        """``response``, auditing the 403 once it has been sent (for synchronous renderers)."""
        response.background = BackgroundTask(self.forbidden, request, actor, reason)
        return response


def security_audit_of(request: Request) -> SecurityAudit | None:
    audit: SecurityAudit | None = getattr(request.app.state, "security_audit", None)
    return audit
