"""Ports of the organisation: the Department's units, staff and emulation movements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class NewUnit:
    code: str
    name: str
    short: str
    kind: str  # leadership | division | public_service_unit


@dataclass(frozen=True)
class NewStaff:
    code: str
    full_name: str
    gender: str  # nam | nu
    position: str
    birth_year: int | None
    unit: str  # the unit's code
    joined: date | None = None
    category: str | None = None


# ---- the organisation as data (import, export, single-record reads and corrections) ---------


@dataclass(frozen=True)
class UnitRecord:
    """A unit as the ``units`` table holds it."""

    code: str
    name: str
    kind: str
    abbreviation: str


@dataclass(frozen=True)
class StaffRecord:
    """A staff member as the ``staff`` table holds it (``unit``/``position``: the StaffRow's
    mirror of the assignment in force)."""

    code: str
    full_name: str
    gender: str
    unit: str
    position: str
    joined: date | None
    left: date | None
    category: str | None = None
    birth_year: int | None = None


@dataclass(frozen=True)
class Assignment:
    """A staff member in a unit from ``valid_from`` to ``valid_to`` (inclusive; None = open)."""

    unit: str
    position: str
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class CouncilRecord:
    year: int
    staff_code: str
    role: str  # chair | vice_chair | member | secretary


@dataclass(frozen=True)
class RatingRecord:
    """One row of the annual ratings register."""

    year: int
    staff_code: str
    rating: str
    months_worked: int
    maternity_months: int
    discipline: str
    discipline_until: date | None


@dataclass(frozen=True)
class Change:
    """Who changes the organisation, for the audit log."""

    actor: str
    role: str


class OrgRecords(Protocol):
    """The organisation's records read and written one by one (audited by the store)."""

    def units(self) -> list[UnitRecord]: ...
    def unit(self, code: str) -> UnitRecord | None: ...
    def save_unit(self, unit: UnitRecord, before: UnitRecord | None, by: Change) -> None:
        """Create (``before`` None) or update a unit; audited ``org.unit_created|updated``."""
        ...

    def staff_member(self, code: str) -> StaffRecord | None: ...
    def all_staff(self) -> list[StaffRecord]: ...
    def assignments(self, code: str) -> list[Assignment]:
        """A staff member's assignments, oldest first."""
        ...

    def units_between(self, code: str, start: date, end: date) -> set[str]:
        """The units holding staff member ``code`` on any day from ``start`` to ``end``."""
        ...

    def roster(self, units: Sequence[str] | None, on: date | None) -> list[tuple[str, StaffRecord]]:
        """(unit on ``on``, staff) of every staff member assigned to one of ``units`` (all if
        None) on ``on`` (their current unit when None), by unit then code."""
        ...

    def roster_during(
        self, units: Sequence[str] | None, start: date, end: date
    ) -> list[tuple[str, StaffRecord]]:
        """(unit, staff) of every assignment to one of ``units`` (all if None) overlapping
        ``start``..``end``, once per unit and staff member, by unit then code."""
        ...

    def save_staff(
        self,
        staff: StaffRecord,
        before: StaffRecord | None,
        assignments: Sequence[Assignment],
        by: Change,
        *,
        action: str,
    ) -> None:
        """Create or update a staff member and replace their assignments; audited ``action``."""
        ...

    def council(self, year: int | None = None) -> list[CouncilRecord]: ...
    def save_council(
        self, member: CouncilRecord, before: CouncilRecord | None, by: Change
    ) -> None: ...

    def rating(self, staff_code: str, year: int) -> RatingRecord | None: ...
    def ratings(self, year: int, staff_codes: Sequence[str] | None) -> list[RatingRecord]: ...
    def save_rating(
        self, rating: RatingRecord, before: RatingRecord | None, by: Change
    ) -> None: ...


class OrgStore(OrgRecords, Protocol):
    """What the org use cases read and write in one transaction."""

    # ---- seeding and account administration (the ACCOUNTS area)
    def has_units(self) -> bool:
        """Whether any unit exists (the organisation has been loaded)."""
        ...

    def unit_codes(self) -> list[str]:
        """Every unit's code, sorted."""
        ...

    def add_units(self, units: Sequence[NewUnit]) -> None: ...

    def add_staff(self, staff: Sequence[NewStaff]) -> None:
        """Add staff members to existing units."""
        ...
