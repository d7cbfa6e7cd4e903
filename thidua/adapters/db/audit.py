"""The hash-chained audit log in the database: appending in the caller's transaction, and reading.

``record`` is how every store writes an entry for the change it makes (same session, no commit),
so an entry exists if and only if its change was committed, and a retried activity that writes
nothing new adds no entry. The hashing is ``thidua.domain.audit``'s (new entries in its current
format version, stored in ``format_version``); ``SqlAuditStore`` reads entries for the use cases.

Concurrency. Writers never fork the chain: before reading the head, ``record`` takes the write
lock: a transaction-scoped advisory lock on PostgreSQL; on SQLite a no-op write statement that
acquires the database's single write lock (held until commit), so the head read afterwards is the
latest. UNIQUE ``seq`` and UNIQUE ``prev_hash`` make a fork impossible even if that were bypassed.

Protection. Triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL); see migration 0005.
Anyone able to drop the triggers can still edit rows: verification then names the first bad
entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from thidua.adapters.db.models import AuditEntryRow
from thidua.app.ports.audit import AuditFilter
from thidua.domain.audit import (
    GENESIS_HASH,
    Entry,
    as_utc,
    format_at,
    hash_new_entry,
    to_plain,
)

# Any constant works as long as every writer uses the same one ("thidua.audit" in ASCII, 8 bytes).
PG_ADVISORY_LOCK_KEY = 0x7468696475612E61


def entry_of(row: AuditEntryRow) -> Entry:
    """A stored entry as the domain hashes and verifies it."""
    return Entry(
        seq=row.seq,
        at=format_at(row.at),
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        actor=row.actor,
        actor_role=row.actor_role,
        workflow_id=row.workflow_id,
        run_id=row.run_id,
        before=row.before,
        after=row.after,
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
        format_version=row.format_version,
        id=row.id,
    )


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
    at = datetime.now(UTC)
    entry = hash_new_entry(
        Entry(
            seq=seq + 1,
            at=format_at(at),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            actor=actor,
            actor_role=actor_role,
            workflow_id=workflow_id,
            run_id=run_id,
            before=to_plain(before),
            after=to_plain(after),
            prev_hash=prev,
            entry_hash="",
        )
    )
    row = AuditEntryRow(
        seq=entry.seq,
        at=at,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        actor=entry.actor,
        actor_role=entry.actor_role,
        before=entry.before,
        after=entry.after,
        workflow_id=entry.workflow_id,
        run_id=entry.run_id,
        prev_hash=entry.prev_hash,
        entry_hash=entry.entry_hash,
        format_version=entry.format_version,
    )
    session.add(row)
    session.flush()
    return row


def _filtered(query: Select[AuditEntryRow], f: AuditFilter) -> Select[AuditEntryRow]:
    if f.action:
        if f.action.endswith("."):
            query = query.where(AuditEntryRow.action.startswith(f.action, autoescape=True))
        else:
            query = query.where(AuditEntryRow.action == f.action)
    if f.object_type:
        query = query.where(AuditEntryRow.object_type == f.object_type)
    if f.object_id:
        query = query.where(AuditEntryRow.object_id == f.object_id)
    if f.actor:
        query = query.where(AuditEntryRow.actor == f.actor)
    if f.since:
        query = query.where(AuditEntryRow.at >= as_utc(f.since))
    if f.until:
        query = query.where(AuditEntryRow.at < as_utc(f.until))
    return query


class SqlAuditStore:
    """Implements ``thidua.app.ports.audit.AuditStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record_security_event(
        self,
        action: str,
        object_id: str,
        *,
        actor: str | None,
        actor_role: str | None,
        after: dict[str, Any],
    ) -> None:
        record(
            self.session,
            action=action,
            object_type="security",
            object_id=object_id,
            actor=actor,
            actor_role=actor_role,
            after=after,
        )

    def find(self, f: AuditFilter, after_seq: int | None, limit: int) -> list[Entry]:
        query = _filtered(select(AuditEntryRow), f)
        if after_seq:
            query = query.where(AuditEntryRow.seq > after_seq)
        rows = self.session.scalars(query.order_by(AuditEntryRow.seq).limit(limit))
        return [entry_of(r) for r in rows]

    def entries(self, f: AuditFilter | None = None) -> Iterator[Entry]:
        query = select(AuditEntryRow) if f is None else _filtered(select(AuditEntryRow), f)
        rows = self.session.scalars(
            query.order_by(AuditEntryRow.seq).execution_options(yield_per=1000)
        )
        return (entry_of(r) for r in rows)

    def seq_of_hash(self, entry_hash: str) -> int | None:
        found = self.session.scalars(
            select(AuditEntryRow.seq).where(AuditEntryRow.entry_hash == entry_hash)
        ).first()
        return None if found is None else int(found)

    def head(self) -> tuple[int, str]:
        return head(self.session)
