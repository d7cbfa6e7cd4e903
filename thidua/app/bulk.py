"""Bulk nominations: validate every row of a unit's list (read from a file by
``thidua.adapters.tabular``, or sent as a batch), then submit the valid ones concurrently.

Every problem is reported as a :class:`RowError` naming the row and the column (the field path
for nested input), in Vietnamese.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog
from pydantic import ValidationError

from rules.errors import FactsError
from rules.facts import parse_facts
from thidua.app.lifecycle import Lifecycle, NominationSubmission, submitted_dict
from thidua.app.nominations import resolve_submission
from thidua.app.ports.nominations import SubmissionTarget
from thidua.app.ports.tabular import WHOLE_ROW, RawFile, RowError
from thidua.app.ports.uow import Tx
from thidua.app.roster import facts_message_vi, prefill_submission
from thidua.domain import policy
from thidua.domain.nominations import nomination_key
from thidua.domain.refusals import Refusal, RefusalCode, field_path
from thidua.domain.roles import Actor
from thidua.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class BulkItem:
    """A valid row, ready to submit."""

    row: int
    submission: NominationSubmission

    @property
    def key(self) -> str:
        f = self.submission.facts
        return nomination_key(self.submission.movement, f.year, f.id)


@dataclass
class ParsedFile:
    """What a file held: the valid items and the problems found (in row order)."""

    items: list[BulkItem] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0


@dataclass
class ImportReport:
    dry_run: bool
    total_rows: int
    accepted: int = 0
    existing: int = 0
    errors: list[RowError] = field(default_factory=list)
    created_ids: list[str] = field(default_factory=list)
    existing_ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "total_rows": self.total_rows,
            "accepted": self.accepted,
            "existing": self.existing,
            "errors": [e.__dict__ for e in self.errors],
            "created_ids": self.created_ids,
            "existing_ids": self.existing_ids,
        }


# ---- messages ------------------------------------------------------------------------------


def vi_message(err: Any) -> str:
    """A pydantic error, in Vietnamese."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "bắt buộc, chưa điền"
    if kind == "extra_forbidden":
        return "cột này không dùng cho loại hồ sơ này (để trống)"
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace(" or ", ", ")
        return f"giá trị không hợp lệ; chọn một trong: {expected}"
    if kind == "union_tag_invalid":
        return "phải là individual (cá nhân) hoặc collective (tập thể)"
    if kind == "union_tag_not_found":
        return "bắt buộc: individual (cá nhân) hoặc collective (tập thể)"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "phải là số nguyên"
    if kind in ("bool_type", "bool_parsing"):
        return "phải là có/không"
    if kind in ("string_type",):
        return "phải là chữ"
    if kind == "greater_than_equal":
        return f"phải lớn hơn hoặc bằng {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"phải nhỏ hơn hoặc bằng {ctx.get('le')}"
    if kind == "string_too_short":
        return "không được để trống"
    if kind == "string_too_long":
        return f"dài quá {ctx.get('max_length')} ký tự"
    if kind == "too_long":
        return f"nhiều quá {ctx.get('max_length')} mục"
    if kind == "string_pattern_mismatch":
        return "chỉ gồm chữ cái không dấu, chữ số và . _ - (bắt đầu bằng chữ hoặc số)"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "phải là một đối tượng"
    return str(err.get("msg", "không hợp lệ"))


_facts_msg = facts_message_vi


# ---- where a problem is: the flat column, or the field path ----------------------------------


def column_of(loc: Sequence[Any], *, flat: bool) -> str:
    """Pydantic loc of a NominationSubmission → the flat column (or, for nested input, a path)."""
    parts = [p for p in loc if p not in ("body",)]
    if not flat:
        return field_path(parts) or WHOLE_ROW
    if not parts:
        return WHOLE_ROW
    head = parts[0]
    if head == "facts":
        rest = parts[1:]
        if rest and rest[0] in ("individual", "collective"):
            rest = rest[1:]
        if not rest:
            return "kind"
        if rest[0] == "movement":
            return str(rest[1]) if len(rest) > 1 and isinstance(rest[1], str) else "c1"
        return str(rest[0])
    if head == "dossier":
        return str(parts[1]) if len(parts) > 1 else "achievement_report"
    return str(head)


def flat_column(path: str) -> str:
    """A field path as the flat layout's column: ``facts.initiatives[0].year`` → ``initiatives``."""
    if path.startswith("facts."):
        return re.split(r"[.\[]", path.removeprefix("facts."), maxsplit=1)[0] or WHOLE_ROW
    return path


# ---- validation ----------------------------------------------------------------------------


def validate_raw(row: int, raw: Any, *, flat: bool) -> tuple[BulkItem | None, list[RowError]]:
    """Validate one raw submission (flat-mapped or nested JSON) into an item or row errors."""
    try:
        submission = NominationSubmission.model_validate(raw)
    except ValidationError as exc:
        errors: list[RowError] = []
        seen: set[str] = set()
        for err in exc.errors(include_url=False):
            col = column_of(err["loc"], flat=flat)
            if col in seen:  # one message per column is enough for a spreadsheet
                continue
            seen.add(col)
            errors.append(RowError(row, col, vi_message(err)))
        return None, errors
    sent = submitted_dict(submission.facts)
    try:
        # what the register or the roster fills is checked at submission (prefill_submission)
        if sent.get("rating") is not None and (
            sent["kind"] == "individual" or sent.get("members_total") is not None
        ):
            parse_facts(submission.facts.model_dump(mode="json"))
    except FactsError as exc:
        return None, [
            RowError(
                row,
                flat_column(f"facts.{e['loc']}") if flat else f"facts.{e['loc']}",
                _facts_msg(e["msg"]),
            )
            for e in exc.errors
        ]
    return BulkItem(row, submission), []


def validate_file(raw: RawFile) -> ParsedFile:
    """Validate every row of a file: its valid items (the first of rows naming the same
    nomination) and every problem, in row order."""
    out = ParsedFile(total_rows=len(raw.rows), errors=list(raw.errors))
    for r in raw.rows:
        out.errors.extend(r.errors)
        if r.raw is None:
            continue
        item, errors = validate_raw(r.row, r.raw, flat=r.flat)
        if r.errors:
            # a row with bad cells is not submitted; still report its other problems at once
            bad = {e.column for e in r.errors}
            out.errors.extend(e for e in errors if e.column not in bad)
            continue
        out.errors.extend(errors)
        if item:
            out.items.append(item)
    _mark_in_file_duplicates(out)
    out.errors.sort(key=lambda e: e.row)
    return out


def _mark_in_file_duplicates(parsed: ParsedFile) -> None:
    first: dict[str, int] = {}
    kept: list[BulkItem] = []
    for item in parsed.items:
        if item.key in first:
            parsed.errors.append(
                RowError(
                    item.row, "id", f"trùng với dòng {first[item.key]} (cùng phong trào, năm, mã)"
                )
            )
            continue
        first[item.key] = item.row
        kept.append(item)
    parsed.items = kept


# ---- submitting ------------------------------------------------------------------------------

Status = Literal["created", "existing", "error"]


@dataclass(frozen=True)
class Outcome:
    row: int
    status: Status
    id: str | None = None
    code: str | None = None
    detail: str | None = None
    field: str | None = None


async def _check_target(lifecycle: Lifecycle, actor: Actor, item: BulkItem) -> Outcome:
    """Dry run: the same checks ``submit`` makes before it starts a workflow, changing nothing."""
    body = item.submission
    raw = submitted_dict(body.facts)

    def _resolve(tx: Tx) -> SubmissionTarget:
        target = resolve_submission(tx, body.movement, body.unit, raw, item.key)
        prefill_submission(tx, body.movement, body.unit, raw)
        return target

    try:
        policy.check_submit(actor, body.unit)
        target = await lifecycle.uow.run(_resolve)
    except Refusal as refusal:
        return _refused(item, refusal)
    if target.existing_stage is not None:
        return Outcome(item.row, "existing", id=item.key)
    return Outcome(item.row, "created", id=item.key)


def _refused(item: BulkItem, refusal: Refusal) -> Outcome:
    if refusal.code is RefusalCode.DUPLICATE:
        return Outcome(item.row, "existing", id=item.key)
    return Outcome(
        item.row,
        "error",
        id=None,
        code=refusal.code.value,
        detail=refusal.message,
        field=refusal.field,
    )


def _error_ref() -> str:
    """The id naming an unexpected failure in the log: the request's id when there is one (the
    API binds it; the response carries it as ``X-Request-ID``), else a new one."""
    bound = structlog.contextvars.get_contextvars().get("request_id")
    return str(bound) if bound else uuid.uuid4().hex


def internal_error(ref: str) -> str:
    """What a caller reads of an unexpected failure: never the exception's text."""
    return f"Lỗi hệ thống (internal error); mã tra cứu {ref}."


async def submit_items(
    lifecycle: Lifecycle,
    actor: Actor,
    items: Sequence[BulkItem],
    *,
    dry_run: bool = False,
    concurrency: int = 8,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Submit (or, in a dry run, only check) each item; never raises for one item's failure."""
    sem = asyncio.Semaphore(max(1, concurrency))

    async def one(item: BulkItem) -> Outcome:
        async with sem:
            try:
                if dry_run:
                    return await _check_target(lifecycle, actor, item)
                detail = await lifecycle.submit(actor, item.submission)
                return Outcome(item.row, "created", id=detail.id)
            except Refusal as refusal:
                return _refused(item, refusal)
            except Exception as exc:  # one failed row must not lose the report of the others
                # The exception's text may hold internals (SQL, paths, hosts): it goes to the
                # log only; the caller gets a generic message and the id to find that log line.
                ref = _error_ref()
                log.exception(
                    "bulk submit failed",
                    row=item.row,
                    nomination=item.key,
                    error_ref=ref,
                    exc_info=exc,
                )
                return Outcome(item.row, "error", code="internal_error", detail=internal_error(ref))
            finally:
                if progress is not None:
                    progress(1)

    return list(await asyncio.gather(*(one(i) for i in items)))


async def import_items(
    lifecycle: Lifecycle,
    actor: Actor,
    items: ParsedFile | Sequence[BulkItem],
    *,
    dry_run: bool,
    concurrency: int = 8,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a parsed file: row errors are reported, valid rows submitted (or only checked).

    A nominee that already has a nomination for the movement and year counts as ``existing``, so
    importing the same file twice creates nothing the second time.
    """
    if isinstance(items, ParsedFile):
        parsed = items
    else:
        parsed = ParsedFile(items=list(items), total_rows=len(items))
    report = ImportReport(dry_run=dry_run, total_rows=parsed.total_rows)
    report.errors.extend(parsed.errors)
    outcomes = await submit_items(
        lifecycle,
        actor,
        parsed.items,
        dry_run=dry_run,
        concurrency=concurrency,
        progress=progress,
    )
    for o in outcomes:
        if o.status == "created":
            report.accepted += 1
            if not dry_run and o.id:
                report.created_ids.append(o.id)
        elif o.status == "existing":
            report.existing += 1
            if o.id:
                report.existing_ids.append(o.id)
        else:
            column = flat_column(o.field) if o.field else WHOLE_ROW
            report.errors.append(RowError(o.row, column, o.detail or "không hợp lệ"))
    report.errors.sort(key=lambda e: e.row)
    return report
