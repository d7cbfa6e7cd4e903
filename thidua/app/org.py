"""The organisation as data (units, staff, council): import (with a dry run), export, a template,
and single-record reads and corrections. The ratings register is ``thidua.app.ratings``; reading
rows and planning assignments, ``thidua.app.org_rows``.

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from thidua.app.org_rows import (
    GENDERS,
    Bad,
    mirror,
    parse_council,
    parse_staff,
    parse_units,
    plan_assignments,
    text_problem,
)
from thidua.app.org_tables import (
    COLUMNS,
    ORG_TABLES,
    CellError,
    OrgFileError,
    Table,
    read_csv_table,
)
from thidua.app.ports.org import (
    Assignment,
    Change,
    CouncilRecord,
    StaffRecord,
    UnitRecord,
)
from thidua.app.ports.uow import Tx
from thidua.app.sample_data import SAMPLE_DATASET
from thidua.domain import policy
from thidua.domain.org import UnitKind
from thidua.domain.refusals import FieldError, Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

NO_AGENCY = "Chưa có hồ sơ cơ quan: chạy `thidua agency set FILE.yaml` trước."


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


def refused(errors: Sequence[CellError], what: str = "tệp") -> Refusal:
    """The refusal of an import with row errors: nothing imported, every error listed."""
    return Refusal(
        RefusalCode.INVALID,
        f"{what.capitalize()} có {len(errors)} lỗi; không nhập dòng nào (sửa hết rồi nhập lại).",
        problem="import_invalid",
        errors=[FieldError(f"{e.sheet}.{e.column}", str(e), line=e.row) for e in errors],
    )


def change_of(actor: Actor) -> Change:
    return Change(actor.username, actor.role.value)


def require_agency(tx: Tx) -> None:
    if tx.agency.agency_code() is None:
        raise Refusal(RefusalCode.CONFLICT, NO_AGENCY, problem="no_agency")


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
    require_agency(tx)
    effective = effective or date.today()
    errors: list[CellError] = []
    units = parse_units(tables["units"], errors) if "units" in tables else []
    file_units = {tr.get("code") for tr in tables["units"].rows} if "units" in tables else set()
    known_units = set(tx.org.unit_codes())
    staff_in = (
        parse_staff(tables["staff"], lambda c: c in file_units or c in known_units, errors)
        if "staff" in tables
        else []
    )
    file_staff = {tr.get("code") for tr in tables["staff"].rows} if "staff" in tables else set()
    council = (
        parse_council(
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
        except Bad as bad:
            errors.append(CellError("staff", s.row, bad.column, bad.message))
            continue
        new = mirror(s.staff, planned, effective)
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
    by = change_of(actor)
    for u, old_unit in unit_plan:
        tx.org.save_unit(u, old_unit, by)
    for new, before, planned, action in staff_plan:
        tx.org.save_staff(new, before, planned, by, action=action)
    for c, old_member in council_plan:
        tx.org.save_council(c, old_member, by)
    return summary


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


def cell(value: object) -> str:
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
                "joined": cell(s.joined),
                "left": cell(s.left),
                "category": cell(s.category),
                "birth_year": cell(s.birth_year),
            }
        )
    council = [
        {"year": str(c.year), "staff_code": c.staff_code, "role": c.role} for c in tx.org.council()
    ]
    return {"units": units, "staff": staff, "council": council}


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
        if problem := text_problem(key, value.strip()):
            raise Refusal(RefusalCode.INVALID, f"{key}: {problem}", field=key)
        values[key] = value.strip()
    after = UnitRecord(code, values["name"], values["kind"], values["abbreviation"])
    if after != before:
        tx.org.save_unit(after, before, change_of(actor))
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


def visible_staff(tx: Tx, actor: Actor, code: str) -> StaffRecord:
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
    staff = visible_staff(tx, actor, code)
    return StaffDetail(staff, tx.org.assignments(code))


STAFF_FIELDS = ("full_name", "gender", "position", "category", "left")


def correct_staff(
    tx: Tx, actor: Actor, code: str, changes: Mapping[str, str | None], *, today: date | None = None
) -> StaffDetail:
    """Correct ``full_name``, ``gender``, ``position``, ``category`` or ``left`` (an empty
    ``left`` or ``category`` clears it; absent keys are kept)."""
    policy.check_org_admin(actor)
    before = visible_staff(tx, actor, code)
    latest = _latest(tx, before)
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in STAFF_FIELDS:
            raise Refusal(RefusalCode.INVALID, f"không sửa được trường {key}", field=key)
        text = (value or "").strip()
        if problem := text_problem(key, text):
            raise Refusal(RefusalCode.INVALID, f"{key}: {problem}", field=key)
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
    before = visible_staff(tx, actor, code)
    if tx.org.unit(unit) is None:
        raise Refusal(RefusalCode.INVALID, f"không có đơn vị mã «{unit}»", field="unit")
    latest = _latest(tx, before)
    if latest.unit == unit:
        raise Refusal(RefusalCode.INVALID, f"nhân sự đang thuộc đơn vị «{unit}»", field="unit")
    new_position = (position or "").strip() or latest.position
    if problem := text_problem("position", new_position):
        raise Refusal(RefusalCode.INVALID, f"position: {problem}", field="position")
    staff = replace(latest, unit=unit, position=new_position)
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
    except Bad as bad:
        field_name = "valid_from" if bad.column == "unit_from" else bad.column
        raise Refusal(RefusalCode.INVALID, bad.message, field=field_name) from None
    new = mirror(staff, planned, on)
    if new != before or planned != old:
        tx.org.save_staff(new, before, planned, change_of(actor), action=action)
    return StaffDetail(new, planned)


#: The sample Department's organisation as files (``units.csv``, ``staff.csv``), for the seed.
SAMPLE_ORG_FILES = (SAMPLE_DATASET / "units.csv", SAMPLE_DATASET / "staff.csv")
