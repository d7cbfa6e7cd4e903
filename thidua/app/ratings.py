"""The annual ratings register: every staff member's rating for a year, imported per unit from a
file (all or nothing, row errors by sheet, row and column), read per unit and year, and set one
at a time. The Office and the administrator write anyone's; unit officers and heads only their
own units' staff (a row for anyone else is "not in your units", whether or not they exist).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from thidua.app.org import (
    ImportSummary,
    SheetCounts,
    cell,
    change_of,
    get_unit,
    refused,
    require_agency,
    visible_staff,
)
from thidua.app.org_rows import RowReader, duplicate, parse_rating
from thidua.app.org_tables import CellError, Table, TableRow
from thidua.app.ports.org import RatingRecord
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.refusals import FieldError, Refusal, RefusalCode
from thidua.domain.roles import Actor

NOT_YOURS = "nhân sự không thuộc các đơn vị của bạn"


@dataclass(frozen=True)
class RegisterRow:
    """A line of a unit's ratings register: the staff member and their rating (None if none)."""

    unit: str
    staff_code: str
    full_name: str
    rating: RatingRecord | None


def import_ratings(tx: Tx, actor: Actor, table: Table, *, dry_run: bool = False) -> ImportSummary:
    """Import the ``ratings`` table (upsert per staff member and year): all or nothing. Unit
    officers and heads may import only their own units' staff."""
    policy.check_ratings_write(actor)
    require_agency(tx)
    scope = policy.org_units(actor)
    errors: list[CellError] = []
    seen: dict[Any, int] = {}
    plan: list[tuple[RatingRecord, RatingRecord | None]] = []
    counts = SheetCounts()
    for tr in table.rows:
        r = RowReader("ratings", tr, errors)
        rec = parse_rating(r)
        code = tr.get("staff_code")
        year_text = tr.get("year")
        if code is not None:
            problem = _staff_problem(tx, code, scope, rec.year if rec else None)
            if problem:
                r.error("staff_code", problem)
            elif year_text is not None:
                duplicate(seen, (year_text, code), r, "staff_code", "nhân sự trong cùng năm")
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
        by = change_of(actor)
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
                "discipline_until": cell(r.discipline_until),
            }
        )
    return out


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
    visible_staff(tx, actor, code)
    found = tx.org.rating(code, year)
    if found is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"Chưa có xếp loại năm {year} của «{code}».")
    return found


def set_rating(
    tx: Tx, actor: Actor, year: int, code: str, values: Mapping[str, object]
) -> RatingRecord:
    """Set one staff member's rating for ``year`` (the ``ratings`` columns, as in a file)."""
    policy.check_ratings_write(actor)
    require_agency(tx)
    cells = {
        k: (None if v is None or str(v).strip() == "" else str(v).strip())
        for k, v in values.items()
    }
    cells.update({"year": str(year), "staff_code": code})
    problem = _staff_problem(tx, code, policy.org_units(actor), year)
    if problem is not None:
        raise Refusal(RefusalCode.NOT_FOUND, f"Không tìm thấy nhân sự «{code}».")
    errors: list[CellError] = []
    rec = parse_rating(RowReader("ratings", TableRow(0, cells), errors))
    if errors or rec is None:
        raise Refusal(
            RefusalCode.INVALID,
            "; ".join(f"{e.column}: {e.message}" for e in errors),
            field=errors[0].column if errors else None,
            errors=[FieldError(e.column, e.message) for e in errors],
        )
    before = tx.org.rating(code, year)
    if before != rec:
        tx.org.save_rating(rec, before, change_of(actor))
    return rec
