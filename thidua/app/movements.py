"""Movements as data and emulation registrations (đăng ký thi đua).

Movements: the Office (or an administrator) creates and updates them from a ``MovementSpec``
(``thidua.domain.movements``), every change audited with its before and after; every signed-in
role reads them. Award codes are checked against the governed rules versions published for a
window that meets the movement's year (their titles and forms); when no published version meets
the year, only the codes' format is checked and the answer says so (``notes``).

Registrations: a unit (collective) or a staff member (individual) registers for titles among
the movement's awards. Unit officers, unit heads and pipelines register for their own units only
(another unit is "not found"), the Office for any unit. When the movement has a registration
phase, a registration outside it is refused with its dates, except from the Office, whose late
registration is recorded (and shown) as late. One registration per (movement, kind, code):
registering again replaces the titles (audited with before and after). ``import_registrations``
takes the rows of a ``registrations`` sheet: one bad row imports nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from rules.loader import load_ruleset
from rules.model import Title
from thidua.app.ports.movements import MovementView, NewRegistration, RegistrationView
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.movements import MovementSpec, local_day, parse_movements_yaml, vi_date
from thidua.domain.refusals import FieldError, Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

NO_AGENCY = "Chưa có hồ sơ cơ quan: chạy `thidua agency set FILE.yaml` trước."
SHEET = "registrations"
COLUMNS = ("movement", "kind", "code", "unit", "titles")
KIND_LABEL_VI = {"individual": "cá nhân", "collective": "tập thể"}


class MovementResult(BaseModel):
    """A movement after a change, with what could not be checked (``notes``)."""

    movement: MovementView
    notes: list[str]


class MovementDetail(BaseModel):
    movement: MovementView
    registrations: list[RegistrationView]


class RegistrationRequest(BaseModel):
    """Register a unit (no ``staff``) or one of its staff members for titles of a movement."""

    model_config = ConfigDict(extra="forbid")

    unit: str = Field(max_length=32, description="Mã đơn vị")
    staff: str | None = Field(default=None, max_length=32, description="Mã cán bộ (cá nhân)")
    titles: list[Annotated[str, Field(max_length=40)]] = Field(
        max_length=20, description="Các mã danh hiệu, hình thức của phong trào"
    )


class ImportReport(BaseModel):
    dry_run: bool
    rows: int
    created: int
    replaced: int
    unchanged: int
    late: int
    registrations: list[RegistrationView]


# ---- movements --------------------------------------------------------------------------------


def _not_found(code: str) -> Refusal:
    return Refusal(
        RefusalCode.NOT_FOUND, f"Không tìm thấy phong trào thi đua {code}.", field="movement"
    )


def _require(tx: Tx, code: str) -> MovementView:
    found = tx.movements.get(code)
    if found is None:
        raise _not_found(code)
    return found


def known_awards(tx: Tx, year: int) -> dict[str, Title] | None:
    """The titles and forms of every published rules version in force during ``year``
    (None when no published version meets the year)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    windows = [
        w
        for w in tx.rules_versions.published_windows()
        if w.effective_from <= last and (w.effective_to is None or w.effective_to >= first)
    ]
    if not windows:
        return None
    out: dict[str, Title] = {}
    for w in windows:
        stored = tx.rules_versions.get(w.ruleset_id, w.version)
        if stored is not None:
            out.update(load_ruleset(stored.name, stored.content).titles)
    return out


def _check_awards(tx: Tx, spec: MovementSpec) -> list[str]:
    known = known_awards(tx, spec.year)
    if known is None:
        return [
            f"Chưa có bộ tiêu chí nào được công bố có hiệu lực trong năm {spec.year}: mới kiểm "
            "tra định dạng của các mã danh hiệu, hình thức khen thưởng."
        ]
    errors = [
        FieldError(
            f"awards[{i}]",
            f"«{code}» không có trong bộ tiêu chí có hiệu lực năm {spec.year} "
            f"(có: {', '.join(sorted(known))})",
        )
        for i, code in enumerate(spec.awards)
        if code not in known
    ]
    if errors:
        raise Refusal(
            RefusalCode.INVALID,
            f"phong trào không hợp lệ: {errors[0].field}: {errors[0].message}",
            field=errors[0].field,
            problem="movement_invalid",
            errors=errors,
        )
    return []


def _audit_state(v: MovementView) -> dict[str, Any]:
    return v.model_dump(mode="json", exclude={"kind_label"})


def create_movement(tx: Tx, actor: Actor, spec: MovementSpec) -> MovementResult:
    policy.check_movement_admin(actor)
    if tx.agency.agency_code() is None:
        raise Refusal(RefusalCode.CONFLICT, NO_AGENCY, problem="no_agency")
    if tx.movements.get(spec.code) is not None:
        raise Refusal(
            RefusalCode.DUPLICATE,
            f"Đã có phong trào mã {spec.code}: dùng `thidua movements update` để sửa.",
            field="code",
        )
    notes = _check_awards(tx, spec)
    created = tx.movements.add(spec)
    tx.movements.record(
        "movement.created", "movement", spec.code, actor, None, _audit_state(created)
    )
    return MovementResult(movement=created, notes=notes)


def update_movement(tx: Tx, actor: Actor, spec: MovementSpec) -> MovementResult:
    policy.check_movement_admin(actor)
    before = _require(tx, spec.code)
    notes = _check_awards(tx, spec)
    after = tx.movements.replace(spec)
    if _audit_state(before) != _audit_state(after):
        tx.movements.record(
            "movement.updated",
            "movement",
            spec.code,
            actor,
            _audit_state(before),
            _audit_state(after),
        )
    return MovementResult(movement=after, notes=notes)


def list_movements(tx: Tx, actor: Actor) -> list[MovementView]:
    return tx.movements.all()


def show_movement(tx: Tx, actor: Actor, code: str) -> MovementDetail:
    movement = _require(tx, code)
    return MovementDetail(
        movement=movement,
        registrations=tx.movements.registrations(code, policy.org_units(actor)),
    )


def load_movements_file(tx: Tx, path: Path, actor_name: str) -> list[MovementView]:
    """The data set's movements (one YAML mapping or a list): created, or updated when they
    differ, by ``actor_name`` as an administrator (the sample loader's entry)."""
    specs = parse_movements_yaml(path.read_text(encoding="utf-8"), str(path))
    actor = Actor(username=actor_name, role=Role.ADMIN)
    out = []
    for spec in specs:
        if tx.movements.get(spec.code) is None:
            out.append(create_movement(tx, actor, spec).movement)
        else:
            out.append(update_movement(tx, actor, spec).movement)
    return out


# ---- registrations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    new: NewRegistration
    late: bool


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _prepare(
    tx: Tx,
    actor: Actor,
    movement: MovementView,
    unit: str | None,
    staff: str | None,
    titles: Sequence[str],
    at: dt.datetime,
    known: dict[str, Title] | None,
) -> _Prepared:
    """Check one registration (refusals name the field: unit, staff, titles, movement)."""
    if staff:
        person = tx.movements.staff(staff)
        if (
            person is None
            or (unit and person.unit != unit)
            or not policy.can_read(actor, person.unit)
        ):
            where = f" trong đơn vị {unit}" if unit else ""
            raise Refusal(
                RefusalCode.NOT_FOUND, f"Không tìm thấy cán bộ {staff}{where}.", field="staff"
            )
        if person.left is not None and person.left < local_day(at):
            raise Refusal(
                RefusalCode.INVALID,
                f"Cán bộ {staff} đã nghỉ việc từ {vi_date(person.left)}: không đăng ký thi đua.",
                field="staff",
            )
        unit = person.unit
    if not unit:
        raise Refusal(RefusalCode.INVALID, "thiếu mã đơn vị.", field="unit")
    policy.check_register(actor, unit)
    if tx.movements.unit_name(unit) is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"Không tìm thấy đơn vị {unit}.", field="unit")
    kind = "individual" if staff else "collective"
    codes = [t.strip() for t in titles if t.strip()]
    if not codes:
        raise Refusal(RefusalCode.INVALID, "chưa chọn danh hiệu nào để đăng ký.", field="titles")
    for code in codes:
        if codes.count(code) > 1:
            raise Refusal(RefusalCode.INVALID, f"«{code}» ghi hai lần.", field="titles")
        if code not in movement.awards:
            raise Refusal(
                RefusalCode.INVALID,
                f"«{code}» không thuộc các danh hiệu, hình thức của phong trào {movement.code} "
                f"({', '.join(movement.awards)}).",
                field="titles",
            )
        title = (known or {}).get(code)
        if title is not None and kind not in title.applies_to:
            raise Refusal(
                RefusalCode.INVALID,
                f"«{code}» ({title.name_vi}) không xét cho {KIND_LABEL_VI[kind]}.",
                field="titles",
            )
    late = False
    window = movement.registration()
    if window is not None and not window.starts <= local_day(at) <= window.ends:
        if actor.role is not Role.OFFICE:
            raise Refusal(
                RefusalCode.WRONG_STAGE,
                f"Ngoài thời gian đăng ký thi đua của phong trào {movement.code} (từ "
                f"{vi_date(window.starts)} đến {vi_date(window.ends)}); Văn phòng Sở có thể ghi nhận "
                "đăng ký muộn.",
                field="movement",
                problem="registration_closed",
            )
        late = True
    subject = staff if staff else unit
    new = NewRegistration(
        movement=movement.code,
        subject_kind=kind,
        subject_code=subject,
        unit=unit,
        titles=tuple(codes),
        registered_by=actor.username,
        registered_at=at,
    )
    return _Prepared(new, late)


def _reg_state(v: RegistrationView | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "subject_kind": v.subject_kind,
        "subject_code": v.subject_code,
        "unit": v.unit,
        "titles": v.titles,
        "registered_by": v.registered_by,
        "late": v.late,
    }


def _store(tx: Tx, actor: Actor, p: _Prepared) -> tuple[RegistrationView, str]:
    """Write one checked registration: ``created``, ``replaced``, or ``unchanged`` (the same
    unit and titles again: nothing written, nothing audited)."""
    n = p.new
    before = tx.movements.registration(n.movement, n.subject_kind, n.subject_code)
    if before is not None and (before.unit, before.titles) == (n.unit, list(n.titles)):
        return before, "unchanged"
    after = tx.movements.put_registration(n)
    state = {**(_reg_state(after) or {}), "late": p.late}
    tx.movements.record(
        "registration.replaced" if before else "registration.created",
        "registration",
        f"{n.movement}:{n.subject_kind}:{n.subject_code}",
        actor,
        _reg_state(before),
        state,
    )
    return after, "replaced" if before else "created"


def register(
    tx: Tx,
    actor: Actor,
    movement_code: str,
    body: RegistrationRequest,
    *,
    at: dt.datetime | None = None,
) -> RegistrationView:
    """Register a unit or one of its staff for titles of the movement (or replace its titles)."""
    policy.check_register(actor, None)
    movement = _require(tx, movement_code)
    prepared = _prepare(
        tx,
        actor,
        movement,
        body.unit.strip(),
        (body.staff or "").strip() or None,
        body.titles,
        at or _now(),
        known_awards(tx, movement.year),
    )
    view, _status = _store(tx, actor, prepared)
    return view


def list_registrations(tx: Tx, actor: Actor, movement_code: str) -> list[RegistrationView]:
    _require(tx, movement_code)
    return tx.movements.registrations(movement_code, policy.org_units(actor))


# ---- import -----------------------------------------------------------------------------------

_FIELD_COLUMN = {"movement": "movement", "unit": "unit", "staff": "code", "titles": "titles"}


def _row_error(row: int, column: str, message: str) -> FieldError:
    col = COLUMNS.index(column) + 1 if column in COLUMNS else None
    return FieldError(SHEET, f"dòng {row}, cột {column}: {message}", line=row, column=col)


def import_registrations(
    tx: Tx,
    actor: Actor,
    rows: Sequence[tuple[int, dict[str, str | None]]],
    *,
    dry_run: bool = False,
    movement_code: str | None = None,
    at: dt.datetime | None = None,
) -> ImportReport:
    """Register every row of the ``registrations`` sheet (``(row number, {column: text})``, the
    header being row 1), or nothing when any row is bad: the refusal lists every bad row by
    sheet, row and column. ``movement_code``: rows must name that movement (the API's path)."""
    policy.check_register(actor, None)
    at = at or _now()
    errors: list[FieldError] = []
    prepared: list[_Prepared] = []
    seen: dict[tuple[str, str, str], int] = {}
    movements: dict[str, MovementView | None] = {}
    known: dict[int, dict[str, Title] | None] = {}
    for row, cells in rows:
        m_code = (cells.get("movement") or "").strip()
        kind = (cells.get("kind") or "").strip()
        code = (cells.get("code") or "").strip()
        unit = (cells.get("unit") or "").strip()
        titles = [t for t in (cells.get("titles") or "").split(",") if t.strip()]
        bad = False
        for column, value in (("movement", m_code), ("kind", kind), ("code", code)):
            if not value:
                errors.append(_row_error(row, column, "ô trống."))
                bad = True
        if bad:
            continue
        if movement_code is not None and m_code != movement_code:
            errors.append(_row_error(row, "movement", f"phải là {movement_code}."))
            continue
        if kind not in KIND_LABEL_VI:
            errors.append(_row_error(row, "kind", "phải là individual hoặc collective."))
            continue
        if kind == "collective" and unit and unit != code:
            errors.append(
                _row_error(row, "unit", f"tập thể {code}: cột unit phải trống hoặc {code}.")
            )
            continue
        if m_code not in movements:
            movements[m_code] = tx.movements.get(m_code)
        movement = movements[m_code]
        if movement is None:
            errors.append(_row_error(row, "movement", f"không tìm thấy phong trào {m_code}."))
            continue
        if movement.year not in known:
            known[movement.year] = known_awards(tx, movement.year)
        key = (m_code, kind, code)
        if key in seen:
            errors.append(_row_error(row, "code", f"trùng với dòng {seen[key]}."))
            continue
        seen[key] = row
        try:
            prepared.append(
                _prepare(
                    tx,
                    actor,
                    movement,
                    unit or (code if kind == "collective" else None),
                    code if kind == "individual" else None,
                    titles,
                    at,
                    known[movement.year],
                )
            )
        except Refusal as exc:
            column = _FIELD_COLUMN.get(exc.field or "", "unit" if kind == "collective" else "code")
            errors.append(_row_error(row, column, exc.message))
    if errors:
        more = f" (và {len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
        raise Refusal(
            RefusalCode.INVALID,
            f"Trang {SHEET}, {errors[0].message}{more}. Không nhập dòng nào.",
            field=SHEET,
            problem="import_invalid",
            errors=errors,
        )
    late = sum(1 for p in prepared if p.late)
    if dry_run:
        return ImportReport(
            dry_run=True,
            rows=len(prepared),
            created=0,
            replaced=0,
            unchanged=0,
            late=late,
            registrations=[],
        )
    counts = {"created": 0, "replaced": 0, "unchanged": 0}
    views = []
    for p in prepared:
        view, status = _store(tx, actor, p)
        counts[status] += 1
        views.append(view)
    return ImportReport(dry_run=False, rows=len(prepared), late=late, registrations=views, **counts)
