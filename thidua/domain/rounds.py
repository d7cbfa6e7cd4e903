"""The Office's consolidation round: its stages, steps, council and the Director's decision.

Plain data (pydantic models and enums) for Temporal payloads; no I/O.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from thidua.domain.roles import Actor


class RoundStage(StrEnum):
    OPEN = "open"
    PUBLICATION = "publication"  # the consolidated list published to all staff before the council
    COUNCIL = "council"
    DIRECTOR = "director"
    OFFICE = "office"  # returned by the Director to the Office
    DECIDED = "decided"


class LatePolicy(StrEnum):
    REFUSE = "refuse"
    NEXT_ROUND = "next_round"


class ConsolidationWorkflowInput(BaseModel):
    round_key: str
    movement_code: str
    year: int
    closes_at: datetime
    reminder_every: timedelta
    opened_by: Actor
    late_policy: LatePolicy
    publication_days: int = 0
    """Working days the consolidated list is published to all staff after each closing (0: the
    council may vote at once; rounds started before publication existed have none)."""


class CloseRoundInput(BaseModel):
    actor: Actor


class CouncilMember(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    present: bool = True
    written_vote: bool = Field(default=False, description="Vắng mặt, gửi phiếu bằng văn bản")


class Ballot(BaseModel):
    """Secret-ballot totals for one title of one nomination (written votes of absent members included)."""

    model_config = ConfigDict(extra="forbid")

    nomination: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=32)
    in_favour: int = Field(ge=0, le=1000)
    against: int = Field(default=0, ge=0, le=1000)
    abstain: int = Field(default=0, ge=0, le=1000)


class RecordCouncilInput(BaseModel):
    actor: Actor
    held_on: date
    members: list[CouncilMember]
    ballots: list[Ballot]


class DirectorRejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nomination: str = Field(min_length=1, max_length=200)
    title: str | None = Field(default=None, description="Bỏ trống: mọi danh hiệu của hồ sơ")
    reason: str = Field(min_length=1, max_length=2000)


class RoundDecision(StrEnum):
    APPROVE = "approve"
    RETURN = "return"


class DecideRoundInput(BaseModel):
    actor: Actor
    action: RoundDecision
    reject: list[DirectorRejection] = Field(default_factory=list)
    reason: str | None = None


class RoundStep(BaseModel):
    seq: int
    action: str
    stage_to: RoundStage
    actor: str | None
    reason: str | None
    at: datetime


class RoundStatus(BaseModel):
    round_key: str
    stage: RoundStage
    closes_at: datetime
    steps: list[RoundStep]
    summary: dict[str, int] = Field(default_factory=dict)
    published_until: datetime | None = None


class RoundActivityInput(BaseModel):
    """Input of the round's activities: which round, the step being taken and its payload."""

    round_key: str
    step: RoundStep
    council: RecordCouncilInput | None = None
    decision: DecideRoundInput | None = None
    closed_by: Actor | None = None
    published_until: datetime | None = None
    """At closing: when the publication of the consolidated list ends (from the closing)."""


def round_key(movement_code: str, year: int, seq: int) -> str:
    return f"{movement_code}_{year}_dot{seq}"


def round_workflow_id(key: str, prefix: str = "") -> str:
    return f"{prefix}round-{key}"


#: The forms proposed to the province: the Director approves the proposal, the province decides.
PROVINCE_LEVEL = frozenset({"TTLDXS", "BANG_KHEN_UBND_TINH"})

#: Who decides an award item: the Director, or the province on the Director's proposal.
AwardLevel = Literal["director", "province"]


def award_level(code: str) -> AwardLevel:
    """Who decides the title or form ``code``."""
    return "province" if code in PROVINCE_LEVEL else "director"
