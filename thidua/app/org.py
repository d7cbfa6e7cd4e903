"""The organisation and the annual ratings register as data: import (with a dry run), export, a
template, and single-record reads and corrections.

Imports validate every row first and write nothing when any row is wrong (every error listed,
each with its sheet, row and column). Then units and staff are created or updated; a staff member
whose unit changes is transferred: the open assignment is closed the day before the transfer date
(the row's ``unit_from``, else the import's ``effective`` date) and a new one opened on it, so a
roster on a date (``list_staff(..., on=)``) holds them where they were that day. ``StaffRow``'s
unit and position mirror the assignment in force on ``effective``. Units, staff and council
members absent from a file are kept (an import never deletes). Every change is audited by the
store, one entry per record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rules.facts import Discipline, Rating
from thidua.app.org_tables import (
    COLUMNS,
    ORG_TABLES,
    CellError,
    OrgFileError,
    Table,
    TableRow,
    read_csv_table,
)
from thidua.app.ports.org import (
    Assignment,
    Change,
    CouncilRecord,
    RatingRecord,
    StaffRecord,
    UnitRecord,
)
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.org import UnitKind
from thidua.domain.refusals import FieldError, Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

#: The start of an assignment whose start is not known (no ``joined``, no ``unit_from``).
UNKNOWN_START = date(1900, 1, 1)
COUNCIL_ROLES = ("chair", "vice_chair", "member", "secretary")
GENDERS = ("nam", "nu")
MIN_YEAR, MAX_YEAR = 1945, 2100
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
NO_AGENCY = "Chưa có hồ sơ cơ quan: chạy `thidua agency set FILE.yaml` trước."
NOT_YOURS = "nhân sự không thuộc các đơn vị của bạn"


# ---- results ---------------------------------------------------------------------------------


@dataclass
class SheetCounts:
    created: int = 0
    updated: int = 0
    transferred: int = 0
    unchanged: int = 0


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do), per sheet."""

    dry_run: bool
    sheets: dict[str, SheetCounts] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "sheets": {k: vars(v).copy() for k, v in self.sheets.items()},
        }


@dataclass(frozen=True)
class StaffDetail:
    staff: StaffRecord
    assignments: list[Assignment]


@dataclass(frozen=True)
class RegisterRow:
    """A line of a unit's ratings register: the staff member and their rating (None if none)."""

    unit: str
    staff_code: str
    full_name: str
    rating: RatingRecord | None


def refused(errors: Sequence[CellError], what: str = "tệp") -> Refusal:
    """The refusal of an import with row errors: nothing imported, every error listed."""
    return Refusal(
        RefusalCode.INVALID,
        f"{what.capitalize()} có {len(errors)} lỗi; không nhập dòng nào (sửa hết rồi nhập lại).",
        problem="import_invalid",
        errors=[FieldError(f"{e.sheet}.{e.column}", str(e), line=e.row) for e in errors],
    )


def _change(actor: Actor) -> Change:
    return Change(actor.username, actor.role.value)


def _require_agency(tx: Tx) -> None:
    if tx.agency.agency_code() is None:
        raise Refusal(RefusalCode.CONFLICT, NO_AGENCY, problem="no_agency")


# ---- cell parsing ----------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


class _Row:
    """Reads one table row's cells, collecting each bad cell as a CellError."""

    def __init__(self, sheet: str, row: TableRow, errors: list[CellError]) -> None:
        self.sheet, self.row, self.errors = sheet, row, errors
        self.bad = False

    def error(self, column: str, message: str) -> None:
        self.errors.append(CellError(self.sheet, self.row.row, column, message))
        self.bad = True

    def text(self, column: str, *, required: bool = False, what: str = "") -> str | None:
        value = self.row.get(column)
        if value is None and required:
            self.error(column, f"thiếu {what or column} (bắt buộc)")
        return value

    def code(self, column: str, what: str) -> str | None:
        value = self.text(column, required=True, what=what)
        if value is not None and not _CODE.match(value):
            self.error(
                column,
                f"{what} «{value}» không hợp lệ (chữ, số, '.', '_', '-'; tối đa 32 ký tự)",
            )
            return None
        return value

    def choice(self, column: str, allowed: Iterable[str], *, upper: bool = False) -> str | None:
        value = self.text(column, required=True)
        if value is None:
            return None
        value = value.upper() if upper else value.lower()
        options = list(allowed)
        if value not in options:
            self.error(column, f"«{value}» không hợp lệ; chỉ nhận: {', '.join(options)}")
            return None
        return value

    def day(self, column: str) -> date | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(column, f"«{value}» không phải ngày dạng YYYY-MM-DD")
            return None

    def integer(
        self, column: str, low: int, high: int, *, default: int | None = None
    ) -> int | None:
        value = self.text(column, required=default is None)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            self.error(column, f"«{value}» không phải số nguyên")
            return None
        if not low <= number <= high:
            self.error(column, f"{number} ngoài khoảng {low}..{high}")
            return None
        return number


def _duplicate(seen: dict[Any, int], key: Any, r: _Row, column: str, what: str) -> None:
    if key in seen:
        r.error(column, f"trùng {what} với dòng {seen[key]}")
    else:
        seen[key] = r.row.row


# ---- validation of each table ------------------------------------------------------------------


@dataclass(frozen=True)
class _StaffIn:
    row: int
    staff: StaffRecord
    unit_from: date | None


def _units(table: Table, errors: list[CellError]) -> list[UnitRecord]:
    out: list[UnitRecord] = []
    seen: dict[Any, int] = {}
    for tr in table.rows:
        r = _Row("units", tr, errors)
        code = r.code("code", "mã đơn vị")
        if code is not None:
            _duplicate(seen, code, r, "code", "mã đơn vị")
        name = r.text("name", required=True, what="tên đơn vị")
        kind = r.choice("kind", [k.value for k in UnitKind])
        abbreviation = r.text("abbreviation", required=True, what="tên viết tắt")
        if not r.bad and code and name and kind and abbreviation:
            out.append(UnitRecord(code, name, kind, abbreviation))
    return out


def _staff(
    table: Table, unit_exists: Callable[[str], bool], errors: list[CellError]
) -> list[_StaffIn]:
    out: list[_StaffIn] = []
    seen: dict[Any, int] = {}
    for tr in table.rows:
        r = _Row("staff", tr, errors)
        code = r.code("code", "mã nhân sự")
        if code is not None:
            _duplicate(seen, code, r, "code", "mã nhân sự")
        full_name = r.text("full_name", required=True, what="họ tên")
        gender = r.choice("gender", GENDERS)
        unit = r.text("unit", required=True, what="mã đơn vị")
        if unit is not None and not unit_exists(unit):
            r.error("unit", f"không có đơn vị mã «{unit}» (trong sheet units hoặc trong CSDL)")
        position = r.text("position", required=True, what="chức vụ")
        joined, left, unit_from = r.day("joined"), r.day("left"), r.day("unit_from")
        if joined and left and left < joined:
            r.error("left", f"ngày nghỉ {left} trước ngày vào {joined}")
        if unit_from and left and unit_from > left:
            r.error("unit_from", f"ngày chuyển đơn vị {unit_from} sau ngày nghỉ {left}")
        birth_year = r.integer("birth_year", 1900, MAX_YEAR, default=0) or None
        if r.bad or not (code and full_name and gender and unit and position):
            continue
        staff = StaffRecord(
            code=code,
            full_name=full_name,
            gender=gender,
            unit=unit,
            position=position,
            joined=joined,
            left=left,
            category=r.text("category"),
            birth_year=birth_year,
        )
        out.append(_StaffIn(tr.row, staff, unit_from))
    return out


def _council(
    table: Table, staff_exists: Callable[[str], bool], errors: list[CellError]
) -> list[CouncilRecord]:
    out: list[CouncilRecord] = []
    seen: dict[Any, int] = {}
    for tr in table.rows:
        r = _Row("council", tr, errors)
        year = r.integer("year", MIN_YEAR, MAX_YEAR)
        code = r.text("staff_code", required=True, what="mã nhân sự")
        if code is not None and not staff_exists(code):
            r.error("staff_code", f"không có nhân sự mã «{code}» (trong sheet staff hoặc CSDL)")
        role = r.choice("role", COUNCIL_ROLES)
        if year is not None and code is not None:
            _duplicate(seen, (year, code), r, "staff_code", "nhân sự trong cùng năm")
        if not r.bad and year is not None and code and role:
            out.append(CouncilRecord(year, code, role))
    return out


def parse_rating(r: _Row) -> RatingRecord | None:
    """One ``ratings`` row (empty months_worked: 12; maternity_months: 0; discipline: none)."""
    year = r.integer("year", MIN_YEAR, MAX_YEAR)
    code = r.text("staff_code", required=True, what="mã nhân sự")
    rating = r.choice("rating", [x.value for x in Rating], upper=True)
    months = r.integer("months_worked", 0, 12, default=12)
    maternity = r.integer("maternity_months", 0, 12, default=0)
    discipline: str | None = Discipline.NONE.value
    if r.row.get("discipline") is not None:
        discipline = r.choice("discipline", [x.value for x in Discipline])
    until = r.day("discipline_until")
    if discipline not in (None, Discipline.NONE.value) and until is None and not r.bad:
        r.error("discipline_until", "bắt buộc khi có kỷ luật (ngày hết thời hạn, YYYY-MM-DD)")
    if r.bad or year is None or code is None or rating is None or discipline is None:
        return None
    assert months is not None and maternity is not None
    return RatingRecord(year, code, rating, months, maternity, discipline, until)


# ---- assignments -------------------------------------------------------------------------------


def plan_assignments(
    old: Sequence[Assignment],
    staff: StaffRecord,
    before: StaffRecord | None,
    unit_from: date | None,
    effective: date,
) -> tuple[list[Assignment], bool]:
    """The staff member's assignments after ``staff`` is saved, and whether that transfers them.

    A new staff member gets one assignment from ``unit_from`` (else ``joined``, else unknown).
    A changed unit closes the last assignment the day before ``unit_from`` (else ``effective``)
    and opens one from that day (on that very day: the last assignment is corrected instead).
    ``left`` closes the last assignment on that date; clearing it reopens it. Raises ``_Bad``
    naming the column at fault."""
    if not old:
        start = unit_from or staff.joined or UNKNOWN_START
        if staff.left is not None and staff.left < start:
            raise _Bad("left", f"ngày nghỉ {staff.left} trước ngày bắt đầu phân công {start}")
        return [Assignment(staff.unit, staff.position, start, staff.left)], False
    out = list(old)
    last = out[-1]
    transferred = False
    if last.unit != staff.unit:
        when = unit_from or effective
        if when < last.valid_from:
            raise _Bad(
                "unit_from",
                f"ngày chuyển đơn vị {when} trước ngày bắt đầu phân công hiện tại "
                f"{last.valid_from} (đơn vị {last.unit})",
            )
        if last.valid_to is not None and last.valid_to < when and before and before.left:
            raise _Bad("unit", f"nhân sự đã nghỉ từ {before.left}, không chuyển đơn vị được")
        if when == last.valid_from:
            out[-1] = replace(last, unit=staff.unit, position=staff.position)
        else:
            out[-1] = replace(last, valid_to=when - timedelta(days=1))
            out.append(Assignment(staff.unit, staff.position, when, None))
            transferred = True
    elif last.position != staff.position:
        out[-1] = replace(last, position=staff.position)
    last = out[-1]
    if staff.left is not None and last.valid_to != staff.left:
        if staff.left < last.valid_from:
            raise _Bad(
                "left",
                f"ngày nghỉ {staff.left} trước ngày bắt đầu phân công hiện tại {last.valid_from}",
            )
        out[-1] = replace(last, valid_to=staff.left)
    elif (
        staff.left is None
        and before is not None
        and before.left is not None
        and last.valid_to == before.left
    ):
        out[-1] = replace(last, valid_to=None)
    return out, transferred


def in_force(assignments: Sequence[Assignment], on: date) -> Assignment:
    """The assignment holding the staff member on ``on`` (else the latest started by then, else
    the first)."""
    started = [a for a in assignments if a.valid_from <= on]
    for a in reversed(started):
        if a.valid_to is None or a.valid_to >= on:
            return a
    return started[-1] if started else assignments[0]


def _mirror(staff: StaffRecord, assignments: Sequence[Assignment], on: date) -> StaffRecord:
    a = in_force(assignments, on)
    return replace(staff, unit=a.unit, position=a.position)


def _latest(tx: Tx, before: StaffRecord) -> StaffRecord:
    """``before`` as a file would show it: unit and position of the latest assignment."""
    old = tx.org.assignments(before.code)
    return replace(before, unit=old[-1].unit, position=old[-1].position) if old else before


# ---- import ----------------------------------------------------------------------------------


def import_org(
    tx: Tx,
    actor: Actor,
    tables: Mapping[str, Table],
    *,
    dry_run: bool = False,
    effective: date | None = None,
) -> ImportSummary:
    """Import the ``units``, ``staff`` and ``council`` tables (any of them): all or nothing."""
    policy.check_org_admin(actor)
    _require_agency(tx)
    effective = effective or date.today()
    errors: list[CellError] = []
    units = _units(tables["units"], errors) if "units" in tables else []
    file_units = {tr.get("code") for tr in tables["units"].rows} if "units" in tables else set()
    known_units = set(tx.org.unit_codes())
    staff_in = (
        _staff(tables["staff"], lambda c: c in file_units or c in known_units, errors)
        if "staff" in tables
        else []
    )
    file_staff = {tr.get("code") for tr in tables["staff"].rows} if "staff" in tables else set()
    council = (
        _council(
            tables["council"],
            lambda c: c in file_staff or tx.org.staff_member(c) is not None,
            errors,
        )
        if "council" in tables
        else []
    )
    summary = ImportSummary(dry_run, {k: SheetCounts() for k in ORG_TABLES if k in tables})
    unit_plan: list[tuple[UnitRecord, UnitRecord | None]] = []
    for u in units:
        old_unit = tx.org.unit(u.code)
        if old_unit == u:
            summary.sheets["units"].unchanged += 1
        else:
            unit_plan.append((u, old_unit))
            counts = summary.sheets["units"]
            if old_unit is None:
                counts.created += 1
            else:
                counts.updated += 1
    staff_plan: list[tuple[StaffRecord, StaffRecord | None, list[Assignment], str]] = []
    for s in staff_in:
        before = tx.org.staff_member(s.staff.code)
        old = tx.org.assignments(s.staff.code) if before else []
        try:
            planned, transferred = plan_assignments(old, s.staff, before, s.unit_from, effective)
        except _Bad as bad:
            errors.append(CellError("staff", s.row, bad.column, bad.message))
            continue
        new = _mirror(s.staff, planned, effective)
        counts = summary.sheets["staff"]
        if before is None:
            counts.created += 1
            staff_plan.append((new, None, planned, "org.staff_created"))
        elif new == before and planned == old:
            counts.unchanged += 1
        elif transferred:
            counts.transferred += 1
            staff_plan.append((new, before, planned, "org.staff_transferred"))
        else:
            counts.updated += 1
            staff_plan.append((new, before, planned, "org.staff_updated"))
    if errors:
        raise refused(errors)
    existing_council = {(c.year, c.staff_code): c for c in tx.org.council()}
    council_plan: list[tuple[CouncilRecord, CouncilRecord | None]] = []
    for c in council:
        old_member = existing_council.get((c.year, c.staff_code))
        counts = summary.sheets["council"]
        if old_member == c:
            counts.unchanged += 1
            continue
        council_plan.append((c, old_member))
        if old_member is None:
            counts.created += 1
        else:
            counts.updated += 1
    if dry_run:
        return summary
    by = _change(actor)
    for u, old_unit in unit_plan:
        tx.org.save_unit(u, old_unit, by)
    for new, before, planned, action in staff_plan:
        tx.org.save_staff(new, before, planned, by, action=action)
    for c, old_member in council_plan:
        tx.org.save_council(c, old_member, by)
    return summary


def import_ratings(tx: Tx, actor: Actor, table: Table, *, dry_run: bool = False) -> ImportSummary:
    """Import the ``ratings`` table (upsert per staff member and year): all or nothing. Unit
    officers and heads may import only their own units' staff."""
    policy.check_ratings_write(actor)
    _require_agency(tx)
    scope = policy.visible_units(actor)
    errors: list[CellError] = []
    seen: dict[Any, int] = {}
    plan: list[tuple[RatingRecord, RatingRecord | None]] = []
    counts = SheetCounts()
    for tr in table.rows:
        r = _Row("ratings", tr, errors)
        rec = parse_rating(r)
        code = tr.get("staff_code")
        year_text = tr.get("year")
        if code is not None:
            problem = _staff_problem(tx, code, scope, rec.year if rec else None)
            if problem:
                r.error("staff_code", problem)
            elif year_text is not None:
                _duplicate(seen, (year_text, code), r, "staff_code", "nhân sự trong cùng năm")
        if rec is None or r.bad:
            continue
        before = tx.org.rating(rec.staff_code, rec.year)
        if before == rec:
            counts.unchanged += 1
            continue
        plan.append((rec, before))
        if before is None:
            counts.created += 1
        else:
            counts.updated += 1
    if errors:
        raise refused(errors)
    if not dry_run:
        by = _change(actor)
        for rec, before in plan:
            tx.org.save_rating(rec, before, by)
    return ImportSummary(dry_run, {"ratings": counts})


def _staff_problem(tx: Tx, code: str, scope: Sequence[str] | None, year: int | None) -> str | None:
    """Why ``code`` cannot be rated by a caller seeing ``scope`` (None: fine). A unit role is
    told only that the staff member is not in its units, whether or not they exist."""
    staff = tx.org.staff_member(code)
    if scope is None:
        return None if staff is not None else f"không có nhân sự mã «{code}»"
    if staff is None:
        return NOT_YOURS
    units = {staff.unit}
    if year is not None:
        units |= tx.org.units_between(code, date(year, 1, 1), date(year, 12, 31))
    return None if units & set(scope) else NOT_YOURS


def load_org_files(tx: Tx, paths: Sequence[Path], actor_name: str) -> ImportSummary:
    """Import a data set's CSV tables (``units.csv``, ``staff.csv``, optionally ``council.csv``,
    each table's kind from its header) as the administrator ``actor_name``: the seed's path."""
    tables: dict[str, Table] = {}
    for path in paths:
        if path.suffix.lower() != ".csv":
            raise OrgFileError(f"{path}: chỉ nhận tệp .csv ở đây.")
        table = read_csv_table(path.read_bytes(), accept=ORG_TABLES, name=str(path))
        tables[table.kind] = table
    return import_org(tx, Actor(username=actor_name, role=Role.ADMIN), tables, effective=None)


# ---- export and template -----------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def export_org(tx: Tx, actor: Actor) -> dict[str, list[dict[str, str]]]:
    """The ``units``, ``staff`` and ``council`` tables as text rows (import reads them back
    unchanged): staff with the unit and position of their latest assignment."""
    policy.check_org_admin(actor)
    units = [
        {"code": u.code, "name": u.name, "kind": u.kind, "abbreviation": u.abbreviation}
        for u in tx.org.units()
    ]
    staff = []
    for s in tx.org.all_staff():
        latest = _latest(tx, s)
        staff.append(
            {
                "code": s.code,
                "full_name": s.full_name,
                "gender": s.gender,
                "unit": latest.unit,
                "position": latest.position,
                "joined": _text(s.joined),
                "left": _text(s.left),
                "category": _text(s.category),
                "birth_year": _text(s.birth_year),
            }
        )
    council = [
        {"year": str(c.year), "staff_code": c.staff_code, "role": c.role} for c in tx.org.council()
    ]
    return {"units": units, "staff": staff, "council": council}


def ratings_rows(tx: Tx, actor: Actor, year: int, unit: str | None = None) -> list[dict[str, str]]:
    """The ``ratings`` table of ``year`` (of ``unit``'s roster; what the caller may read)."""
    out = []
    rated = {
        line.rating.staff_code: line.rating
        for line in register(tx, actor, year, unit)
        if line.rating
    }
    for r in sorted(rated.values(), key=lambda x: x.staff_code):
        out.append(
            {
                "year": str(r.year),
                "staff_code": r.staff_code,
                "rating": r.rating,
                "months_worked": str(r.months_worked),
                "maternity_months": str(r.maternity_months),
                "discipline": r.discipline,
                "discipline_until": _text(r.discipline_until),
            }
        )
    return out


#: The template's example rows (one per table).
TEMPLATE: dict[str, list[dict[str, str]]] = {
    "units": [
        {"code": "VP", "name": "Văn phòng Sở", "kind": "division", "abbreviation": "VP"},
    ],
    "staff": [
        {
            "code": "NV001",
            "full_name": "Nguyễn Văn An",
            "gender": "nam",
            "unit": "VP",
            "position": "Chánh Văn phòng",
            "joined": "2015-03-01",
            "left": "",
        }
    ],
    "council": [{"year": "2026", "staff_code": "NV001", "role": "member"}],
    "ratings": [
        {
            "year": "2026",
            "staff_code": "NV001",
            "rating": "HTXSNV",
            "months_worked": "12",
            "maternity_months": "0",
            "discipline": "none",
            "discipline_until": "",
        }
    ],
}
assert set(TEMPLATE) == set(COLUMNS)


# ---- single records ----------------------------------------------------------------------------


def _unit_visible(scope: Sequence[str] | None, code: str) -> bool:
    return scope is None or code in scope


def list_units(tx: Tx, actor: Actor) -> list[UnitRecord]:
    scope = policy.org_scope(actor)
    return [u for u in tx.org.units() if _unit_visible(scope, u.code)]


def get_unit(tx: Tx, actor: Actor, code: str) -> UnitRecord:
    scope = policy.org_scope(actor)
    unit = tx.org.unit(code)
    if unit is None or not _unit_visible(scope, code):
        raise Refusal(RefusalCode.NOT_FOUND, f"Không tìm thấy đơn vị «{code}».")
    return unit


def update_unit(tx: Tx, actor: Actor, code: str, changes: Mapping[str, str | None]) -> UnitRecord:
    """Correct a unit's ``name``, ``kind`` or ``abbreviation``."""
    policy.check_org_admin(actor)
    before = get_unit(tx, actor, code)
    values = {"name": before.name, "kind": before.kind, "abbreviation": before.abbreviation}
    for key, value in changes.items():
        if value is None:
            continue
        if key == "kind" and value not in {k.value for k in UnitKind}:
            allowed = ", ".join(k.value for k in UnitKind)
            raise Refusal(RefusalCode.INVALID, f"loại đơn vị chỉ nhận: {allowed}", field="kind")
        if not value.strip():
            raise Refusal(RefusalCode.INVALID, f"{key} không được để trống", field=key)
        values[key] = value.strip()
    after = UnitRecord(code, values["name"], values["kind"], values["abbreviation"])
    if after != before:
        tx.org.save_unit(after, before, _change(actor))
    return after


def list_staff(
    tx: Tx, actor: Actor, unit: str | None = None, on: date | None = None
) -> list[tuple[str, StaffRecord]]:
    """(unit, staff) of a unit's roster on ``on`` (every visible unit when ``unit`` is None;
    staff's current unit when ``on`` is None)."""
    scope = policy.org_scope(actor)
    if unit is not None:
        get_unit(tx, actor, unit)  # not found when foreign
        units: Sequence[str] | None = [unit]
    else:
        units = scope
    return tx.org.roster(units, on)


def _visible_staff(tx: Tx, actor: Actor, code: str) -> StaffRecord:
    scope = policy.org_scope(actor)
    staff = tx.org.staff_member(code)
    if staff is not None and scope is not None:
        latest = _latest(tx, staff)
        if staff.unit not in scope and latest.unit not in scope:
            staff = None
    if staff is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"Không tìm thấy nhân sự «{code}».")
    return staff


def get_staff(tx: Tx, actor: Actor, code: str) -> StaffDetail:
    staff = _visible_staff(tx, actor, code)
    return StaffDetail(staff, tx.org.assignments(code))


STAFF_FIELDS = ("full_name", "gender", "position", "category", "left")


def correct_staff(
    tx: Tx, actor: Actor, code: str, changes: Mapping[str, str | None], *, today: date | None = None
) -> StaffDetail:
    """Correct ``full_name``, ``gender``, ``position``, ``category`` or ``left`` (an empty
    ``left`` or ``category`` clears it; absent keys are kept)."""
    policy.check_org_admin(actor)
    before = _visible_staff(tx, actor, code)
    latest = _latest(tx, before)
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in STAFF_FIELDS:
            raise Refusal(RefusalCode.INVALID, f"không sửa được trường {key}", field=key)
        text = (value or "").strip()
        if key in ("full_name", "position") and not text:
            raise Refusal(RefusalCode.INVALID, f"{key} không được để trống", field=key)
        if key == "gender" and text not in GENDERS:
            raise Refusal(RefusalCode.INVALID, "giới tính chỉ nhận: nam, nu", field=key)
        if key == "left" and text:
            try:
                values[key] = date.fromisoformat(text)
            except ValueError:
                raise Refusal(
                    RefusalCode.INVALID, f"«{text}» không phải ngày dạng YYYY-MM-DD", field=key
                ) from None
            if before.joined and values[key] < before.joined:
                raise Refusal(
                    RefusalCode.INVALID, f"ngày nghỉ trước ngày vào {before.joined}", field=key
                )
            continue
        values[key] = text or None
    staff = replace(latest, **values)
    return _save_single(tx, actor, before, staff, None, today, "org.staff_updated")


def transfer_staff(
    tx: Tx,
    actor: Actor,
    code: str,
    unit: str,
    valid_from: date,
    *,
    position: str | None = None,
    today: date | None = None,
) -> StaffDetail:
    """Move a staff member to ``unit`` from ``valid_from`` (the previous assignment ends the day
    before)."""
    policy.check_org_admin(actor)
    before = _visible_staff(tx, actor, code)
    if tx.org.unit(unit) is None:
        raise Refusal(RefusalCode.INVALID, f"không có đơn vị mã «{unit}»", field="unit")
    latest = _latest(tx, before)
    if latest.unit == unit:
        raise Refusal(RefusalCode.INVALID, f"nhân sự đang thuộc đơn vị «{unit}»", field="unit")
    staff = replace(latest, unit=unit, position=(position or "").strip() or latest.position)
    return _save_single(tx, actor, before, staff, valid_from, today, "org.staff_transferred")


def _save_single(
    tx: Tx,
    actor: Actor,
    before: StaffRecord,
    staff: StaffRecord,
    unit_from: date | None,
    today: date | None,
    action: str,
) -> StaffDetail:
    on = today or date.today()
    old = tx.org.assignments(before.code)
    try:
        planned, _ = plan_assignments(old, staff, before, unit_from, on)
    except _Bad as bad:
        field_name = "valid_from" if bad.column == "unit_from" else bad.column
        raise Refusal(RefusalCode.INVALID, bad.message, field=field_name) from None
    new = _mirror(staff, planned, on)
    if new != before or planned != old:
        tx.org.save_staff(new, before, planned, _change(actor), action=action)
    return StaffDetail(new, planned)


# ---- the ratings register ----------------------------------------------------------------------


def register(tx: Tx, actor: Actor, year: int, unit: str | None = None) -> list[RegisterRow]:
    """Each staff member assigned to ``unit`` (every visible unit if None) on any day of
    ``year``, with their rating for the year (None if not yet rated). A staff member moved
    during the year is listed under each unit they belonged to."""
    scope = policy.org_scope(actor)
    if unit is not None:
        get_unit(tx, actor, unit)  # not found when foreign
    units: Sequence[str] | None = [unit] if unit is not None else scope
    roster = tx.org.roster_during(units, date(year, 1, 1), date(year, 12, 31))
    ratings = {r.staff_code: r for r in tx.org.ratings(year, sorted({s.code for _, s in roster}))}
    return [RegisterRow(u, s.code, s.full_name, ratings.get(s.code)) for u, s in roster]


def get_rating(tx: Tx, actor: Actor, year: int, code: str) -> RatingRecord:
    _visible_staff(tx, actor, code)
    found = tx.org.rating(code, year)
    if found is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"Chưa có xếp loại năm {year} của «{code}».")
    return found


def set_rating(
    tx: Tx, actor: Actor, year: int, code: str, values: Mapping[str, object]
) -> RatingRecord:
    """Set one staff member's rating for ``year`` (the ``ratings`` columns, as in a file)."""
    policy.check_ratings_write(actor)
    _require_agency(tx)
    cells = {
        k: (None if v is None or str(v).strip() == "" else str(v).strip())
        for k, v in values.items()
    }
    cells.update({"year": str(year), "staff_code": code})
    problem = _staff_problem(tx, code, policy.visible_units(actor), year)
    if problem is not None:
        raise Refusal(RefusalCode.NOT_FOUND, f"Không tìm thấy nhân sự «{code}».")
    errors: list[CellError] = []
    rec = parse_rating(_Row("ratings", TableRow(0, cells), errors))
    if errors or rec is None:
        raise Refusal(
            RefusalCode.INVALID,
            "; ".join(f"{e.column}: {e.message}" for e in errors),
            field=errors[0].column if errors else None,
            errors=[FieldError(e.column, e.message) for e in errors],
        )
    before = tx.org.rating(code, year)
    if before != rec:
        tx.org.save_rating(rec, before, _change(actor))
    return rec


#: The sample Department's organisation as files (``units.csv``, ``staff.csv``), for the seed.
SAMPLE_DATASET = Path(__file__).resolve().parent.parent / "datasets" / "sample"
SAMPLE_ORG_FILES = (SAMPLE_DATASET / "units.csv", SAMPLE_DATASET / "staff.csv")
