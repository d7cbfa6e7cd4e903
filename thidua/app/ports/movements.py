"""Ports of the movements: the annual review and thematic movements, and registrations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from pydantic import BaseModel

from thidua.domain.appraisal.registrations import RegistrationBook
from thidua.domain.movements import MovementSpec
from thidua.domain.roles import Actor


class ContentView(BaseModel):
    """One content of a thematic movement (nội dung thi đua)."""

    code: str
    text: str


class PhaseView(BaseModel):
    """A phase of the movement: registration, interim review or final review."""

    phase: str
    label: str
    starts: date
    ends: date


class MovementView(BaseModel):
    """A movement as stored: its plan, dates, contents, awards and phases."""

    code: str
    kind: str
    kind_label: str
    name: str
    year: int
    plan_number: str
    plan_date: date
    opens: date
    closes: date
    description: str
    contents: list[ContentView]
    awards: list[str]
    phases: list[PhaseView]
    """In the order registration, interim review, final review."""

    def registration(self) -> PhaseView | None:
        return next((p for p in self.phases if p.phase == "registration"), None)


class RegistrationView(BaseModel):
    """An emulation registration (đăng ký thi đua) of a unit or a staff member."""

    movement: str
    subject_kind: str
    subject_code: str
    subject_name: str
    unit: str
    titles: list[str]
    registered_by: str
    registered_at: datetime
    late: bool
    """Recorded after the registration phase ended (or before it began) by the Office."""


@dataclass(frozen=True)
class NewRegistration:
    movement: str
    subject_kind: str  # individual | collective
    subject_code: str
    unit: str
    titles: tuple[str, ...]
    registered_by: str
    registered_at: datetime


@dataclass(frozen=True)
class StaffBrief:
    code: str
    full_name: str
    unit: str
    left: date | None = None


class MovementStore(Protocol):
    """What the movement and registration use cases read and write in one transaction."""

    def get(self, code: str) -> MovementView | None: ...

    def all(self) -> list[MovementView]: ...

    def add(self, spec: MovementSpec) -> MovementView:
        """Store a new movement under the deployment's agency."""
        ...

    def replace(self, spec: MovementSpec) -> MovementView:
        """Overwrite the movement ``spec.code`` with ``spec``."""
        ...

    def unit_name(self, code: str) -> str | None:
        """The unit's name, None if there is no such unit."""
        ...

    def staff(self, code: str) -> StaffBrief | None:
        """A staff member and the unit that holds them now."""
        ...

    def registration(self, movement: str, kind: str, code: str) -> RegistrationView | None: ...

    def registrations(self, movement: str, units: tuple[str, ...] | None) -> list[RegistrationView]:
        """The movement's registrations (of ``units`` only unless None), by unit and subject."""
        ...

    def put_registration(self, new: NewRegistration) -> RegistrationView:
        """Create, or replace the titles of, the registration (movement, kind, code)."""
        ...

    def registration_book(self, movement: str, year: int) -> RegistrationBook:
        """What the consolidation needs to flag titles nobody registered for."""
        ...

    def record(
        self,
        action: str,
        object_type: str,
        object_id: str,
        actor: Actor,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        """Append an audit entry in this transaction."""
        ...
