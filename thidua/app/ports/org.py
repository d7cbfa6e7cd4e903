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


@dataclass(frozen=True)
class NewMovement:
    code: str
    name: str
    year: int
    plan_number: str
    plan_date: date
    opens: date
    closes: date
    description: str


class OrgStore(Protocol):
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

    def add_movement(self, movement: NewMovement) -> None: ...
