"""What the round's documents are built from: a read-only snapshot of one consolidation round.

The documents store (``thidua.app.ports.documents``) loads it in the issuing transaction; the
builders (:mod:`thidua.domain.documents.round`) read nothing else, so a document is a pure
function of this snapshot, the round's ruleset, its number and its date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AwardItemRecord",
    "CouncilMeetingRecord",
    "IssuedDocument",
    "MovementRecord",
    "NominationRecord",
    "ObjectionNote",
    "PersonRecord",
    "RoundSnapshot",
    "StaffRecord",
    "UnitRecord",
]


@dataclass(frozen=True)
class UnitRecord:
    id: int
    code: str
    name: str
    kind: str  # leadership | division | public_service_unit


@dataclass(frozen=True)
class StaffRecord:
    code: str
    full_name: str
    gender: str
    position: str
    unit: UnitRecord


@dataclass(frozen=True)
class PersonRecord:
    """A signer or council officer: the name to print and their staff record when known."""

    name: str
    staff: StaffRecord | None = None


@dataclass(frozen=True)
class NominationRecord:
    id: int
    key: str
    kind: str  # "individual" | "collective"
    unit: UnitRecord
    nominee_code: str
    nominee_name: str
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AwardItemRecord:
    """One title or form proposed in the round, with where the council and Director left it."""

    id: int
    rank: int
    code: str
    level: str  # "director" | "province"
    council_status: str | None
    director_status: str | None
    province_status: str | None
    revoked: bool
    amount_vnd: int | None
    tally: Mapping[str, Any]
    nomination: NominationRecord
    revoked_reason: str | None = None


@dataclass(frozen=True)
class CouncilMeetingRecord:
    held_on: dt.date
    members: tuple[Mapping[str, Any], ...]
    ballots: tuple[Mapping[str, Any], ...]
    #: The meeting's count (``thidua.domain.council.MeetingCount``: quorum, ballot papers), its
    #: ``counting_board`` and ``established_by`` (empty for a meeting recorded before them).
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ObjectionNote:
    """An objection to the round's published list as the council's minutes report it: the
    nominee and title it named and where it stands (never who objected)."""

    nominee_name: str
    title: str | None  # None: every title of the nomination
    status: str  # open | upheld | dismissed


@dataclass(frozen=True)
class MovementRecord:
    name: str
    year: int
    plan_number: str
    plan_date: dt.date
    #: The plan's contents (code, text), each assessed for every nominee; none for an annual
    #: review.
    contents: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RoundSnapshot:
    """One round as its documents see it."""

    key: str
    year: int
    ruleset_id: str
    ruleset_version: str
    movement: MovementRecord
    appraisal_results: tuple[Mapping[str, Any], ...]
    items: tuple[AwardItemRecord, ...]  # by rank
    nominations: tuple[NominationRecord, ...]  # gathered, holding an item or appraised
    meeting: CouncilMeetingRecord | None
    units: tuple[UnitRecord, ...]
    staff: tuple[StaffRecord, ...]
    director: PersonRecord | None
    """The account holding the Director's role: who signs when no staff member of the leadership
    holds the profile's head title (None: nobody else to sign)."""
    secretary: PersonRecord | None
    objections: tuple[ObjectionNote, ...] = ()
    """The objections to the published list, oldest first."""


@dataclass(frozen=True)
class IssuedDocument:
    """A document of a round as recorded: its number, its files by format, the Word hash and
    the date it bears (as entered in the register; None when not known)."""

    round_key: str
    kind: str
    number: str
    files: Mapping[str, str | None]
    sha256: str
    issued_on: dt.date | None = None
