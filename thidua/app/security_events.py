"""Security events in the audit log: failed API authentication, refused permissions (403),
console sign-ins and failed sign-ins.

Each entry has object type ``security``; its object is the username attempted (sign-in), the
client address (a failed API authentication, whose account is unknown) or the path refused
(403). ``after`` holds the client ``address``, a ``reason`` and details such as the token's
public prefix; never a password, a token or a hash. The entry is written in its own transaction
through the audit log's one writer, so the chain stays valid. Entry points bound how many are
written during a flood (``thidua.entrypoints.security_audit``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from thidua.app.ports.uow import Tx


class SecurityEvent(StrEnum):
    AUTH_FAILED = "security.auth_failed"  # an API bearer credential refused
    FORBIDDEN = "security.forbidden"  # an authenticated actor refused a step (403)
    SIGNIN = "security.signin"  # a console sign-in
    SIGNIN_FAILED = "security.signin_failed"  # a console sign-in refused (wrong password...)


def record_security_event(
    tx: Tx,
    event: SecurityEvent,
    *,
    object_id: str,
    address: str,
    reason: str,
    actor: str | None = None,
    actor_role: str | None = None,
    **details: Any,
) -> None:
    """Append one security event to the audit log in ``tx``."""
    tx.audit.record_security_event(
        event.value,
        object_id[:200],
        actor=actor,
        actor_role=actor_role,
        after={"address": address, "reason": reason, **details},
    )
