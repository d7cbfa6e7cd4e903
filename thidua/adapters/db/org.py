"""The org store over SQLAlchemy: units, staff (with their dated assignments), council members,
the annual ratings register and movements. Every change made through ``save_*`` is audited in
the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from thidua.adapters.db import audit
from thidua.adapters.db.agency import agency_id
from thidua.adapters.db.models import (
    CouncilMemberRow,
    StaffAssignmentRow,
    StaffRatingRow,
    StaffRow,
    UnitRow,
)
from thidua.app.org_rows import UNKNOWN_START
from thidua.app.ports.org import (
    Assignment,
    Change,
    CouncilRecord,
    NewStaff,
    NewUnit,
    RatingRecord,
    StaffRecord,
    UnitRecord,
)


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

    # ---- the organisation as data (thidua.app.org) -----------------------------------------

    @staticmethod
    def _unit_record(row: UnitRow) -> UnitRecord:
        return UnitRecord(row.code, row.name, row.kind, row.short)

    def units(self) -> list[UnitRecord]:
        return [
            self._unit_record(r)
            for r in self.session.scalars(select(UnitRow).order_by(UnitRow.code))
        ]

    def unit(self, code: str) -> UnitRecord | None:
        row = self.session.scalars(select(UnitRow).where(UnitRow.code == code)).one_or_none()
        return None if row is None else self._unit_record(row)

    def save_unit(self, unit: UnitRecord, before: UnitRecord | None, by: Change) -> None:
        if before is None:
            self.session.add(
                UnitRow(
                    agency_id=agency_id(self.session),
                    code=unit.code,
                    name=unit.name,
                    short=unit.abbreviation,
                    kind=unit.kind,
                )
            )
        else:
            row = self.session.scalars(select(UnitRow).where(UnitRow.code == unit.code)).one()
            row.name, row.short, row.kind = unit.name, unit.abbreviation, unit.kind
        self.session.flush()
        audit.record(
            self.session,
            action="org.unit_created" if before is None else "org.unit_updated",
            object_type="unit",
            object_id=unit.code,
            actor=by.actor,
            actor_role=by.role,
            before=None if before is None else asdict(before),
            after=asdict(unit),
        )

    @staticmethod
    def _staff_record(row: StaffRow) -> StaffRecord:
        return StaffRecord(
            code=row.code,
            full_name=row.full_name,
            gender=row.gender,
            unit=row.unit.code,
            position=row.position,
            joined=row.joined,
            left=row.left,
            category=row.category,
            birth_year=row.birth_year,
        )

    def _staff_row(self, code: str) -> StaffRow | None:
        return self.session.scalars(select(StaffRow).where(StaffRow.code == code)).one_or_none()

    def staff_member(self, code: str) -> StaffRecord | None:
        row = self._staff_row(code)
        return None if row is None else self._staff_record(row)

    def all_staff(self) -> list[StaffRecord]:
        rows = self.session.scalars(select(StaffRow).order_by(StaffRow.code))
        return [self._staff_record(r) for r in rows]

    def assignments(self, code: str) -> list[Assignment]:
        rows = self.session.scalars(
            select(StaffAssignmentRow)
            .join(StaffRow, StaffRow.id == StaffAssignmentRow.staff_id)
            .where(StaffRow.code == code)
            .order_by(StaffAssignmentRow.valid_from, StaffAssignmentRow.id)
        )
        return [Assignment(a.unit.code, a.position, a.valid_from, a.valid_to) for a in rows]

    def units_between(self, code: str, start: date, end: date) -> set[str]:
        rows = self.session.scalars(
            select(UnitRow.code)
            .join(StaffAssignmentRow, StaffAssignmentRow.unit_id == UnitRow.id)
            .join(StaffRow, StaffRow.id == StaffAssignmentRow.staff_id)
            .where(
                StaffRow.code == code,
                StaffAssignmentRow.valid_from <= end,
                or_(StaffAssignmentRow.valid_to.is_(None), StaffAssignmentRow.valid_to >= start),
            )
        )
        return set(rows)

    def roster(self, units: Sequence[str] | None, on: date | None) -> list[tuple[str, StaffRecord]]:
        if on is None:
            query = select(UnitRow.code, StaffRow).join(UnitRow, UnitRow.id == StaffRow.unit_id)
        else:
            query = (
                select(UnitRow.code, StaffRow)
                .join(StaffAssignmentRow, StaffAssignmentRow.staff_id == StaffRow.id)
                .join(UnitRow, UnitRow.id == StaffAssignmentRow.unit_id)
                .where(
                    StaffAssignmentRow.valid_from <= on,
                    or_(StaffAssignmentRow.valid_to.is_(None), StaffAssignmentRow.valid_to >= on),
                )
            )
        if units is not None:
            query = query.where(UnitRow.code.in_(list(units)))
        rows = self.session.execute(query.order_by(UnitRow.code, StaffRow.code))
        return [(unit, self._staff_record(row)) for unit, row in rows]

    def roster_during(
        self, units: Sequence[str] | None, start: date, end: date
    ) -> list[tuple[str, StaffRecord]]:
        query = (
            select(UnitRow.code, StaffRow)
            .join(StaffAssignmentRow, StaffAssignmentRow.staff_id == StaffRow.id)
            .join(UnitRow, UnitRow.id == StaffAssignmentRow.unit_id)
            .where(
                StaffAssignmentRow.valid_from <= end,
                or_(StaffAssignmentRow.valid_to.is_(None), StaffAssignmentRow.valid_to >= start),
            )
        )
        if units is not None:
            query = query.where(UnitRow.code.in_(list(units)))
        seen: set[tuple[str, str]] = set()
        out: list[tuple[str, StaffRecord]] = []
        for unit, row in self.session.execute(query.order_by(UnitRow.code, StaffRow.code)):
            if (unit, row.code) not in seen:
                seen.add((unit, row.code))
                out.append((unit, self._staff_record(row)))
        return out

    def save_staff(
        self,
        staff: StaffRecord,
        before: StaffRecord | None,
        assignments: Sequence[Assignment],
        by: Change,
        *,
        action: str,
    ) -> None:
        codes = {staff.unit, *(a.unit for a in assignments)}
        found = self.session.execute(
            select(UnitRow.code, UnitRow.id).where(UnitRow.code.in_(codes))
        )
        unit_ids: dict[str, int] = {code: id_ for code, id_ in found}
        row = self._staff_row(staff.code)
        old_assignments = self.assignments(staff.code) if row is not None else []
        if row is None:
            row = StaffRow(agency_id=agency_id(self.session), code=staff.code)
            self.session.add(row)
        row.full_name, row.gender, row.position = staff.full_name, staff.gender, staff.position
        row.category, row.birth_year = staff.category, staff.birth_year
        row.joined, row.left = staff.joined, staff.left
        row.unit_id = unit_ids[staff.unit]
        self.session.flush()
        self.session.expire(row, ["unit"])
        if list(assignments) != old_assignments:
            self.session.execute(
                delete(StaffAssignmentRow).where(StaffAssignmentRow.staff_id == row.id)
            )
            for a in assignments:
                self.session.add(
                    StaffAssignmentRow(
                        staff_id=row.id,
                        unit_id=unit_ids[a.unit],
                        position=a.position,
                        valid_from=a.valid_from,
                        valid_to=a.valid_to,
                    )
                )
            self.session.flush()
        after: dict[str, Any] = asdict(staff)
        if list(assignments) != old_assignments:
            after["assignments"] = [asdict(a) for a in assignments]
        before_plain: dict[str, Any] | None = None
        if before is not None:
            before_plain = asdict(before)
            if "assignments" in after:
                before_plain["assignments"] = [asdict(a) for a in old_assignments]
        audit.record(
            self.session,
            action=action,
            object_type="staff",
            object_id=staff.code,
            actor=by.actor,
            actor_role=by.role,
            before=before_plain,
            after=after,
        )

    def council(self, year: int | None = None) -> list[CouncilRecord]:
        query = select(CouncilMemberRow.year, StaffRow.code, CouncilMemberRow.role).join(
            StaffRow, StaffRow.id == CouncilMemberRow.staff_id
        )
        if year is not None:
            query = query.where(CouncilMemberRow.year == year)
        rows = self.session.execute(query.order_by(CouncilMemberRow.year, StaffRow.code))
        return [CouncilRecord(y, code, role) for y, code, role in rows]

    def save_council(self, member: CouncilRecord, before: CouncilRecord | None, by: Change) -> None:
        staff = self._staff_row(member.staff_code)
        assert staff is not None
        agency = agency_id(self.session)
        row = self.session.scalars(
            select(CouncilMemberRow).where(
                CouncilMemberRow.agency_id == agency,
                CouncilMemberRow.year == member.year,
                CouncilMemberRow.staff_id == staff.id,
            )
        ).one_or_none()
        if row is None:
            row = CouncilMemberRow(agency_id=agency, year=member.year, staff_id=staff.id)
            self.session.add(row)
        row.role = member.role
        self.session.flush()
        audit.record(
            self.session,
            action="org.council_member_set",
            object_type="council_member",
            object_id=f"{member.year}/{member.staff_code}",
            actor=by.actor,
            actor_role=by.role,
            before=None if before is None else asdict(before),
            after=asdict(member),
        )

    @staticmethod
    def _rating_record(code: str, r: StaffRatingRow) -> RatingRecord:
        return RatingRecord(
            year=r.year,
            staff_code=code,
            rating=r.rating,
            months_worked=r.months_worked,
            maternity_months=r.maternity_months,
            discipline=r.discipline,
            discipline_until=r.discipline_until,
        )

    def rating(self, staff_code: str, year: int) -> RatingRecord | None:
        found = self.ratings(year, [staff_code])
        return found[0] if found else None

    def ratings(self, year: int, staff_codes: Sequence[str] | None) -> list[RatingRecord]:
        query = (
            select(StaffRow.code, StaffRatingRow)
            .join(StaffRow, StaffRow.id == StaffRatingRow.staff_id)
            .where(StaffRatingRow.year == year)
        )
        if staff_codes is not None:
            query = query.where(StaffRow.code.in_(list(staff_codes)))
        rows = self.session.execute(query.order_by(StaffRow.code))
        return [self._rating_record(code, r) for code, r in rows]

    def save_rating(self, rating: RatingRecord, before: RatingRecord | None, by: Change) -> None:
        staff = self._staff_row(rating.staff_code)
        assert staff is not None
        row = self.session.scalars(
            select(StaffRatingRow).where(
                StaffRatingRow.staff_id == staff.id, StaffRatingRow.year == rating.year
            )
        ).one_or_none()
        if row is None:
            row = StaffRatingRow(
                agency_id=agency_id(self.session), staff_id=staff.id, year=rating.year
            )
            self.session.add(row)
        row.rating, row.months_worked = rating.rating, rating.months_worked
        row.maternity_months, row.discipline = rating.maternity_months, rating.discipline
        row.discipline_until = rating.discipline_until
        row.updated_by, row.updated_at = by.actor[:64], datetime.now(UTC)
        self.session.flush()
        audit.record(
            self.session,
            action="ratings.rating_created" if before is None else "ratings.rating_updated",
            object_type="staff_rating",
            object_id=f"{rating.year}/{rating.staff_code}",
            actor=by.actor,
            actor_role=by.role,
            before=None if before is None else asdict(before),
            after=asdict(rating),
        )
