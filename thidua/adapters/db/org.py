"""The org store over SQLAlchemy: units, staff and movements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from thidua.adapters.db.agency import agency_id
from thidua.adapters.db.models import MovementRow, StaffAssignmentRow, StaffRow, UnitRow
from thidua.app.ports.org import NewMovement, NewStaff, NewUnit

#: The start of an assignment whose start is not known (staff loaded without ``joined``).
UNKNOWN_START = date(1900, 1, 1)


class SqlOrgStore:
    """Implements ``thidua.app.ports.org.OrgStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # ---- seeding and account administration (the ACCOUNTS area) ----------------------------

    def has_units(self) -> bool:
        return (self.session.scalar(select(func.count()).select_from(UnitRow)) or 0) > 0

    def unit_codes(self) -> list[str]:
        return list(self.session.scalars(select(UnitRow.code).order_by(UnitRow.code)))

    def add_units(self, units: Sequence[NewUnit]) -> None:
        for u in units:
            self.session.add(
                UnitRow(
                    agency_id=agency_id(self.session),
                    code=u.code,
                    name=u.name,
                    short=u.short,
                    kind=u.kind,
                )
            )
        self.session.flush()

    def add_staff(self, staff: Sequence[NewStaff]) -> None:
        rows = self.session.execute(
            select(UnitRow.code, UnitRow.id).where(UnitRow.code.in_({s.unit for s in staff}))
        )
        unit_ids = {code: id_ for code, id_ in rows}
        agency = agency_id(self.session)
        for s in staff:
            row = StaffRow(
                agency_id=agency,
                code=s.code,
                full_name=s.full_name,
                gender=s.gender,
                position=s.position,
                birth_year=s.birth_year,
                joined=s.joined,
                category=s.category,
                unit_id=unit_ids[s.unit],
            )
            self.session.add(row)
            self.session.flush()
            self.session.add(
                StaffAssignmentRow(
                    staff_id=row.id,
                    unit_id=row.unit_id,
                    position=row.position,
                    valid_from=s.joined or UNKNOWN_START,
                    valid_to=None,
                )
            )
        self.session.flush()

    def add_movement(self, movement: NewMovement) -> None:
        m = movement
        self.session.add(
            MovementRow(
                agency_id=agency_id(self.session),
                code=m.code,
                name=m.name,
                year=m.year,
                plan_number=m.plan_number,
                plan_date=m.plan_date,
                opens=m.opens,
                closes=m.closes,
                description=m.description,
            )
        )
        self.session.flush()
