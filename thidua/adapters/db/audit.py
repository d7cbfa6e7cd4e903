"""Appending to the hash-chained audit log, in the caller's transaction.

``record`` is how every store writes an entry for the change it makes (same session, no commit),
so an entry exists if and only if its change was committed. The chain, the canonical encoding
and the locking are described in ``thidua.app.audit``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from thidua.adapters.db.models import AuditEntryRow

GENESIS_HASH = "0" * 64
FORMAT_VERSION = 1
CANONICAL_FIELDS = (
    "v",
    "seq",
    "at",
    "action",
    "object_type",
    "object_id",
    "actor",
    "actor_role",
    "workflow_id",
    "run_id",
    "before",
    "after",
)
# Any constant works as long as every writer uses the same one ("thidua.audit" in ASCII, 8 bytes).
PG_ADVISORY_LOCK_KEY = 0x7468696475612E61


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_at(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"audit: {type(value).__name__} is not JSON-serialisable")


def canonical_json(value: Any) -> str:
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def _plain(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A JSON round trip: what the database gives back is exactly what was hashed."""
    if value is None:
        return None
    plain: dict[str, Any] = json.loads(canonical_json(dict(value)))
    return plain


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def format_at(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_entry(row: AuditEntryRow) -> str:
    """The canonical encoding of an entry's hashed fields (see the module docstring)."""
    return canonical_json(
        {
            "v": FORMAT_VERSION,
            "seq": row.seq,
            "at": format_at(row.at),
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "actor": row.actor,
            "actor_role": row.actor_role,
            "workflow_id": row.workflow_id,
            "run_id": row.run_id,
            "before": row.before,
            "after": row.after,
        }
    )


def entry_hash(prev_hash: str, row: AuditEntryRow) -> str:
    return hashlib.sha256((prev_hash + canonical_entry(row)).encode("utf-8")).hexdigest()


def _lock_head(session: Session) -> None:
    """Take the chain's write lock for the rest of the caller's transaction."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_ADVISORY_LOCK_KEY})
    elif dialect == "sqlite":
        # Matches no row (no trigger fires) but starts a write transaction: SQLite's one write
        # lock is held until commit, so no other writer can append between our read and insert.
        session.execute(text("DELETE FROM audit_log WHERE 0"))


def head(session: Session) -> tuple[int, str]:
    """``(seq, entry_hash)`` of the newest entry, ``(0, GENESIS_HASH)`` when the log is empty."""
    last = session.execute(
        select(AuditEntryRow.seq, AuditEntryRow.entry_hash)
        .order_by(AuditEntryRow.seq.desc())
        .limit(1)
    ).first()
    return (0, GENESIS_HASH) if last is None else (int(last[0]), str(last[1]))


def record(
    session: Session,
    *,
    action: str,
    object_type: str,
    object_id: str,
    actor: str | None,
    actor_role: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    workflow_id: str | None = None,
    run_id: str | None = None,
) -> AuditEntryRow:
    """Append one entry in the caller's transaction (flushed, not committed)."""
    session.flush()
    _lock_head(session)
    seq, prev = head(session)
    row = AuditEntryRow(
        seq=seq + 1,
        at=datetime.now(UTC),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        actor=actor,
        actor_role=actor_role,
        before=_plain(before),
        after=_plain(after),
        workflow_id=workflow_id,
        run_id=run_id,
        prev_hash=prev,
        entry_hash="",
    )
    row.entry_hash = entry_hash(prev, row)
    session.add(row)
    session.flush()
    return row


class SqlAuditStore:
    """Implements ``thidua.app.ports.audit`` (filled in as the audit moves behind its ports)."""

    def __init__(self, session: Session) -> None:
        self.session = session
