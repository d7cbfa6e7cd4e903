"""The append-only, hash-chained audit log.

Every state change is appended by ``record`` inside the caller's unit of work (same session, no
commit), so an entry exists if and only if the change it describes was committed. Callers write
the entry only on the code path where the change is newly written (a step, evaluation, vote or
document row inserted for the first time), so activities retried at least once add no second entry.

Actions (dotted ``<object>.<verb>``; ``object_type`` is the part before the first dot unless noted):

- ``nomination.created`` (the API stored a new nomination), ``nomination.step`` (one workflow
  step; ``after.action`` says which: submit, approve, return, reject, hold, ...),
  ``nomination.dossier_updated``, ``nomination.alert`` (a reminder or an escalation),
  ``nomination.discarded`` (created but its workflow could not be started)
- ``evaluation.recorded`` (a rules evaluation; object = the nomination key)
- ``round.opened``, ``round.step`` (close, council, decide...), ``round.appraised``,
  ``council.vote_recorded`` (object_type ``round``), ``round.decided`` (the Director's decision
  on every item), ``award.province_answer``, ``award.revoked`` (object = ``<nomination>/<code>``)
- ``document.issued`` (object = ``<round key>/<kind>``)
- ``user.created``, ``user.deactivated``, ``user.password_set``, ``token.created``, ``token.revoked`` (from the operator
  CLI: actor ``os:<account>``, actor_role ``operator``; object = username or token prefix)
- ``webhook.subscription_created``, ``webhook.subscription_deactivated``
- ``rules.version.uploaded``, ``rules.version.approved``, ``rules.version.published``,
  ``rules.version.retired``, ``rules.version.rolled_back`` (rules governance; object
  ``<ruleset>@<version>``)

``actor`` None means the system (the worker, a deadline). ``workflow_id``/``run_id`` are set when
the change comes from (or belongs to) a workflow.

Chain. Entry ``n`` (``seq`` 1, 2, ... without gaps) stores ``prev_hash`` = the ``entry_hash`` of
entry ``n-1`` (64 zeros for the first) and ``entry_hash = sha256(prev_hash + canonical(entry))``
(hex, over UTF-8). ``canonical(entry)`` is the JSON object of exactly the fields in
``CANONICAL_FIELDS`` (``v`` is the format version, 1), keys sorted, no whitespace, non-ASCII kept as
UTF-8, ``at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC; ``before``/``after`` are JSON objects or
null. The database row id is not hashed (the verifier uses it only to detect reordering).

Concurrency. Writers never fork the chain: before reading the head, ``record`` takes the write
lock: a transaction-scoped advisory lock on PostgreSQL; on SQLite a no-op write statement that
acquires the database's single write lock (held until commit), so the head read afterwards is the
latest. UNIQUE ``seq`` and UNIQUE ``prev_hash`` make a fork impossible even if that were bypassed.

Protection. Triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL); see migration 0005.
Anyone able to drop the triggers can still edit rows: ``verify`` then names the first bad entry.
Deleting the newest entries leaves a valid shorter chain: only a head hash kept outside (the last
line of ``export``) detects that, with ``verify(expect=...)``; ``check_export`` checks an export
file without the database.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any, Literal

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

# The chain's writer lives with the database adapter; these names stay importable from here
# until the audit use cases are ported behind the app's ports (transitional).
from thidua.adapters.db.audit import (
    CANONICAL_FIELDS as CANONICAL_FIELDS,
)
from thidua.adapters.db.audit import (
    FORMAT_VERSION as FORMAT_VERSION,
)
from thidua.adapters.db.audit import (
    GENESIS_HASH as GENESIS_HASH,
)
from thidua.adapters.db.audit import (
    as_utc as as_utc,
)
from thidua.adapters.db.audit import (
    canonical_entry as canonical_entry,
)
from thidua.adapters.db.audit import (
    canonical_json as canonical_json,
)
from thidua.adapters.db.audit import (
    entry_hash as entry_hash,
)
from thidua.adapters.db.audit import (
    format_at as format_at,
)
from thidua.adapters.db.audit import (
    head as head,
)
from thidua.adapters.db.audit import (
    record as record,
)
from thidua.adapters.db.models import AuditEntryRow


class AuditError(ValueError):
    """A bad audit request (an unknown option value); ``option`` names the input."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


# ---- reading -------------------------------------------------------------------------------


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


def entry_view(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
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
    )


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None  # exact, or a prefix ending with "." (``rules.version.``)
    object_type: str | None = None
    object_id: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


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


def page_entries(
    session: Session, f: AuditFilter, after_seq: int | None, limit: int
) -> tuple[list[AuditEntry], int | None]:
    """Entries in chain order after ``after_seq``; the second value is the next cursor or None."""
    query = _filtered(select(AuditEntryRow), f)
    if after_seq:
        query = query.where(AuditEntryRow.seq > after_seq)
    rows = list(session.scalars(query.order_by(AuditEntryRow.seq).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return [entry_view(r) for r in rows], (rows[-1].seq if more and rows else None)


# ---- verification --------------------------------------------------------------------------

ProblemKind = Literal["modified", "deleted", "reordered"]
_KIND_VI = {"modified": "bị sửa", "deleted": "bị xóa", "reordered": "bị đổi thứ tự"}


@dataclass(frozen=True)
class ChainProblem:
    kind: ProblemKind
    seq: int  # the entry named (for a deletion: the first missing seq)
    id: int | None  # its row id, when the row exists
    detail: str  # Vietnamese, for officials

    def message(self) -> str:
        row = f" (id {self.id})" if self.id is not None else ""
        return f"Mục {self.seq}{row} {_KIND_VI[self.kind]}: {self.detail}"


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head_seq: int
    head_hash: str
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _seq_of_hash(session: Session, value: str) -> int | None:
    found = session.scalars(
        select(AuditEntryRow.seq).where(AuditEntryRow.entry_hash == value)
    ).first()
    return None if found is None else int(found)


def _pairs(rows: Iterator[AuditEntryRow]) -> Iterator[tuple[AuditEntryRow, AuditEntryRow | None]]:
    current = next(rows, None)
    while current is not None:
        following = next(rows, None)
        yield current, following
        current = following


def _check(
    session: Session,
    row: AuditEntryRow,
    following: AuditEntryRow | None,
    expected_seq: int,
    prev: AuditEntryRow | None,
) -> ChainProblem | None:
    prev_hash = prev.entry_hash if prev is not None else GENESIS_HASH
    if row.seq != expected_seq:
        missing = (
            f"mục {expected_seq}"
            if row.seq == expected_seq + 1
            else f"các mục {expected_seq}–{row.seq - 1}"
        )
        return ChainProblem(
            "deleted",
            expected_seq,
            None,
            f"không còn {missing}; mục tiếp theo còn lại là {row.seq} (id {row.id}).",
        )
    if (prev is not None and row.id < prev.id) or (following is not None and following.id < row.id):
        return ChainProblem(
            "reordered",
            row.seq,
            row.id,
            "thứ tự mục không khớp thứ tự ghi vào cơ sở dữ liệu (số thứ tự đã bị hoán đổi).",
        )
    if entry_hash(row.prev_hash, row) != row.entry_hash:
        linked = _seq_of_hash(session, row.prev_hash) if row.prev_hash != prev_hash else None
        if linked is not None:
            return ChainProblem(
                "reordered",
                row.seq,
                row.id,
                f"mục này mang nội dung của mục đứng sau mục {linked}.",
            )
        return ChainProblem(
            "modified",
            row.seq,
            row.id,
            "nội dung không khớp mã băm đã ghi (mã băm tính lại khác mã băm lưu).",
        )
    if row.prev_hash != prev_hash:
        linked = _seq_of_hash(session, row.prev_hash)
        if linked is not None:
            return ChainProblem(
                "reordered",
                row.seq,
                row.id,
                f"mục này nối vào mục {linked}, không phải mục {row.seq - 1} đứng trước nó.",
            )
        if prev is None:
            return ChainProblem(
                "modified", row.seq, row.id, "mục đầu tiên không nối vào gốc của chuỗi."
            )
        return ChainProblem(
            "modified",
            prev.seq,
            prev.id,
            f"mã băm của mục đã bị tính lại; mục {row.seq} vẫn nối vào mã băm gốc của nó.",
        )
    return None


def verify(session: Session, expect: tuple[int, str] | None = None) -> ChainReport:
    """Walk the whole chain in seq order; name the first modified, deleted or reordered entry.

    ``expect`` = ``(seq, entry_hash)`` kept outside (an export's last line): also detects that
    entries up to that point were rewritten or that the newest entries were deleted.
    """
    rows = iter(
        session.scalars(
            select(AuditEntryRow).order_by(AuditEntryRow.seq).execution_options(yield_per=1000)
        )
    )
    count = 0
    prev: AuditEntryRow | None = None
    anchor_seen = False
    for row, following in _pairs(rows):
        problem = _check(session, row, following, count + 1, prev)
        if problem is not None:
            return ChainReport(count, row.seq, row.entry_hash, problem)
        if expect is not None and row.seq == expect[0]:
            anchor_seen = True
            if row.entry_hash != expect[1]:
                return ChainReport(
                    count,
                    row.seq,
                    row.entry_hash,
                    ChainProblem(
                        "modified",
                        row.seq,
                        row.id,
                        "mã băm khác mã băm đã lưu giữ bên ngoài (chuỗi đến mục này bị viết lại).",
                    ),
                )
        count += 1
        prev = row
    head_seq, head_hash = (prev.seq, prev.entry_hash) if prev else (0, GENESIS_HASH)
    if expect is not None and expect[0] > 0 and not anchor_seen:
        return ChainReport(
            count,
            head_seq,
            head_hash,
            ChainProblem(
                "deleted",
                expect[0],
                None,
                f"chuỗi chỉ còn đến mục {head_seq}; các mục mới nhất đến mục {expect[0]} "
                "đã lưu giữ bên ngoài không còn.",
            ),
        )
    return ChainReport(count, head_seq, head_hash, None)


# ---- export --------------------------------------------------------------------------------

ExportFormat = Literal["jsonl", "csv"]
CSV_COLUMNS = ("record", *AuditEntry.model_fields)


def _day_start(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def export(
    session: Session,
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
        raise AuditError("--to: ngày kết thúc trước ngày bắt đầu (--from).", "--to")
    f = AuditFilter(
        since=_day_start(start) if start else None,
        until=_day_start(end) + timedelta(days=1) if end else None,
    )
    query = _filtered(select(AuditEntryRow), f).order_by(AuditEntryRow.seq)
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writerow(CSV_COLUMNS)
    count, first, last = 0, None, None
    for row in session.scalars(query.execution_options(yield_per=1000)):
        view = entry_view(row)
        count += 1
        first = first or view
        last = view
        if writer is not None:
            values = view.model_dump()
            for key in ("before", "after"):
                values[key] = "" if values[key] is None else canonical_json(values[key])
            writer.writerow(["entry", *(("" if values[c] is None else values[c]) for c in values)])
        else:
            out.write(canonical_json({"record": "entry", **view.model_dump()}) + "\n")
    head_seq, head_hash = head(session)
    summary: dict[str, Any] = {
        "record": "head",
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "entries": count,
        "first_seq": first.seq if first else None,
        "first_prev_hash": first.prev_hash if first else None,
        "range_end_seq": last.seq if last else None,
        "range_end_hash": last.entry_hash if last else None,
        "head_seq": head_seq,
        "head_hash": head_hash,
        "exported_at": format_at(datetime.now(UTC)),
    }
    if writer is not None:
        row_out = {c: "" for c in CSV_COLUMNS}
        row_out.update(
            record="head",
            seq=str(head_seq),
            entry_hash=head_hash,
            prev_hash=summary["range_end_hash"] or "",
            after=canonical_json(summary),
        )
        writer.writerow([row_out[c] for c in CSV_COLUMNS])
    else:
        out.write(canonical_json(summary) + "\n")
    return summary


# ---- checking an export without the database (for the outside party that keeps it) ----------


@dataclass(frozen=True)
class ExportCheck:
    entries: int
    head_seq: int | None
    head_hash: str | None
    problem: str | None  # Vietnamese, naming the line

    @property
    def ok(self) -> bool:
        return self.problem is None


_NULLABLE = ("actor", "actor_role", "workflow_id", "run_id")


def _records(text_in: IO[str], fmt: ExportFormat) -> Iterator[tuple[int, dict[str, Any]]]:
    if fmt == "jsonl":
        for number, line in enumerate(text_in, start=1):
            if line.strip():
                yield number, json.loads(line)
        return
    reader = csv.DictReader(text_in)
    for number, row in enumerate(reader, start=2):
        if row.get("record") == "head":
            yield number, json.loads(row.get("after") or "{}")
            continue
        rec: dict[str, Any] = dict(row)
        rec["seq"] = int(rec["seq"])
        for key in _NULLABLE:
            rec[key] = rec[key] or None
        for key in ("before", "after"):
            rec[key] = json.loads(rec[key]) if rec[key] else None
        yield number, rec


def check_export(text_in: IO[str], fmt: ExportFormat) -> ExportCheck:
    """Recompute every exported entry's hash and link; the last record must be the head."""
    count, prev_hash, summary = 0, None, None
    last_hash: str | None = None
    try:
        for line, rec in _records(text_in, fmt):
            if summary is not None:
                return ExportCheck(
                    count, None, None, f"Dòng {line}: có dữ liệu sau dòng mã băm cuối."
                )
            if rec.get("record") == "head":
                summary = rec
                continue
            fields = {"v": FORMAT_VERSION, **{k: rec[k] for k in CANONICAL_FIELDS if k != "v"}}
            expected = hashlib.sha256(
                (rec["prev_hash"] + canonical_json(fields)).encode("utf-8")
            ).hexdigest()
            if expected != rec["entry_hash"]:
                return ExportCheck(
                    count,
                    None,
                    None,
                    f"Dòng {line} (mục {rec['seq']}): nội dung không khớp mã băm.",
                )
            if prev_hash is not None and rec["prev_hash"] != prev_hash:
                return ExportCheck(
                    count,
                    None,
                    None,
                    f"Dòng {line} (mục {rec['seq']}): không nối vào mục đứng trước trong tệp.",
                )
            prev_hash = last_hash = rec["entry_hash"]
            count += 1
    except (ValueError, KeyError, TypeError) as exc:
        return ExportCheck(count, None, None, f"Tệp không đúng định dạng xuất: {exc}.")
    if summary is None:
        return ExportCheck(count, None, None, "Thiếu dòng cuối mang mã băm cuối chuỗi.")
    if summary.get("entries") != count or summary.get("range_end_hash") != last_hash:
        return ExportCheck(
            count,
            None,
            None,
            "Dòng cuối không khớp các mục trong tệp (số mục hoặc mã băm cuối khoảng).",
        )
    return ExportCheck(count, int(summary["head_seq"]), str(summary["head_hash"]), None)
