"""The audit log's use cases: list entries, verify the chain, export a date range, check an export.

Every state change is appended to the log inside its own transaction by the store that makes it
(``thidua.adapters.db.audit.record``), so an entry exists if and only if the change it describes
was committed. Stores write the entry only on the code path where the change is newly written (a
step, evaluation, vote or document row inserted for the first time), so activities retried at
least once add no second entry. How entries are hashed and chained, and the format versions, are
in ``thidua.domain.audit``; the export files in ``thidua.domain.audit_export``.

Actions (dotted ``<object>.<verb>``; ``object_type`` is the part before the first dot unless noted):

- ``nomination.created`` (the API stored a new nomination), ``nomination.step`` (one workflow
  step; ``after.action`` says which: submit, approve, return, reject, hold, ...),
  ``nomination.dossier_updated``, ``nomination.alert`` (a reminder or an escalation),
  ``nomination.discarded`` (created but its workflow could not be started)
- ``evaluation.recorded`` (a rules evaluation; object = the nomination key)
- ``round.opened``, ``round.step`` (close, council, decide...), ``round.appraised``,
  ``round.initiative_chosen`` (the Office's choice of the award an initiative grounds, with the
  nomination's awards after the appraisal re-ran),
  ``council.vote_recorded`` (object_type ``round``), ``round.decided`` (the Director's decision
  on every item), ``award.province_answer``, ``award.revoked`` (object = ``<nomination>/<code>``)
- ``document.issued`` (object = ``<round key>/<kind>``)
- ``user.created``, ``user.deactivated``, ``user.password_set``, ``token.created``, ``token.revoked`` (from the operator
  CLI: actor ``os:<account>``, actor_role ``operator``; object = username or token prefix)
- ``security.signin``, ``security.signin_failed`` (console; object = username attempted),
  ``security.auth_failed`` (API bearer credential refused; object = client address, with the
  token's public prefix), ``security.forbidden`` (a 403; object = ``<METHOD> <path>``): object
  type ``security``, ``after`` = client address and reason (``thidua.app.security_events``)
- ``webhook.subscription_created``, ``webhook.subscription_deactivated``
- ``rules.version.uploaded``, ``rules.version.approved``, ``rules.version.published``,
  ``rules.version.retired``, ``rules.version.rolled_back`` (rules governance; object
  ``<ruleset>@<version>``)

``actor`` None means the system (the worker, a deadline). ``workflow_id``/``run_id`` are set when
the change comes from (or belongs to) a workflow.

Who may read and verify through the API and the console is ``thidua.domain.policy``'s
(``read_page``, ``verify_as``); the operator's CLI on the server reads the database directly
(``page``, ``verify``, ``export``). An export is checked without the database by
``thidua.domain.audit_export.check_export``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from thidua.app.ports.audit import AuditEntry, AuditFilter
from thidua.app.ports.uow import Tx
from thidua.domain import audit_export, policy
from thidua.domain.audit import ChainReport, Entry, format_at, verify_chain
from thidua.domain.audit_export import ExportFormat
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor

# ---- reading -------------------------------------------------------------------------------


def entry_view(entry: Entry) -> AuditEntry:
    return AuditEntry(
        id=entry.id if entry.id is not None else 0,
        seq=entry.seq,
        at=entry.at,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        actor=entry.actor,
        actor_role=entry.actor_role,
        workflow_id=entry.workflow_id,
        run_id=entry.run_id,
        before=entry.before,
        after=entry.after,
        prev_hash=entry.prev_hash,
        entry_hash=entry.entry_hash,
    )


def page(
    tx: Tx, f: AuditFilter, after_seq: int | None, limit: int
) -> tuple[list[AuditEntry], int | None]:
    """Entries in chain order after ``after_seq``; the second value is the next cursor or None."""
    entries = tx.audit.find(f, after_seq, limit + 1)
    more = len(entries) > limit
    entries = entries[:limit]
    return [entry_view(e) for e in entries], (entries[-1].seq if more and entries else None)


def read_page(
    tx: Tx, actor: Actor, f: AuditFilter, after_seq: int | None, limit: int
) -> tuple[list[AuditEntry], int | None]:
    """``page`` for a reader of the log (auditors, rules administrators)."""
    policy.check_audit_read(actor)
    return page(tx, f, after_seq, limit)


# ---- verification --------------------------------------------------------------------------


def verify(tx: Tx, expect: tuple[int, str] | None = None) -> ChainReport:
    """Walk the whole chain; name the first modified, deleted or reordered entry.

    ``expect`` = ``(seq, entry_hash)`` kept outside (an export's last line): also detects that
    entries up to that point were rewritten or that the newest entries were deleted.
    """
    return verify_chain(tx.audit.entries(), tx.audit.seq_of_hash, expect)


def verify_as(tx: Tx, actor: Actor) -> ChainReport:
    """``verify`` for whoever may verify the whole chain (auditors)."""
    policy.check_audit_verify(actor)
    return verify(tx)


# ---- export --------------------------------------------------------------------------------


def _day_start(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def export(
    tx: Tx,
    out: IO[str],
    *,
    start: date | None,
    end: date | None,
    fmt: ExportFormat,
) -> dict[str, Any]:
    """Write the entries recorded on days ``start``..``end`` (UTC, inclusive), then a last line
    or row with the chain hash at the range end and the head of the whole chain.
    Returns that last record."""
    if start and end and end < start:
        raise Refusal(RefusalCode.INVALID, "ngày kết thúc trước ngày bắt đầu.", field="end")
    f = AuditFilter(
        since=_day_start(start) if start else None,
        until=_day_start(end) + timedelta(days=1) if end else None,
    )
    out.write(audit_export.header_line(fmt))
    count, first, last = 0, None, None
    for entry in tx.audit.entries(f):
        count += 1
        first = first or entry
        last = entry
        out.write(audit_export.entry_line(entry, fmt))
    summary = audit_export.head_record(
        start=start,
        end=end,
        entries=count,
        first=first,
        last=last,
        head=tx.audit.head(),
        exported_at=format_at(datetime.now(UTC)),
    )
    out.write(audit_export.head_line(summary, fmt))
    return summary
