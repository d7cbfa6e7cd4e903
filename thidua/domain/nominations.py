"""The nomination's vocabulary: stages, steps, evaluations, and the workflow's and activities' inputs.

Plain data (pydantic models and enums) so it can travel through Temporal payloads; no I/O.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# The payloads' vocabulary from the rules engine, re-exported for the workflows and use cases.
from rules.decision import DecisionStatus as DecisionStatus
from rules.decision import RulesetRef as RulesetRef
from thidua.domain.roles import Actor, Role


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


class ReviewDecision(StrEnum):
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
    decision: ReviewDecision
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

    status: DecisionStatus
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
    # False: evaluate only, store nothing (a resume tries the proposed facts before applying them).
    record: bool = True


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
