"""The movement store over SQLAlchemy: movements as data and emulation registrations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from thidua.adapters.db import audit
from thidua.adapters.db.agency import agency_id
from thidua.adapters.db.models import MovementRow, RegistrationRow, StaffRow, UnitRow
from thidua.app.ports.movements import (
    ContentView,
    MovementView,
    NewRegistration,
    PhaseView,
    RegistrationView,
    StaffBrief,
)
from thidua.domain.appraisal.registrations import RegistrationBook
from thidua.domain.movements import (
    MOVEMENT_KIND_LABEL_VI,
    PHASE_LABEL_VI,
    PHASE_ORDER,
    MovementSpec,
    is_late,
    registration_window,
)
from thidua.domain.roles import Actor


def _phases(row: MovementRow) -> list[PhaseView]:
    stored = {p["phase"]: p for p in (row.phases or [])}
    return [
        PhaseView(
            phase=p.value,
            label=PHASE_LABEL_VI[p],
            starts=stored[p.value]["starts"],
            ends=stored[p.value]["ends"],
        )
        for p in PHASE_ORDER
        if p.value in stored
    ]


def movement_view(row: MovementRow) -> MovementView:
    return MovementView(
        code=row.code,
        kind=row.kind,
        kind_label=MOVEMENT_KIND_LABEL_VI.get(row.kind, row.kind),
        name=row.name,
        year=row.year,
        plan_number=row.plan_number,
        plan_date=row.plan_date,
        opens=row.opens,
        closes=row.closes,
        description=row.description,
        contents=[ContentView.model_validate(c) for c in row.contents or []],
        awards=list(row.awards or []),
        phases=_phases(row),
    )


def _fill(row: MovementRow, spec: MovementSpec) -> None:
    row.kind = spec.kind.value
    row.name = spec.name
    row.year = spec.year
    row.plan_number = spec.plan.number
    row.plan_date = spec.plan.date
    row.opens = spec.opens
    row.closes = spec.closes
    row.description = spec.description
    row.contents = [c.model_dump() for c in spec.contents]
    row.awards = list(spec.awards)
    row.phases = [p.model_dump(mode="json") for p in spec.phases]


class SqlMovementStore:
    """Implements ``thidua.app.ports.movements.MovementStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, code: str) -> MovementRow | None:
        return self.session.scalars(select(MovementRow).where(MovementRow.code == code)).first()

    def get(self, code: str) -> MovementView | None:
        row = self._row(code)
        return movement_view(row) if row else None

    def all(self) -> list[MovementView]:
        rows = self.session.scalars(
            select(MovementRow).order_by(MovementRow.year.desc(), MovementRow.code)
        ).all()
        return [movement_view(r) for r in rows]

    def add(self, spec: MovementSpec) -> MovementView:
        row = MovementRow(agency_id=agency_id(self.session), code=spec.code)
        _fill(row, spec)
        self.session.add(row)
        self.session.flush()
        return movement_view(row)

    def replace(self, spec: MovementSpec) -> MovementView:
        row = self._row(spec.code)
        if row is None:
            raise LookupError(spec.code)
        _fill(row, spec)
        self.session.flush()
        return movement_view(row)

    def unit_name(self, code: str) -> str | None:
        return self.session.scalars(select(UnitRow.name).where(UnitRow.code == code)).first()

    def staff(self, code: str) -> StaffBrief | None:
        row = self.session.scalars(select(StaffRow).where(StaffRow.code == code)).first()
        return StaffBrief(row.code, row.full_name, row.unit.code, row.left) if row else None

    def _view(self, movement: MovementRow, row: RegistrationRow) -> RegistrationView:
        if row.subject_kind == "individual":
            name = self.session.scalars(
                select(StaffRow.full_name).where(StaffRow.code == row.subject_code)
            ).first()
        else:
            name = row.unit.name
        return RegistrationView(
            movement=movement.code,
            subject_kind=row.subject_kind,
            subject_code=row.subject_code,
            subject_name=name or row.subject_code,
            unit=row.unit.code,
            titles=list(row.titles),
            registered_by=row.registered_by,
            registered_at=row.registered_at,
            late=is_late(list(movement.phases or []), row.registered_at),
        )

    def _registration_row(self, movement_id: int, kind: str, code: str) -> RegistrationRow | None:
        return self.session.scalars(
            select(RegistrationRow).where(
                RegistrationRow.movement_id == movement_id,
                RegistrationRow.subject_kind == kind,
                RegistrationRow.subject_code == code,
            )
        ).first()

    def registration(self, movement: str, kind: str, code: str) -> RegistrationView | None:
        m = self._row(movement)
        if m is None:
            return None
        row = self._registration_row(m.id, kind, code)
        return self._view(m, row) if row else None

    def registrations(self, movement: str, units: tuple[str, ...] | None) -> list[RegistrationView]:
        m = self._row(movement)
        if m is None:
            return []
        q = (
            select(RegistrationRow)
            .join(UnitRow, UnitRow.id == RegistrationRow.unit_id)
            .where(RegistrationRow.movement_id == m.id)
            .order_by(UnitRow.code, RegistrationRow.subject_kind, RegistrationRow.subject_code)
        )
        if units is not None:
            q = q.where(UnitRow.code.in_(units))
        return [self._view(m, r) for r in self.session.scalars(q).all()]

    def put_registration(self, new: NewRegistration) -> RegistrationView:
        m = self._row(new.movement)
        unit_id = self.session.scalars(select(UnitRow.id).where(UnitRow.code == new.unit)).one()
        if m is None:
            raise LookupError(new.movement)
        row = self._registration_row(m.id, new.subject_kind, new.subject_code)
        if row is None:
            row = RegistrationRow(
                movement_id=m.id, subject_kind=new.subject_kind, subject_code=new.subject_code
            )
            self.session.add(row)
        row.unit_id = unit_id
        row.titles = list(new.titles)
        row.registered_by = new.registered_by
        row.registered_at = new.registered_at
        self.session.flush()
        self.session.refresh(row)
        return self._view(m, row)

    def registration_book(self, movement: str, year: int) -> RegistrationBook:
        m = self._row(movement)
        if m is None:
            return RegistrationBook(movement, year, has_phase=False)
        rows = self.session.scalars(
            select(RegistrationRow).where(RegistrationRow.movement_id == m.id)
        ).all()
        return RegistrationBook(
            movement,
            year,
            has_phase=registration_window(list(m.phases or [])) is not None,
            titles={(r.subject_kind, r.subject_code): tuple(r.titles) for r in rows},
        )

    def record(
        self,
        action: str,
        object_type: str,
        object_id: str,
        actor: Actor,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        audit.record(
            self.session,
            action=action,
            object_type=object_type,
            object_id=object_id,
            actor=actor.username,
            actor_role=actor.role.value,
            before=before,
            after=after,
        )
