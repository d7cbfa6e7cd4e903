"""Domain vocabulary shared by workflows, activities, services, the API and the CLI.

Everything here is plain data (pydantic models and enums) so it can travel through Temporal
payloads; nothing here does I/O.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Stage(StrEnum):
    SUBMITTED = "submitted"
    UNIT_REVIEW = "unit_review"
    OFFICE_REVIEW = "office_review"
    DIRECTOR_REVIEW = "director_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    ON_HOLD = "on_hold"

    @property
    def is_final(self) -> bool:
        return self in (Stage.APPROVED, Stage.REJECTED)


STAGE_LABEL_VI: dict[Stage, str] = {
    Stage.SUBMITTED: "Đã nộp",
    Stage.UNIT_REVIEW: "Đơn vị xét",
    Stage.OFFICE_REVIEW: "Văn phòng Sở thẩm định",
    Stage.DIRECTOR_REVIEW: "Giám đốc phê duyệt",
    Stage.APPROVED: "Đã phê duyệt",
    Stage.REJECTED: "Không phê duyệt",
    Stage.RETURNED: "Trả lại để bổ sung",
    Stage.ON_HOLD: "Tạm dừng xét",
}


class Role(StrEnum):
    UNIT_OFFICER = "unit_officer"
    UNIT_HEAD = "unit_head"
    OFFICE = "office"
    COUNCIL_SECRETARY = "council_secretary"
    DIRECTOR = "director"
    RULES_ADMIN = "rules_admin"
    AUDITOR = "auditor"
    PIPELINE = "pipeline"


# Roles that see only their own unit's (or granted units') objects.
UNIT_SCOPED_ROLES = frozenset({Role.UNIT_OFFICER, Role.UNIT_HEAD, Role.PIPELINE})


class Decision(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"


class Action(StrEnum):
    """What a recorded step did."""

    SUBMIT = "submit"
    EVALUATE = "evaluate"
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    RESUBMIT = "resubmit"
    HOLD = "hold"
    RESUME = "resume"


class Actor(BaseModel):
    """Who acts: an authenticated user with a role and, for unit-scoped roles, their units."""

    model_config = ConfigDict(frozen=True)

    username: str
    role: Role
    units: tuple[str, ...] = ()

    def owns_unit(self, unit_code: str) -> bool:
        return unit_code in self.units


class StageDeadlines(BaseModel):
    """How long each waiting stage may last, and how often a reminder is sent meanwhile."""

    unit_review: timedelta
    office_review: timedelta
    director_review: timedelta
    returned: timedelta
    reminder_every: timedelta

    def for_stage(self, stage: Stage) -> timedelta | None:
        value = getattr(self, stage.value, None)
        return value if isinstance(value, timedelta) else None


class Dossier(BaseModel):
    """What the unit attaches to a nomination (references to the documents it holds)."""

    model_config = ConfigDict(extra="forbid")

    achievement_report: str | None = Field(
        default=None, max_length=500, description="Báo cáo thành tích"
    )
    review_minutes: str | None = Field(default=None, max_length=500, description="Biên bản họp xét")
    evidence: list[str] = Field(default_factory=list, max_length=50, description="Minh chứng")


class RulesetRef(BaseModel):
    id: str
    version: str
    sha256: str


class NominationWorkflowInput(BaseModel):
    nomination_id: str
    unit_code: str
    movement_code: str
    year: int
    kind: str
    nominee_code: str
    facts: dict[str, Any]
    submitted_by: Actor
    as_of: date
    deadlines: StageDeadlines


class ReviewNominationInput(BaseModel):
    actor: Actor
    decision: Decision
    reason: str | None = None
    # Set by the Office's consolidation round: the appraised result replaces the nomination's own.
    evaluation: EvaluationSummary | None = None


class ResubmitNominationInput(BaseModel):
    actor: Actor
    facts: dict[str, Any]
    reason: str | None = None


class HoldNominationInput(BaseModel):
    actor: Actor
    reason: str


class ResumeNominationInput(BaseModel):
    actor: Actor
    reason: str | None = None
    facts: dict[str, Any] | None = None


class ReevaluateCriteriaInput(BaseModel):
    """A rules admin re-evaluates an in-flight nomination under another published version."""

    actor: Actor
    ruleset: RulesetRef
    reason: str | None = None


class StepRecord(BaseModel):
    seq: int
    action: Action
    stage_from: Stage | None
    stage_to: Stage
    actor: str | None
    actor_role: Role | None
    reason: str | None
    at: datetime


class EvaluationSummary(BaseModel):
    """What the rules engine decided, as kept in workflow history and in our database."""

    status: str
    titles: list[str] = Field(default_factory=list)
    proposals: list[str] = Field(default_factory=list)
    ruleset: RulesetRef


class NominationStatus(BaseModel):
    nomination_id: str
    stage: Stage
    stage_entered_at: datetime
    deadline: datetime | None
    evaluation: EvaluationSummary | None
    steps: list[StepRecord]


# ---- activity inputs -------------------------------------------------------------------


class RecordStepInput(BaseModel):
    workflow_id: str
    run_id: str
    nomination_id: str
    step: StepRecord
    deadline: datetime | None = None
    facts: dict[str, Any] | None = None


class EvaluateCriteriaInput(BaseModel):
    workflow_id: str
    nomination_id: str
    seq: int
    facts: dict[str, Any]
    as_of: date
    pinned: RulesetRef | None = None
    phase: str
    # Re-pin the nomination to the evaluated version (an admin's explicit re-evaluation).
    repin: bool = False
    # Who asked for a re-evaluation and why: audited with the evaluation, in its transaction.
    requested_by: Actor | None = None
    reason: str | None = None


class StageAlertKind(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"


class RecordStageAlertInput(BaseModel):
    workflow_id: str
    nomination_id: str
    key: str
    kind: StageAlertKind
    stage: Stage
    deadline: datetime
    at: datetime


def nomination_key(movement_code: str, year: int, nominee_code: str) -> str:
    """Business key of a nomination: one per nominee, movement and year."""
    return f"{movement_code}_{year}_{nominee_code}"


def workflow_id_for(nomination_id: str, prefix: str = "") -> str:
    return f"{prefix}nomination-{nomination_id}"


ReviewNominationInput.model_rebuild()


# ---- the Office's consolidation round -----------------------------------------------------


class RoundStage(StrEnum):
    OPEN = "open"
    COUNCIL = "council"
    DIRECTOR = "director"
    OFFICE = "office"  # returned by the Director to the Office
    DECIDED = "decided"


ROUND_STAGE_LABEL_VI: dict[RoundStage, str] = {
    RoundStage.OPEN: "Đang nhận hồ sơ",
    RoundStage.COUNCIL: "Chờ Hội đồng bỏ phiếu",
    RoundStage.DIRECTOR: "Chờ Giám đốc quyết định",
    RoundStage.OFFICE: "Giám đốc trả lại Văn phòng",
    RoundStage.DECIDED: "Đã quyết định",
}


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


class RoundActivityInput(BaseModel):
    """Input of the round's activities: which round, the step being taken and its payload."""

    round_key: str
    step: RoundStep
    council: RecordCouncilInput | None = None
    decision: DecideRoundInput | None = None
    closed_by: Actor | None = None


def round_key(movement_code: str, year: int, seq: int) -> str:
    return f"{movement_code}_{year}_dot{seq}"


def round_workflow_id(key: str, prefix: str = "") -> str:
    return f"{prefix}round-{key}"
