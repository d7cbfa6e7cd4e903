"""The appraisal's records: a candidate as the Office receives it, its result, the round's list."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from thidua.domain.nominations import Dossier


class Candidate(BaseModel):
    """One nomination approved by its unit, as the Office receives it at closing."""

    model_config = ConfigDict(extra="forbid")

    key: str
    kind: Literal["individual", "collective"]
    unit: str
    name: str
    gender: Literal["nam", "nu"] | None = None
    facts: dict[str, Any]
    dossier: Dossier | None = None
    order: int
    """Submission order (earlier = smaller): decides who keeps a shared initiative."""
    pinned: tuple[str, str] | None = None
    """(ruleset_id, version) the nomination was first evaluated with."""


class PastInitiativeUse(BaseModel):
    """An initiative that already backed an earlier award (`used_by`: that award's key)."""

    model_config = ConfigDict(extra="forbid")

    initiative_id: str
    used_by: str
    code: str | None = None
    """The award that used it (None: unknown)."""
    recorded: bool = True
    """False for an award finalised before its grounds were recorded (migration 0014): every
    initiative of its nomination is taken as used, unless the award reads none (LĐTT…)."""


class InitiativeChoice(BaseModel):
    """The Office's choice of the award one initiative of a nomination grounds (the other awards
    it would ground are evaluated without it)."""

    model_config = ConfigDict(extra="forbid")

    nomination: str
    initiative: str
    award: str


class InitiativeConflict(BaseModel):
    """An initiative that would ground several awards of one nomination, and who keeps it."""

    model_config = ConfigDict(extra="forbid")

    initiative: str
    awards: list[str]
    """The award codes it would ground (ruleset order)."""
    kept_by: str
    """The award it grounds: the Office's choice, else the highest of ``awards``."""
    chosen: bool
    """True when the Office chose ``kept_by``; False when it is the default."""
    lost: list[str] = Field(default_factory=list)
    """Awards the nomination no longer holds once the others are evaluated without it."""


class Flag(BaseModel):
    """A finding of the consolidation, for the Office and the council to see."""

    model_config = ConfigDict(extra="forbid")

    code: str
    message_vi: str
    related: list[str] = Field(default_factory=list)


class Outcome(StrEnum):
    RECOMMENDED = "recommended"
    NOT_ELIGIBLE = "not_eligible"
    RETURNED = "returned"
    ON_HOLD = "on_hold"


class CandidateResult(BaseModel):
    """The Office's appraisal of one nomination."""

    model_config = ConfigDict(extra="forbid")

    key: str
    kind: Literal["individual", "collective"]
    unit: str
    name: str
    outcome: Outcome
    reason_vi: str | None
    titles: list[str]
    """Titles the Director decides (candidates for them)."""
    proposals: list[str]
    """Forms proposed to the province."""
    decision: dict[str, Any] | None
    """`Decision.model_dump(mode="json")` of the final evaluation (None when not evaluated)."""
    facts_used: dict[str, Any]
    """Facts after cross-nomination adjustments (initiatives removed, collective counts)."""
    flags: list[Flag]
    rank: int
    """0-based index in the consolidated ordering (see :func:`appraise`, rule 6)."""
    initiative_grounds: dict[str, list[str]] = Field(default_factory=dict)
    """Award code → the initiatives it rests on (rules/grounds.py); what the award consumes
    once approved. Awards that need no initiative are not listed."""
    initiative_conflicts: list[InitiativeConflict] = Field(default_factory=list)
    """Initiatives that would ground two or more of its awards (rule 3b)."""
    member_basis: dict[str, Any] | None = None
    """A collective counted from its whole roster (rule 5): ``members`` (roster size),
    ``register_ldtt`` (members not nominated whom the register qualifies for LDTT) and
    ``nominees`` (keys of the members nominated in the round); the council's vote recounts from
    it. None when counted from the round's nominees only."""


class Appraisal(BaseModel):
    """The consolidated list of a round."""

    model_config = ConfigDict(extra="forbid")

    results: list[CandidateResult]
    """Every nomination, sorted by `rank`."""
    by_title: dict[str, list[str]]
    """Title/proposal code -> keys of the RECOMMENDED candidates in tie-break order."""
    by_unit: dict[str, list[str]]
    """Unit -> keys of all its candidates, in rank order."""
    flags: list[Flag]
    """Round-level findings involving several nominations (one flag per event)."""


def as_int(value: object) -> int | None:
    """``value`` when it is an int (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def label(c: Candidate | CandidateResult) -> str:
    """How a flag names a candidate: ``name (key)``."""
    return f"{c.name} ({c.key})"
