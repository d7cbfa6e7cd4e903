"""The Office's consolidation round: its stages, steps, council and the Director's decision.

Plain data (pydantic models and enums) for Temporal payloads; no I/O.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

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
    """A council member at the meeting: attending (``present``), absent with a written vote, or
    absent. ``staff_code`` identifies them (filled from the year's council membership register
    by name when left out), so a member who is an item's nominee does not vote on it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    present: bool = True
    written_vote: bool = Field(default=False, description="Vắng mặt, gửi phiếu bằng văn bản")
    staff_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="Mã cán bộ của thành viên (bỏ trống: tìm theo họ tên trong danh sách Hội đồng)",
    )

    @property
    def attends(self) -> bool:
        """At the meeting in person: a member who voted in writing was absent."""
        return self.present and not self.written_vote

    @property
    def votes(self) -> bool:
        """Casts a ballot: in person or in writing."""
        return self.present or self.written_vote


class Ballot(BaseModel):
    """Secret-ballot totals for one title of one nomination (written votes of absent members included)."""

    model_config = ConfigDict(extra="forbid")

    nomination: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=32)
    in_favour: int = Field(ge=0, le=1000)
    against: int = Field(default=0, ge=0, le=1000)
    abstain: int = Field(default=0, ge=0, le=1000)


class CouncilMeetingFacts(BaseModel):
    """What the meeting's records say beside attendance and ballots (all optional: a payload
    without them stays valid, and the documents print a placeholder to fill in)."""

    model_config = ConfigDict(extra="forbid")

    established_by: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description=(
            "Quyết định thành lập (kiện toàn) Hội đồng, ví dụ «Quyết định số 15/QĐ-SNV ngày "
            "10/01/2026 của Giám đốc Sở Nội vụ»"
        ),
    )
    counting_board: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=7,
        description="Ban kiểm phiếu: họ tên, Trưởng ban trước",
    )
    ballots_received: int | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="Số phiếu thu về (bỏ trống: bằng số phiếu phát ra)",
    )
    ballots_invalid: int = Field(default=0, ge=0, le=1000, description="Số phiếu không hợp lệ")


class RecordCouncilInput(CouncilMeetingFacts):
    model_config = ConfigDict(extra="ignore")

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
