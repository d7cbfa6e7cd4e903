"""The audit log's export files (JSON Lines and CSV) and checking one without the database.

An export is every entry of a date range, one record each, then one last record, the head: the
chain hash at the end of the range and the head hash of the whole chain when it was written, for
someone outside (the Inspectorate, an archive) to keep. Deleting the newest entries leaves a
valid shorter chain that only such a kept head detects.

- JSON Lines: one JSON object per line. An entry is ``{"record": "entry", ...}`` with the row
  ``id``, every hashed field (``thidua.domain.audit.HASHED_FIELDS``, ``v`` included),
  ``prev_hash`` and ``entry_hash``; the last line is ``{"record": "head", ...}``.
- CSV: the columns ``CSV_COLUMNS`` (``v`` last); ``before``/``after`` hold their JSON text, an
  empty cell is null. The head row has ``record`` = ``head``, ``seq``/``entry_hash`` the chain's
  head, ``prev_hash`` the range's last hash and the whole head record as JSON in ``after``.

Exports written before format versions existed have no ``v``: their entries are version 1.
To check an entry with a standard tool: take its hashed fields, encode them with its ``v``
(2: RFC 8785) and compare ``sha256(prev_hash + text)`` with ``entry_hash``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from rules.canonical import Encoding, canonical_json
from thidua.domain.audit import HASHED_FIELDS, Entry, entry_hash, json_default

ExportFormat = Literal["jsonl", "csv"]
# An entry record's fields after ``record``, in the CSV's column order.
RECORD_FIELDS = (
    "id",
    *(f for f in HASHED_FIELDS if f != "v"),
    "prev_hash",
    "entry_hash",
    "v",
)
CSV_COLUMNS = ("record", *RECORD_FIELDS)
_NULLABLE = ("actor", "actor_role", "workflow_id", "run_id")


def _json(value: Any) -> str:
    return canonical_json(value, Encoding.SORTED_JSON, default=json_default)


def _csv_line(values: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


def entry_record(entry: Entry) -> dict[str, Any]:
    """An entry as exported: its row id, hashed fields and both hashes."""
    return {
        "record": "entry",
        "id": entry.id,
        "seq": entry.seq,
        "at": entry.at,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "actor": entry.actor,
        "actor_role": entry.actor_role,
        "workflow_id": entry.workflow_id,
        "run_id": entry.run_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
        "v": entry.format_version,
    }


def head_record(
    *,
    start: date | None,
    end: date | None,
    entries: int,
    first: Entry | None,
    last: Entry | None,
    head: tuple[int, str],
    exported_at: str,
) -> dict[str, Any]:
    """The last record: the range, its entries' count and end hash, and the chain's head."""
    return {
        "record": "head",
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "entries": entries,
        "first_seq": first.seq if first else None,
        "first_prev_hash": first.prev_hash if first else None,
        "range_end_seq": last.seq if last else None,
        "range_end_hash": last.entry_hash if last else None,
        "head_seq": head[0],
        "head_hash": head[1],
        "exported_at": exported_at,
    }


def header_line(fmt: ExportFormat) -> str:
    """The file's first line: the CSV header, nothing for JSON Lines."""
    return _csv_line(CSV_COLUMNS) if fmt == "csv" else ""


def entry_line(entry: Entry, fmt: ExportFormat) -> str:
    record = entry_record(entry)
    if fmt == "jsonl":
        return _json(record) + "\n"
    for key in ("before", "after"):
        record[key] = "" if record[key] is None else _json(record[key])
    return _csv_line("" if record[c] is None else record[c] for c in CSV_COLUMNS)


def head_line(head: dict[str, Any], fmt: ExportFormat) -> str:
    if fmt == "jsonl":
        return _json(head) + "\n"
    row = {c: "" for c in CSV_COLUMNS}
    row.update(
        record="head",
        seq=str(head["head_seq"]),
        entry_hash=head["head_hash"],
        prev_hash=head["range_end_hash"] or "",
        after=_json(head),
    )
    return _csv_line(row[c] for c in CSV_COLUMNS)


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


def read_records(lines: Iterable[str], fmt: ExportFormat) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) of each record of an export; a CSV's cells back to JSON values."""
    if fmt == "jsonl":
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, json.loads(line)
        return
    for number, row in enumerate(csv.DictReader(lines), start=2):
        if row.get("record") == "head":
            yield number, json.loads(row.get("after") or "{}")
            continue
        rec: dict[str, Any] = dict(row)
        rec["seq"] = int(rec["seq"])
        rec["v"] = int(rec["v"]) if rec.get("v") else None
        for key in _NULLABLE:
            rec[key] = rec[key] or None
        for key in ("before", "after"):
            rec[key] = json.loads(rec[key]) if rec[key] else None
        yield number, rec


def _entry_of(rec: dict[str, Any]) -> Entry:
    fields = {k: rec[k] for k in HASHED_FIELDS if k != "v"}
    version = rec.get("v") or Encoding.SORTED_JSON  # exports before versions: all version 1
    return Entry(
        **fields, prev_hash=rec["prev_hash"], entry_hash=rec["entry_hash"], format_version=version
    )


def check_export(lines: Iterable[str], fmt: ExportFormat) -> ExportCheck:
    """Recompute every exported entry's hash (with its own ``v``) and link; the last record
    must be the head, matching the entries before it."""
    count, prev_hash, summary = 0, None, None
    last_hash: str | None = None
    try:
        for line, rec in read_records(lines, fmt):
            if summary is not None:
                return ExportCheck(
                    count, None, None, f"Dòng {line}: có dữ liệu sau dòng mã băm cuối."
                )
            if rec.get("record") == "head":
                summary = rec
                continue
            entry = _entry_of(rec)
            if entry_hash(entry.prev_hash, entry) != entry.entry_hash:
                return ExportCheck(
                    count,
                    None,
                    None,
                    f"Dòng {line} (mục {rec['seq']}): nội dung không khớp mã băm.",
                )
            if prev_hash is not None and entry.prev_hash != prev_hash:
                return ExportCheck(
                    count,
                    None,
                    None,
                    f"Dòng {line} (mục {rec['seq']}): không nối vào mục đứng trước trong tệp.",
                )
            prev_hash = last_hash = entry.entry_hash
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
