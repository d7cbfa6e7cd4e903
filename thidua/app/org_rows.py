"""Reading the organisation's table rows into records, and planning a staff member's dated
assignments: pure functions (no store), shared by the import and the single-record corrections
of ``thidua.app.org``.

Each reader collects every bad cell of a row as a ``CellError`` (sheet, spreadsheet row, column,
Vietnamese message), so an import can list all of a file's errors at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from rules.facts import Discipline, Rating
from thidua.app.org_tables import CellError, Table, TableRow
from thidua.app.ports.org import Assignment, CouncilRecord, RatingRecord, StaffRecord, UnitRecord
from thidua.domain.org import UnitKind

#: The start of an assignment whose start is not known (no ``joined``, no ``unit_from``).
UNKNOWN_START = date(1900, 1, 1)
COUNCIL_ROLES = ("chair", "vice_chair", "member", "secretary")
GENDERS = ("nam", "nu")
MIN_YEAR, MAX_YEAR = 1945, 2100
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


# ---- cell parsing ----------------------------------------------------------------------------


class Bad(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


#: The longest text each column holds (the database's column sizes).
MAX_LENGTH = {
    "name": 255,
    "full_name": 255,
    "abbreviation": 64,
    "position": 128,
    "category": 64,
    "code": 32,
    "unit": 32,
    "staff_code": 32,
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problem(column: str, value: str) -> str | None:
    """Why ``value`` cannot be stored in ``column`` (too long, control characters), or None."""
    if _CONTROL.search(value):
        return "chứa ký tự điều khiển không hợp lệ"
    limit = MAX_LENGTH.get(column)
    if limit is not None and len(value) > limit:
        return f"dài quá {limit} ký tự ({len(value)})"
    return None


class RowReader:
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
        if value is not None and (problem := text_problem(column, value)):
            self.error(column, problem)
            return None
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


def duplicate(seen: dict[Any, int], key: Any, r: RowReader, column: str, what: str) -> None:
    if key in seen:
        r.error(column, f"trùng {what} với dòng {seen[key]}")
    else:
        seen[key] = r.row.row


# ---- validation of each table ------------------------------------------------------------------


@dataclass(frozen=True)
class StaffIn:
    row: int
    staff: StaffRecord
    unit_from: date | None


def parse_units(table: Table, errors: list[CellError]) -> list[UnitRecord]:
    out: list[UnitRecord] = []
    seen: dict[Any, int] = {}
    for tr in table.rows:
        r = RowReader("units", tr, errors)
        code = r.code("code", "mã đơn vị")
        if code is not None:
            duplicate(seen, code, r, "code", "mã đơn vị")
        name = r.text("name", required=True, what="tên đơn vị")
        kind = r.choice("kind", [k.value for k in UnitKind])
        abbreviation = r.text("abbreviation", required=True, what="tên viết tắt")
        if not r.bad and code and name and kind and abbreviation:
            out.append(UnitRecord(code, name, kind, abbreviation))
    return out


def parse_staff(
    table: Table, unit_exists: Callable[[str], bool], errors: list[CellError]
) -> list[StaffIn]:
    out: list[StaffIn] = []
    seen: dict[Any, int] = {}
    for tr in table.rows:
        r = RowReader("staff", tr, errors)
        code = r.code("code", "mã nhân sự")
        if code is not None:
            duplicate(seen, code, r, "code", "mã nhân sự")
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
        out.append(StaffIn(tr.row, staff, unit_from))
    return out


def parse_council(
    table: Table, staff_exists: Callable[[str], bool], errors: list[CellError]
) -> list[CouncilRecord]:
    out: list[CouncilRecord] = []
    seen: dict[Any, int] = {}
    for tr in table.rows:
        r = RowReader("council", tr, errors)
        year = r.integer("year", MIN_YEAR, MAX_YEAR)
        code = r.text("staff_code", required=True, what="mã nhân sự")
        if code is not None and not staff_exists(code):
            r.error("staff_code", f"không có nhân sự mã «{code}» (trong sheet staff hoặc CSDL)")
        role = r.choice("role", COUNCIL_ROLES)
        if year is not None and code is not None:
            duplicate(seen, (year, code), r, "staff_code", "nhân sự trong cùng năm")
        if not r.bad and year is not None and code and role:
            out.append(CouncilRecord(year, code, role))
    return out


def parse_rating(r: RowReader) -> RatingRecord | None:
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
    ``left`` closes the last assignment on that date; clearing it reopens it. Raises ``Bad``
    naming the column at fault."""
    if not old:
        start = unit_from or staff.joined or UNKNOWN_START
        if staff.left is not None and staff.left < start:
            raise Bad("left", f"ngày nghỉ {staff.left} trước ngày bắt đầu phân công {start}")
        return [Assignment(staff.unit, staff.position, start, staff.left)], False
    out = list(old)
    last = out[-1]
    transferred = False
    if last.unit != staff.unit:
        when = unit_from or effective
        if when < last.valid_from:
            raise Bad(
                "unit_from",
                f"ngày chuyển đơn vị {when} trước ngày bắt đầu phân công hiện tại "
                f"{last.valid_from} (đơn vị {last.unit})",
            )
        if last.valid_to is not None and last.valid_to < when and before and before.left:
            raise Bad("unit", f"nhân sự đã nghỉ từ {before.left}, không chuyển đơn vị được")
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
            raise Bad(
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


def mirror(staff: StaffRecord, assignments: Sequence[Assignment], on: date) -> StaffRecord:
    a = in_force(assignments, on)
    return replace(staff, unit=a.unit, position=a.position)
