"""Roster and register queries over SQLAlchemy (staff assignments on a date, ratings)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from thidua.adapters.db.models import (
    MovementRow,
    StaffAssignmentRow,
    StaffRatingRow,
    StaffRow,
    UnitRow,
)
from thidua.domain.roster import Assignment, RegisterEntry, RosterMember


class SqlRosterQueries:
    """Implements ``thidua.app.ports.roster.RosterQueries``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def roster_on(self, on: date, unit_code: str | None = None) -> list[RosterMember]:
        query = (
            select(StaffRow.code, StaffRow.full_name, StaffRow.gender, UnitRow.code)
            .join(StaffAssignmentRow, StaffAssignmentRow.staff_id == StaffRow.id)
            .join(UnitRow, UnitRow.id == StaffAssignmentRow.unit_id)
            .where(
                StaffAssignmentRow.valid_from <= on,
                or_(StaffAssignmentRow.valid_to.is_(None), StaffAssignmentRow.valid_to >= on),
                or_(StaffRow.left.is_(None), StaffRow.left >= on),
            )
            .order_by(StaffRow.code, StaffAssignmentRow.valid_from.desc())
        )
        if unit_code is not None:
            query = query.where(UnitRow.code == unit_code)
        seen: set[str] = set()
        out: list[RosterMember] = []
        for code, name, gender, unit in self.session.execute(query):
            if code in seen:  # overlapping assignments: the one that started last holds them
                continue
            seen.add(code)
            out.append(RosterMember(code, name, gender, unit))
        return sorted(out, key=lambda m: (m.unit_code, m.staff_code))

    def assignments_in(self, year: int) -> list[Assignment]:
        rows = self.session.execute(
            select(
                StaffRow.code,
                UnitRow.code,
                StaffAssignmentRow.valid_from,
                StaffAssignmentRow.valid_to,
            )
            .join(StaffRow, StaffRow.id == StaffAssignmentRow.staff_id)
            .join(UnitRow, UnitRow.id == StaffAssignmentRow.unit_id)
            .where(
                StaffAssignmentRow.valid_from <= date(year, 12, 31),
                or_(
                    StaffAssignmentRow.valid_to.is_(None),
                    StaffAssignmentRow.valid_to >= date(year, 1, 1),
                ),
            )
            .order_by(StaffRow.code, StaffAssignmentRow.valid_from)
        )
        return [Assignment(s, u, f, t) for s, u, f, t in rows]

    def register(
        self, year: int, staff_codes: Collection[str] | None = None
    ) -> list[RegisterEntry]:
        query = (
            select(StaffRatingRow, StaffRow.code)
            .join(StaffRow, StaffRow.id == StaffRatingRow.staff_id)
            .where(StaffRatingRow.year == year)
            .order_by(StaffRow.code)
        )
        if staff_codes is not None:
            query = query.where(StaffRow.code.in_(list(staff_codes)))
        return [
            RegisterEntry(
                staff_code=code,
                year=r.year,
                rating=r.rating,
                months_worked=r.months_worked,
                maternity_months=r.maternity_months,
                discipline=r.discipline,
                discipline_until=r.discipline_until,
            )
            for r, code in self.session.execute(query)
        ]

    def final_review_start(self, movement_code: str) -> date | None:
        phases = self.session.scalar(
            select(MovementRow.phases).where(MovementRow.code == movement_code)
        )
        for p in phases or []:
            if isinstance(p, dict) and p.get("phase") == "final_review" and p.get("starts"):
                try:
                    return date.fromisoformat(str(p["starts"]))
                except ValueError:
                    return None
        return None
