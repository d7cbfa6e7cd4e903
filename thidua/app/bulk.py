"""Bulk nominations: read a unit's list (.xlsx, .csv, .jsonl), validate every row, submit the valid
ones concurrently, and export nominations as a spreadsheet.

Spreadsheets use a flat column layout (one nomination per row, header on row 1); empty cells mean
"not given" so the facts contract's defaults apply. Every problem is reported as a
:class:`RowError` naming the spreadsheet row and the column, in Vietnamese.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from rules.errors import FactsError
from rules.facts import parse_facts
from thidua.app.lifecycle import NominationSubmission
from thidua.domain.labels import STAGE_LABEL_VI
from thidua.domain.nominations import Stage, nomination_key
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.logging import get_logger

if TYPE_CHECKING:
    from thidua.app.lifecycle import Lifecycle
    from thidua.app.nominations import NominationView

log = get_logger(__name__)

# ---- the flat column layout ----------------------------------------------------------------

SUBMISSION_COLUMNS = ("movement", "unit")
INT_COLUMNS = frozenset(
    {
        "year",
        "months_worked",
        "maternity_months",
        "research_accepted",
        "members_total",
        "members_ldtt",
        "members_cstdcs",
        "members_htnv_or_better",
        "members_disciplined",
        "female_members",
    }
)
BOOL_COLUMNS = frozenset({"under_review", "guidance_on_time", "propagated_to_all_staff"})
STR_FACT_COLUMNS = ("kind", "id", "rating", "discipline", "gender", "unit_type")
MOVEMENT_COLUMNS = ("c1", "c2", "c3", "c4")
DOSSIER_COLUMNS = ("achievement_report", "review_minutes", "evidence")
COLUMNS: tuple[str, ...] = (
    "movement",
    "unit",
    "kind",
    "id",
    "year",
    "rating",
    "months_worked",
    "maternity_months",
    "discipline",
    "under_review",
    "research_accepted",
    "gender",
    "c1",
    "c2",
    "c3",
    "c4",
    "initiatives",
    "history",
    "achievement_report",
    "review_minutes",
    "evidence",
    "unit_type",
    "members_total",
    "members_ldtt",
    "members_cstdcs",
    "members_htnv_or_better",
    "members_disciplined",
    "female_members",
    "guidance_on_time",
    "propagated_to_all_staff",
)
_KNOWN = frozenset(COLUMNS)
_TRUE = frozenset({"có", "co", "true", "1", "x", "yes", "đúng", "c"})
_FALSE = frozenset({"không", "khong", "false", "0", "no", "sai", "k"})
_APPLIED = frozenset({"applied", "da_ap_dung", "đã áp dụng", "ap_dung", "x", "có", "true", "1"})

SUFFIXES = (".xlsx", ".csv", ".jsonl")


@dataclass(frozen=True)
class RowError:
    """One problem: spreadsheet row (header = 1; JSONL line number), column and message."""

    row: int
    column: str
    message: str


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


class BulkFileError(Exception):
    """The file itself cannot be read (wrong format, not a spreadsheet, no header)."""


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


def _facts_msg(msg: str) -> str:
    m = re.match(r"year (\d+) is listed twice", msg)
    if m:
        return f"năm {m.group(1)} bị lặp lại"
    m = re.match(r"history year must be before (\d+)", msg)
    if m:
        return f"năm trong lịch sử phải trước {m.group(1)}"
    m = re.match(r"initiative (.+) is listed twice", msg)
    if m:
        return f"sáng kiến {m.group(1)} bị lặp lại"
    m = re.match(r"must not be after (\d+)", msg)
    if m:
        return f"năm sáng kiến không được sau {m.group(1)}"
    m = re.match(r"must not exceed members_total \((\d+)\)", msg)
    if m:
        return f"không được vượt quá members_total ({m.group(1)})"
    if msg.startswith("must not exceed members_ldtt"):
        return "không được vượt quá members_ldtt (CSTĐCS phải là LĐTT)"
    return msg


# ---- mapping error locations back to columns -------------------------------------------------


def column_of(loc: Sequence[Any], *, flat: bool) -> str:
    """Pydantic loc of a NominationSubmission → the flat column (or, for nested input, a path)."""
    parts = [p for p in loc if p not in ("body",)]
    if not flat:
        from thidua.domain.refusals import field_path

        return field_path(parts) or "(dòng)"
    if not parts:
        return "(dòng)"
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


def _facts_loc_column(loc: str, *, flat: bool) -> str:
    if not flat:
        return f"facts.{loc}"
    return re.split(r"[.\[]", loc, maxsplit=1)[0] or "(dòng)"


def _refusal_column(message: str, *, flat: bool) -> str:
    m = re.match(r"^([a-z_.]+(?:\[\d+\])?[a-z_.]*):", message)
    if not m:
        return "(dòng)"
    path = m.group(1)
    if not flat:
        return path
    if path.startswith("facts."):
        return _facts_loc_column(path.removeprefix("facts."), flat=True)
    return path


# ---- cell conversion -------------------------------------------------------------------------


class _CellError(Exception):
    pass


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        try:
            f = float(text.replace(",", "."))
        except ValueError:
            raise _CellError("phải là số nguyên") from None
        if not f.is_integer():
            raise _CellError("phải là số nguyên") from None
        return int(f)


def _bool(value: Any, text: str) -> bool:
    if isinstance(value, bool):
        return value
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise _CellError("phải là có/không (có, không, true, false, 1, 0, x)")


def _items(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;\n]", text) if p.strip()]


def _initiatives(text: str) -> list[dict[str, Any]]:
    """``SK-1:co_so:2024:applied; SK-2:tinh:2024`` (level may be omitted: ``SK-3:2024``)."""
    out: list[dict[str, Any]] = []
    for n, part in enumerate(_items(text), start=1):
        bits = [b.strip() for b in part.split(":")]
        if len(bits) == 2:
            bits = [bits[0], "", bits[1]]
        if len(bits) not in (3, 4) or not bits[0]:
            raise _CellError(
                f"sáng kiến thứ {n} «{part}» phải có dạng mã:cấp:năm[:applied], "
                "ví dụ SK-1:co_so:2024:applied"
            )
        try:
            year = _int(bits[2])
        except _CellError:
            raise _CellError(f"sáng kiến thứ {n} «{part}»: năm phải là số nguyên") from None
        item: dict[str, Any] = {"id": bits[0], "year": year}
        if bits[1]:
            item["level"] = bits[1]
        if len(bits) == 4 and bits[3]:
            if bits[3].lower() not in _APPLIED and bits[3].lower() not in _FALSE:
                raise _CellError(
                    f"sáng kiến thứ {n} «{part}»: phần thứ tư chỉ được là applied (đã áp dụng)"
                )
            item["applied"] = bits[3].lower() in _APPLIED
        out.append(item)
    return out


def _history(text: str) -> list[dict[str, Any]]:
    """``2023:HTXSNV:LDTT+CSTDCS; 2022:HTTNV`` (rating and titles may be omitted)."""
    out: list[dict[str, Any]] = []
    for n, part in enumerate(_items(text), start=1):
        bits = [b.strip() for b in part.split(":")]
        if len(bits) > 3:
            raise _CellError(
                f"năm thứ {n} «{part}» phải có dạng năm:xếp_loại:danh_hiệu+danh_hiệu, "
                "ví dụ 2023:HTXSNV:LDTT+CSTDCS"
            )
        try:
            year = _int(bits[0])
        except _CellError:
            raise _CellError(f"năm thứ {n} «{part}»: năm phải là số nguyên") from None
        item: dict[str, Any] = {"year": year}
        if len(bits) > 1 and bits[1]:
            item["rating"] = bits[1]
        if len(bits) > 2 and bits[2]:
            item["titles"] = [t.strip() for t in bits[2].split("+") if t.strip()]
        out.append(item)
    return out


def _norm_header(value: Any) -> str:
    return (_text(value) or "").lower().replace(" ", "_")


def flat_to_raw(cells: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One flat row (column → cell value) → a raw NominationSubmission dict, plus cell errors."""
    errors: list[tuple[str, str]] = []
    raw: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    movement: dict[str, Any] = {}
    dossier: dict[str, Any] = {}
    for column, value in cells.items():
        text = _text(value)
        if text is None:
            continue
        try:
            if column in SUBMISSION_COLUMNS:
                raw[column] = text
            elif column in INT_COLUMNS:
                facts[column] = (
                    value if isinstance(value, int) and not isinstance(value, bool) else _int(text)
                )
            elif column in BOOL_COLUMNS:
                facts[column] = _bool(value, text)
            elif column in MOVEMENT_COLUMNS:
                movement[column] = text.lower()
            elif column == "initiatives":
                facts["initiatives"] = _initiatives(text)
            elif column == "history":
                facts["history"] = _history(text)
            elif column == "evidence":
                dossier["evidence"] = _items(text)
            elif column in DOSSIER_COLUMNS:
                dossier[column] = text
            elif column in ("kind", "rating", "discipline", "gender", "unit_type"):
                facts[column] = text.upper() if column == "rating" else text.lower()
            else:
                facts[column] = text
        except _CellError as exc:
            errors.append((column, str(exc)))
    if movement:
        facts["movement"] = movement
    raw["facts"] = facts
    if dossier:
        raw["dossier"] = dossier
    return raw, errors


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
    try:
        parse_facts(submission.facts)
    except FactsError as exc:
        return None, [
            RowError(row, _facts_loc_column(e["loc"], flat=flat), _facts_msg(e["msg"]))
            for e in exc.errors
        ]
    return BulkItem(row, submission), []


# ---- readers -------------------------------------------------------------------------------


def _rows_from_table(
    header: Sequence[Any], rows: Iterable[tuple[int, Sequence[Any]]]
) -> ParsedFile:
    out = ParsedFile()
    columns = [_norm_header(h) for h in header]
    if not any(columns):
        raise BulkFileError("dòng 1 phải là dòng tiêu đề (movement, unit, kind, id, ...).")
    for name in columns:
        if name and name not in _KNOWN:
            out.errors.append(
                RowError(1, name, "cột không được hỗ trợ (xem danh sách cột trong tài liệu)")
            )
    for row_no, values in rows:
        if all(_text(v) is None for v in values):
            continue  # blank line
        out.total_rows += 1
        cells = {
            col: values[i] if i < len(values) else None
            for i, col in enumerate(columns)
            if col in _KNOWN
        }
        raw, cell_errors = flat_to_raw(cells)
        if cell_errors:
            out.errors.extend(RowError(row_no, c, m) for c, m in cell_errors)
            # still validate the rest so every problem of the row is reported at once
            _, more = validate_raw(row_no, raw, flat=True)
            bad = {c for c, _ in cell_errors}
            out.errors.extend(e for e in more if e.column not in bad)
            continue
        item, errors = validate_raw(row_no, raw, flat=True)
        out.errors.extend(errors)
        if item:
            out.items.append(item)
    return out


def read_xlsx(data: bytes) -> ParsedFile:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a non-xlsx file
        raise BulkFileError(f"không đọc được tệp Excel (.xlsx): {exc}") from None
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            raise BulkFileError("bảng tính trống: thiếu dòng tiêu đề.")
        return _rows_from_table(header, ((n, r) for n, r in enumerate(it, start=2)))
    finally:
        wb.close()


def read_csv(data: bytes) -> ParsedFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkFileError(f"tệp CSV phải mã hoá UTF-8 ({exc}).") from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise BulkFileError("tệp CSV trống: thiếu dòng tiêu đề.")
    return _rows_from_table(header, ((n, r) for n, r in enumerate(reader, start=2)))


def read_jsonl(data: bytes) -> ParsedFile:
    """One submission per line: nested ``{movement, unit, facts, dossier}`` or a flat row."""
    out = ParsedFile()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkFileError(f"tệp JSONL phải mã hoá UTF-8 ({exc}).") from None
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        out.total_rows += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            out.errors.append(RowError(line_no, "(dòng)", f"không phải JSON hợp lệ ({exc.msg})"))
            continue
        if isinstance(obj, dict) and "facts" not in obj:
            unknown = [k for k in obj if k not in _KNOWN]
            out.errors.extend(RowError(line_no, k, "cột không được hỗ trợ") for k in unknown)
            raw, cell_errors = flat_to_raw({k: v for k, v in obj.items() if k in _KNOWN})
            out.errors.extend(RowError(line_no, c, m) for c, m in cell_errors)
            if unknown or cell_errors:
                continue
            item, errors = validate_raw(line_no, raw, flat=True)
        else:
            item, errors = validate_raw(line_no, obj, flat=False)
        out.errors.extend(errors)
        if item:
            out.items.append(item)
    return out


def parse_bytes(data: bytes, suffix: str) -> ParsedFile:
    suffix = suffix.lower()
    if suffix == ".xlsx":
        parsed = read_xlsx(data)
    elif suffix == ".csv":
        parsed = read_csv(data)
    elif suffix == ".jsonl":
        parsed = read_jsonl(data)
    else:
        raise BulkFileError(
            f"định dạng «{suffix}» không được hỗ trợ; dùng .xlsx, .csv hoặc .jsonl."
        )
    _mark_in_file_duplicates(parsed)
    parsed.errors.sort(key=lambda e: e.row)
    return parsed


def parse_file(path: Path) -> ParsedFile:
    """Read ``path`` (.xlsx, .csv or .jsonl) into valid items and row errors."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BulkFileError(f"{path}: không tìm thấy tệp.") from None
    return parse_bytes(data, path.suffix)


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


def _check_target(lifecycle: Lifecycle, actor: Actor, item: BulkItem) -> Outcome:
    """Dry run: the same checks ``submit`` makes before it starts a workflow, changing nothing."""
    from thidua.app import nominations
    from thidua.domain import policy

    body = item.submission
    facts = body.facts.model_dump(mode="json")
    try:
        policy.check_submit(actor, body.unit)
        with lifecycle.uow.session() as session:
            target = nominations.resolve_submission(
                session, body.movement, body.unit, facts, item.key
            )
    except Refusal as refusal:
        return _refused(item, refusal)
    if target.existing_stage is not None:
        return Outcome(item.row, "existing", id=item.key)
    return Outcome(item.row, "created", id=item.key)


def _refused(item: BulkItem, refusal: Refusal) -> Outcome:
    if refusal.code is RefusalCode.DUPLICATE:
        return Outcome(item.row, "existing", id=item.key)
    path = _refusal_column(refusal.message, flat=False)
    if refusal.code is RefusalCode.FORBIDDEN and path == "(dòng)" and "đơn vị" in refusal.message:
        path = "unit"
    return Outcome(
        item.row,
        "error",
        id=None,
        code=refusal.code.value,
        detail=refusal.message,
        field=None if path == "(dòng)" else path,
    )


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
                    return await asyncio.to_thread(_check_target, lifecycle, actor, item)
                detail = await lifecycle.submit(actor, item.submission)
                return Outcome(item.row, "created", id=detail.id)
            except Refusal as refusal:
                return _refused(item, refusal)
            except Exception as exc:  # one failed row must not lose the report of the others
                log.exception("bulk submit failed", row=item.row, nomination=item.key)
                return Outcome(
                    item.row, "error", code="internal_error", detail=f"lỗi hệ thống: {exc}"
                )
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
            col = _refusal_column(o.detail or "", flat=True) if o.detail else "(dòng)"
            if col == "(dòng)" and o.field:
                col = o.field
            report.errors.append(RowError(o.row, col, o.detail or "không hợp lệ"))
    report.errors.sort(key=lambda e: e.row)
    return report


# ---- export ----------------------------------------------------------------------------------

EXPORT_HEADER = (
    "Mã hồ sơ",
    "Đơn vị",
    "Người/tập thể",
    "Bước",
    "Kết quả tiêu chí",
    "Danh hiệu",
    "Đề nghị cấp trên",
    "Bộ tiêu chí",
    "Cập nhật",
)
_STATUS_VI = {
    "eligible": "Đạt",
    "not_eligible": "Không đạt",
    "on_hold": "Tạm dừng",
}


def _export_row(v: NominationView) -> list[str]:
    try:
        stage = STAGE_LABEL_VI[Stage(v.stage)]
    except ValueError:
        stage = v.stage
    ruleset = f"{v.ruleset.id} {v.ruleset.version}" if v.ruleset else ""
    updated: datetime = v.updated_at
    return [
        v.id,
        v.unit,
        f"{v.nominee_name} ({v.nominee_code})",
        stage,
        _STATUS_VI.get(v.status or "", v.status or ""),
        ", ".join(v.titles),
        ", ".join(v.proposals),
        ruleset,
        f"{updated:%d/%m/%Y %H:%M}",
    ]


def export_rows(views: Sequence[NominationView], fmt: Literal["xlsx", "csv"], path: Path) -> Path:
    """Write ``views`` to ``path`` with a Vietnamese header row (CSV with a BOM, for Excel)."""
    rows = [_export_row(v) for v in views]
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(EXPORT_HEADER)
            writer.writerows(rows)
        return path
    if fmt != "xlsx":
        raise BulkFileError(f"định dạng xuất «{fmt}» không được hỗ trợ; dùng xlsx hoặc csv.")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Hồ sơ đề nghị"
    ws.append(list(EXPORT_HEADER))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    widths = [30, 9, 34, 24, 16, 20, 20, 22, 17]
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.freeze_panes = "A2"
    wb.save(path)
    return path
