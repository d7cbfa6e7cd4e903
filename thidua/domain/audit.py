"""The hash-chained audit log's rules: what an entry is, how it is hashed, how a chain is checked.

Pure: no database and no files. The store (``thidua.adapters.db.audit``) writes and reads the
entries, the use cases (``thidua.app.audit``) walk them, and anyone holding an export can redo
every hash with the functions here, or with a standard tool (see below).

Chain. Entry ``n`` (``seq`` 1, 2, ... without gaps) stores ``prev_hash`` = the ``entry_hash`` of
entry ``n-1`` (``GENESIS_HASH``, 64 zeros, for the first) and::

    entry_hash = sha256_hex(UTF-8 bytes of prev_hash + canonical(fields))

``fields`` is the JSON object of exactly ``HASHED_FIELDS``: ``v`` (the entry's format version),
``seq``, ``at`` (``YYYY-MM-DDTHH:MM:SS.ffffffZ``, UTC), ``action``, ``object_type``,
``object_id``, ``actor``, ``actor_role``, ``workflow_id``, ``run_id`` (strings or null),
``before`` and ``after`` (JSON objects or null). The database row id is not hashed (the verifier
uses it only to detect reordering). ``v`` is inside the hashed object, so changing an entry's
stated version breaks its hash too.

Format versions (``v``; the number is ``rules.canonical.Encoding``, stored per entry in
``audit_log.format_version``):

- ``1`` (``Encoding.SORTED_JSON``), every entry written before RFC 8785 was adopted: Python's
  ``json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
  allow_nan=False)``.
- ``2`` (``Encoding.JCS``), every entry written since: RFC 8785, the JSON Canonicalization
  Scheme, so an outsider verifies an entry with any JCS implementation, e.g. in Python
  ``hashlib.sha256(prev_hash.encode() + rfc8785.dumps(fields)).hexdigest()``. JCS accepts
  integers only within ±(2**53 − 1): an entry holding a larger one is written with ``v`` 1
  (``hash_new_entry``), so a change is never refused for its audit entry.

An entry is verified with its own version; history is never rewritten, so one chain mixes both.

Values. ``before``/``after`` are reduced to plain JSON before hashing and storing (``to_plain``:
datetimes as ``at`` is written, dates ISO, enums by value, decimals as strings, sets and tuples
as lists, pydantic models dumped), so what the database gives back is exactly what was hashed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from rules.canonical import Encoding, canonical_json
from thidua.domain.labels import AUDIT_PROBLEM_LABEL_VI

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
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
# The format new entries are written with.
CURRENT_FORMAT = Encoding.JCS
# The audit log's ``actor_role`` of a change made with the operator CLI on the server.
OPERATOR_ROLE = "operator"


# ---- values --------------------------------------------------------------------------------


def as_utc(value: datetime) -> datetime:
    """A naive datetime (as SQLite returns them) is UTC; an aware one is converted to UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def format_at(value: datetime) -> str:
    """The canonical UTC timestamp of an entry, exactly as hashed."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def json_default(value: Any) -> Any:
    """How a value that is not JSON is written into an entry (``json.dumps``' ``default``)."""
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


def to_plain(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A JSON round trip: what the database gives back is exactly what was hashed."""
    if value is None:
        return None
    plain: dict[str, Any] = json.loads(
        canonical_json(dict(value), Encoding.SORTED_JSON, default=json_default)
    )
    return plain


# ---- entries and their hashes --------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One audit entry: the hashed fields, both hashes, its format version and its row id."""

    seq: int
    at: str  # format_at(...) of the time it was written
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
    format_version: int = Encoding.SORTED_JSON
    id: int | None = None  # the database row id (not hashed)


def hashed_fields(entry: Entry) -> dict[str, Any]:
    """The JSON object an entry's hash is made over (``HASHED_FIELDS``)."""
    return {
        "v": entry.format_version,
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
    }


def canonical_entry(entry: Entry) -> str:
    """The canonical text of an entry's hashed fields in its own format version.

    An unknown version is a ValueError (so is a value the version cannot encode)."""
    return canonical_json(hashed_fields(entry), Encoding(entry.format_version))


def entry_hash(prev_hash: str, entry: Entry) -> str:
    """``sha256(prev_hash + canonical(fields))``, hex, over UTF-8."""
    return hashlib.sha256((prev_hash + canonical_entry(entry)).encode("utf-8")).hexdigest()


def hash_new_entry(entry: Entry) -> Entry:
    """The entry with its format version and hash set: ``CURRENT_FORMAT``, or version 1 for an
    entry JCS cannot encode (an integer beyond ±(2**53 − 1))."""
    current = replace(entry, format_version=CURRENT_FORMAT)
    try:
        return replace(current, entry_hash=entry_hash(current.prev_hash, current))
    except ValueError:
        old = replace(entry, format_version=Encoding.SORTED_JSON)
        return replace(old, entry_hash=entry_hash(old.prev_hash, old))


def _hash_matches(entry: Entry) -> bool:
    try:
        return entry_hash(entry.prev_hash, entry) == entry.entry_hash
    except (ValueError, TypeError):  # an unknown format version, a value it cannot encode
        return False


# ---- verification --------------------------------------------------------------------------

ProblemKind = Literal["modified", "deleted", "reordered"]


@dataclass(frozen=True)
class ChainProblem:
    kind: ProblemKind
    seq: int  # the entry named (for a deletion: the first missing seq)
    id: int | None  # its row id, when the row exists
    detail: str  # Vietnamese, for officials

    def message(self) -> str:
        row = f" (id {self.id})" if self.id is not None else ""
        return f"Mục {self.seq}{row} {AUDIT_PROBLEM_LABEL_VI[self.kind]}: {self.detail}"


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head_seq: int
    head_hash: str
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


SeqOfHash = Callable[[str], int | None]


def _pairs(entries: Iterator[Entry]) -> Iterator[tuple[Entry, Entry | None]]:
    current = next(entries, None)
    while current is not None:
        following = next(entries, None)
        yield current, following
        current = following


def _row_id(entry: Entry) -> int:
    return entry.id if entry.id is not None else entry.seq


def _check(
    entry: Entry,
    following: Entry | None,
    expected_seq: int,
    prev: Entry | None,
    seq_of_hash: SeqOfHash,
) -> ChainProblem | None:
    prev_hash = prev.entry_hash if prev is not None else GENESIS_HASH
    if entry.seq != expected_seq:
        missing = (
            f"mục {expected_seq}"
            if entry.seq == expected_seq + 1
            else f"các mục {expected_seq}–{entry.seq - 1}"
        )
        return ChainProblem(
            "deleted",
            expected_seq,
            None,
            f"không còn {missing}; mục tiếp theo còn lại là {entry.seq} (id {entry.id}).",
        )
    if (prev is not None and _row_id(entry) < _row_id(prev)) or (
        following is not None and _row_id(following) < _row_id(entry)
    ):
        return ChainProblem(
            "reordered",
            entry.seq,
            entry.id,
            "thứ tự mục không khớp thứ tự ghi vào cơ sở dữ liệu (số thứ tự đã bị hoán đổi).",
        )
    if not _hash_matches(entry):
        linked = seq_of_hash(entry.prev_hash) if entry.prev_hash != prev_hash else None
        if linked is not None:
            return ChainProblem(
                "reordered",
                entry.seq,
                entry.id,
                f"mục này mang nội dung của mục đứng sau mục {linked}.",
            )
        return ChainProblem(
            "modified",
            entry.seq,
            entry.id,
            "nội dung không khớp mã băm đã ghi (mã băm tính lại khác mã băm lưu).",
        )
    if entry.prev_hash != prev_hash:
        linked = seq_of_hash(entry.prev_hash)
        if linked is not None:
            return ChainProblem(
                "reordered",
                entry.seq,
                entry.id,
                f"mục này nối vào mục {linked}, không phải mục {entry.seq - 1} đứng trước nó.",
            )
        if prev is None:
            return ChainProblem(
                "modified", entry.seq, entry.id, "mục đầu tiên không nối vào gốc của chuỗi."
            )
        return ChainProblem(
            "modified",
            prev.seq,
            prev.id,
            f"mã băm của mục đã bị tính lại; mục {entry.seq} vẫn nối vào mã băm gốc của nó.",
        )
    return None


def verify_chain(
    entries: Iterable[Entry],
    seq_of_hash: SeqOfHash,
    expect: tuple[int, str] | None = None,
) -> ChainReport:
    """Walk a whole chain in seq order; name the first modified, deleted or reordered entry.

    ``entries`` is every entry in seq order; ``seq_of_hash`` finds the entry holding a hash
    anywhere in the chain (to tell a reordering from an edit). ``expect`` = ``(seq,
    entry_hash)`` kept outside (an export's last line): also detects that entries up to that
    point were rewritten or that the newest entries were deleted.
    """
    count = 0
    prev: Entry | None = None
    anchor_seen = False
    for entry, following in _pairs(iter(entries)):
        problem = _check(entry, following, count + 1, prev, seq_of_hash)
        if problem is not None:
            return ChainReport(count, entry.seq, entry.entry_hash, problem)
        if expect is not None and entry.seq == expect[0]:
            anchor_seen = True
            if entry.entry_hash != expect[1]:
                return ChainReport(
                    count,
                    entry.seq,
                    entry.entry_hash,
                    ChainProblem(
                        "modified",
                        entry.seq,
                        entry.id,
                        "mã băm khác mã băm đã lưu giữ bên ngoài (chuỗi đến mục này bị viết lại).",
                    ),
                )
        count += 1
        prev = entry
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
