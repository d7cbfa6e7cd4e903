"""Ports of the nomination use cases: the store (our records of each nomination, its steps,
evaluations and alerts, the event feed) and the nomination workflows, driven through Temporal by
``thidua.adapters.temporal.nominations``; and the records and views they exchange."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from pydantic import BaseModel

from rules.canonical import Encoding
from rules.decision import RulesetRef
from thidua.domain.nominations import (
    HoldNominationInput,
    NominationStatus,
    NominationWorkflowInput,
    RecordStageAlertInput,
    RecordStepInput,
    ReevaluateCriteriaInput,
    ResubmitNominationInput,
    ResumeNominationInput,
    ReviewNominationInput,
    Stage,
)
from thidua.domain.roles import Actor

# ---- views ------------------------------------------------------------------------------------


class StepView(BaseModel):
    seq: int
    action: str
    stage_from: str | None
    stage_to: str
    actor: str | None
    actor_role: str | None
    reason: str | None
    at: datetime


class NominationView(BaseModel):
    id: str
    workflow_id: str
    movement: str
    year: int
    unit: str
    kind: str
    nominee_code: str
    nominee_name: str
    stage: str
    stage_label: str
    deadline: datetime | None
    status: str | None
    titles: list[str]
    proposals: list[str]
    ruleset: RulesetRef | None
    submitted_by: str
    created_at: datetime
    updated_at: datetime


class NominationDetail(NominationView):
    facts: dict[str, Any]
    dossier: dict[str, Any] | None
    steps: list[StepView]
    evaluation: dict[str, Any] | None


class NominationRef(BaseModel):
    """What a command needs to know before it is sent: whose it is and where it stands."""

    unit: str
    stage: str
    movement: str
    year: int


class Event(BaseModel):
    id: int
    type: str  # nomination.stage_changed | nomination.decided | nomination.updated
    nomination: str
    unit: str
    action: str
    stage_from: str | None
    stage_to: str
    actor: str | None
    reason: str | None
    at: datetime


class EventPage(BaseModel):
    items: list[Event]
    next_cursor: int | None


def event_type(stage_from: str | None, stage_to: str) -> str:
    """What a recorded step means to a pipeline: a decision, a change of stage, or an update
    within the same stage (an evaluation)."""
    if stage_to in (Stage.APPROVED.value, Stage.REJECTED.value):
        return "nomination.decided"
    if stage_from == stage_to:
        return "nomination.updated"
    return "nomination.stage_changed"


# ---- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MovementInfo:
    code: str
    year: int
    closes: date


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str


@dataclass(frozen=True)
class StaffInfo:
    code: str
    full_name: str
    unit_code: str


@dataclass(frozen=True)
class SubmissionLookup:
    """What our records hold about a submission's movement, unit and (individual) nominee."""

    movement: MovementInfo | None
    unit: UnitInfo | None
    staff: StaffInfo | None
    existing: NominationRef | None


@dataclass(frozen=True)
class SubmissionTarget:
    """What the submission resolves to in our records before the workflow starts."""

    key: str
    movement_code: str
    unit_code: str
    nominee_name: str
    as_of: date
    existing_stage: str | None


@dataclass(frozen=True)
class NewNomination:
    key: str
    workflow_id: str
    movement_code: str
    unit_code: str
    nominee_name: str
    facts: dict[str, Any]
    submitted_by: str
    dossier: dict[str, Any] | None = None


@dataclass(frozen=True)
class EvaluationRecord:
    """One rules evaluation to store (idempotent by ``idempotency_key``).

    ``repin`` moves the nomination's pin to the evaluated version (an admin's explicit
    re-evaluation, audited as ``nomination.reevaluated`` naming ``requested_by``); otherwise the
    first evaluation pins and later ones keep the pin. ``hash_encoding``: the canonical JSON its
    decision hash is made with.
    """

    nomination_id: str
    idempotency_key: str
    phase: str
    decision: dict[str, Any]
    facts: dict[str, Any]
    run_id: str | None = None
    repin: bool = False
    requested_by: Actor | None = None
    reason: str | None = None
    hash_encoding: Encoding = Encoding.JCS


@dataclass(frozen=True)
class NominationFilter:
    """A list's filters (None: any). ``title`` matches granted titles and proposals alike."""

    stage: str | None = None
    unit: str | None = None
    movement: str | None = None
    year: int | None = None
    title: str | None = None
    status: str | None = None


class UnknownNomination(LookupError):
    """A recording names a nomination that is not in our records: a bug or a race (the row is
    committed before its workflow starts), never an official's fault, so not a refusal: the
    activity fails and is retried."""


# ---- the store --------------------------------------------------------------------------------


class NominationStore(Protocol):
    """What the nomination use cases read and write in one transaction. Every change writes its
    audit entry in the same transaction; a retried recording writes nothing (returns False)."""

    def lookup_submission(
        self, movement: str, unit: str, staff: str | None, key: str
    ) -> SubmissionLookup:
        """The movement, the unit, the staff member ``staff`` (None: a collective) and the
        nomination ``key`` if it exists already."""
        ...

    def create(self, nomination: NewNomination) -> bool:
        """Insert the nomination (stage ``submitted``) unless it exists; True when created."""
        ...

    def delete_unstarted(self, key: str) -> None:
        """Undo ``create`` when its workflow could not be started (no step recorded yet)."""
        ...

    def update_dossier(self, key: str, dossier: dict[str, Any], actor: str | None) -> None:
        """Replace the dossier the unit attached (raises ``UnknownNomination``)."""
        ...

    def record_step(self, data: RecordStepInput) -> bool:
        """Record one step, keyed by nomination and step number (raises ``UnknownNomination``)."""
        ...

    def record_evaluation(self, evaluation: EvaluationRecord) -> bool:
        """Store one evaluation and pin the nomination (raises ``UnknownNomination``)."""
        ...

    def record_stage_alert(self, data: RecordStageAlertInput) -> bool:
        """Record a reminder or an escalation, keyed by ``data.key`` (``UnknownNomination``)."""
        ...

    def detail(self, key: str) -> NominationDetail | None:
        """The nomination with its facts, dossier, steps and latest evaluation."""
        ...

    def ref(self, key: str) -> NominationRef | None: ...

    def page(
        self,
        units: tuple[str, ...] | None,
        filters: NominationFilter,
        limit: int,
        after_id: int | None = None,
    ) -> tuple[list[NominationView], int | None]:
        """One page of the nominations of ``units`` (None: every unit) matching ``filters``, in
        a stable order (by id), and the id to continue after if there is more."""
        ...

    def events_after(
        self, units: tuple[str, ...] | None, after: int | None, limit: int
    ) -> EventPage:
        """The steps recorded after the event ``after`` (None: from the first), oldest first,
        of nominations of ``units`` (None: every unit); ``next_cursor`` is the last event's id
        (``after`` when there is none)."""
        ...


# ---- the workflows ----------------------------------------------------------------------------


class NominationWorkflows(Protocol):
    """The running ``NominationWorkflow`` of each nomination.

    Every method raises ``Refusal``: the workflow's own refusal (its code and message) when an
    update is refused, ``wrong_stage`` when the workflow has already ended, ``duplicate`` when a
    start finds one running, ``unavailable`` when Temporal cannot be reached. ``update_id`` makes an
    update idempotent: a retry with the same id gets the first outcome, never a second step.
    """

    def workflow_id(self, nomination_key: str) -> str:
        """The business-key workflow id of a nomination (with the deployment's prefix)."""
        ...

    async def start(self, input: NominationWorkflowInput) -> NominationStatus:
        """Start the workflow and wait until the submission's criteria have been evaluated."""
        ...

    async def exists(self, workflow_id: str) -> bool:
        """Whether the workflow exists (a failed call raises ``Refusal(unavailable)``)."""
        ...

    async def status(self, workflow_id: str) -> NominationStatus: ...

    async def review(
        self, workflow_id: str, input: ReviewNominationInput, update_id: str | None = None
    ) -> NominationStatus: ...

    async def resubmit(
        self, workflow_id: str, input: ResubmitNominationInput, update_id: str | None = None
    ) -> NominationStatus: ...

    async def hold(
        self, workflow_id: str, input: HoldNominationInput, update_id: str | None = None
    ) -> NominationStatus: ...

    async def resume(
        self, workflow_id: str, input: ResumeNominationInput, update_id: str | None = None
    ) -> NominationStatus: ...

    async def reevaluate(
        self, workflow_id: str, input: ReevaluateCriteriaInput, update_id: str | None = None
    ) -> NominationStatus: ...
