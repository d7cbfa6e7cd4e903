"""Ports of the audit use cases: reading the hash-chained log (entries are written by every store
in its own transaction, see ``thidua.adapters.db.audit.record``) and the views they return."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel

from thidua.domain.audit import Entry


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None  # exact, or a prefix ending with "." (``rules.version.``)
    object_type: str | None = None
    object_id: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


# The API's schema of an entry (its docstring is the schema's description in docs/openapi.json):
# an export's record adds the format version ``v`` (thidua.domain.audit_export).
class AuditEntry(BaseModel):
    """An entry as listed and exported (every hashed field, the row id and both hashes)."""

    id: int
    seq: int
    at: str  # the canonical UTC timestamp, exactly as hashed
    action: str
    object_type: str
    object_id: str
    actor: str | None
    actor_role: str | None
    workflow_id: str | None
    run_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    entry_hash: str


class AuditStore(Protocol):
    """What the audit use cases read in one transaction (and security events, which no other
    store writes)."""

    def record_security_event(
        self,
        action: str,
        object_id: str,
        *,
        actor: str | None,
        actor_role: str | None,
        after: dict[str, Any],
    ) -> None:
        """Append a ``security.*`` entry (object type ``security``) in this transaction."""
        ...

    def find(self, f: AuditFilter, after_seq: int | None, limit: int) -> list[Entry]:
        """At most ``limit`` entries matching ``f`` after ``after_seq``, in chain order."""
        ...

    def entries(self, f: AuditFilter | None = None) -> Iterator[Entry]:
        """Every entry (matching ``f``) in chain order, read in batches."""
        ...

    def seq_of_hash(self, entry_hash: str) -> int | None:
        """The seq of the entry whose hash is ``entry_hash``, if any."""
        ...

    def head(self) -> tuple[int, str]:
        """``(seq, entry_hash)`` of the newest entry, ``(0, GENESIS_HASH)`` when empty."""
        ...
