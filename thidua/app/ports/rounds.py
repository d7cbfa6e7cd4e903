"""Ports of the rounds use cases: the store (a transaction's reads and writes of the Office's
rounds, their award items, the council's meeting and the documents' files) and the running
``ConsolidationWorkflow`` of each round; with the records and views they exchange.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from pydantic import BaseModel

from thidua.app.ports.publication import PublicationView
from thidua.domain.appraisal import InitiativeChoice, PastInitiativeUse
from thidua.domain.council import Tallies
from thidua.domain.roles import Actor
from thidua.domain.rounds import (
    CloseRoundInput,
    ConsolidationWorkflowInput,
    DecideRoundInput,
    LatePolicy,
    RecordCouncilInput,
    RoundStage,
    RoundStatus,
    RoundStep,
)

# ---- records: what the store reads and writes ---------------------------------------------------


class MovementRecord(BaseModel):
    """An emulation movement as a round needs it: the year it reviews and its review date."""

    code: str
    year: int
    closes: date


class RoundRecord(BaseModel):
    """A round as stored (times in UTC)."""

    key: str
    workflow_id: str
    movement: str
    year: int
    seq: int
    stage: RoundStage
    late_policy: LatePolicy
    closes_at: datetime
    closed_at: datetime | None
    ruleset_id: str
    ruleset_version: str
    steps: list[dict[str, Any]]
    appraisal: dict[str, Any] | None


class NewRound(BaseModel):
    """A round being opened (stage ``open``, no steps yet)."""

    key: str
    workflow_id: str
    movement: str
    year: int
    seq: int
    late_policy: LatePolicy
    closes_at: datetime
    ruleset_id: str
    ruleset_version: str
    opened_by: Actor


class CandidateRecord(BaseModel):
    """A nomination gathered into a round at its closing (``appraisal.Candidate`` + workflow)."""

    key: str
    kind: str
    unit: str
    name: str
    gender: str | None
    facts: dict[str, Any]
    dossier: dict[str, Any] | None
    order: int
    pinned: tuple[str, str] | None
    workflow_id: str


class ItemDecision(BaseModel):
    """The Director's decision on one award item (``None``: that column is left as it is)."""

    nomination: str
    code: str
    director_status: str
    director_reason: str | None = None
    amount_vnd: int | None = None
    to_province: bool = False
    """Approved proposal to the province: its answer becomes ``pending`` unless already given."""


class ReceivedAwardRecord(BaseModel):
    """A title or form a nominee received in a round of an earlier year: approved by the
    Director, not revoked, and (a proposal) approved by the province; with the decision the
    agency issued for it, when it issued one here."""

    year: int
    code: str
    level: str  # director | province
    ruleset_id: str
    ruleset_version: str
    decision_number: str | None = None
    decision_date: date | None = None


# ---- views: what the use cases return -----------------------------------------------------------


class DocumentView(BaseModel):
    kind: str
    number: str
    formats: list[str]
    sha256: str


class AwardItemView(BaseModel):
    item_id: int | None = None
    """The award item's id (names its revocation decision, ``revocation-<id>``)."""
    nomination: str
    nominee_name: str
    nominee_code: str | None = None
    """The nominee's staff code (an individual) or unit code (a collective)."""
    unit: str
    kind: str
    code: str
    level: str
    rank: int
    council_status: str
    tally: dict[str, Any] | None
    director_status: str
    director_reason: str | None
    province_status: str | None
    province_reason: str | None
    amount_vnd: int | None
    """What the Department pays for it (0: not paid, ``amount_note`` says why; None: no money
    decided here, e.g. a proposal the province decides and pays)."""
    revoked: bool
    revoked_reason: str | None
    amount_note: str | None = None
    revocation: DocumentView | None = None
    """The decision revoking it, when the revocation issued one (the revoke call's answer)."""


class RoundView(BaseModel):
    key: str
    workflow_id: str
    movement: str
    year: int
    stage: str
    stage_label: str
    late_policy: str
    closes_at: datetime
    closed_at: datetime | None
    ruleset: dict[str, str]
    steps: list[dict[str, Any]]
    counts: dict[str, int]
    by_title: dict[str, list[str]]
    by_unit: dict[str, list[str]]
    flags: list[dict[str, Any]]
    results: list[dict[str, Any]]
    items: list[AwardItemView]
    documents: list[DocumentView]
    publication: PublicationView | None = None
    """The publication of the list before the council: its period and objections (None: a
    round opened before publication existed)."""


class RoundListItem(BaseModel):
    """One round in the list of rounds."""

    key: str
    movement: str
    year: int
    stage: str
    closes_at: datetime


# ---- the store ----------------------------------------------------------------------------------


class RoundStore(Protocol):
    """What the round use cases read and write in one transaction. Every change is recorded in
    the audit log in the same transaction (``round.opened``, ``round.step``, ``round.appraised``,
    ``council.vote_recorded``, ``round.decided``, ``award.province_answer``, ``award.revoked``)."""

    # rounds
    def movement(self, code: str) -> MovementRecord | None: ...

    def get(self, key: str) -> RoundRecord | None: ...

    def latest(self, movement: str, year: int) -> RoundRecord | None:
        """The movement's last round of ``year`` (highest sequence number)."""
        ...

    def list_rounds(self) -> list[RoundRecord]:
        """Every round, in the order they were opened."""
        ...

    def add(self, new: NewRound) -> RoundRecord: ...

    def delete_unstarted(self, key: str) -> None:
        """Remove a round whose workflow never started (no step recorded); else nothing."""
        ...

    def record_step(self, key: str, step: RoundStep) -> bool:
        """Append a step (idempotent by its sequence number: False when already there) and move
        the round's stage; a ``close`` sets the closing time."""
        ...

    # the appraisal
    def gather_candidates(self, key: str, closed_at: datetime) -> list[CandidateRecord]:
        """Every nomination the units approved before ``closed_at``, waiting for the Office and
        not in an earlier round, now marked as in this round."""
        ...

    def appraised_candidates(self, key: str) -> list[CandidateRecord]:
        """The nominations of the round's stored appraisal (every outcome), as candidates again
        (their current facts and dossiers), in submission order."""
        ...

    def members_total_by_unit(self) -> dict[str, int]: ...

    def past_initiative_uses(self, key: str) -> list[PastInitiativeUse]:
        """Initiatives already used by awards of earlier rounds (approved, not revoked): the
        grounds recorded on each award item; for items recorded before grounds were, every
        initiative of the nomination (``recorded`` False)."""
        ...

    def initiative_choices(self, key: str) -> list[InitiativeChoice]:
        """The Office's choices of the award an initiative grounds, in the round."""
        ...

    def choose_initiative(
        self,
        key: str,
        choice: InitiativeChoice,
        actor: Actor,
        outcome: Mapping[str, Any] | None = None,
    ) -> InitiativeChoice | None:
        """Keep the choice (replacing an earlier one for the same nomination and initiative,
        returned), audited as ``round.initiative_chosen`` with ``outcome`` (what the appraisal
        then holds for the nomination)."""
        ...

    def store_appraisal(
        self, key: str, appraisal: dict[str, Any], levels: Mapping[str, str]
    ) -> None:
        """Keep the appraisal and (re)create the round's award items (``levels``: code → who
        decides it; each item with the initiatives it rests on, from the result's
        ``initiative_grounds``); nominations returned or held leave the round."""
        ...

    def replace_appraisal(self, key: str, appraisal: dict[str, Any]) -> None:
        """Keep the appraisal as recomputed after the council's vote."""
        ...

    # the council and the Director
    def store_council(
        self,
        key: str,
        *,
        held_on: date,
        members: list[dict[str, Any]],
        ballots: list[dict[str, Any]],
        recorded_by: str,
        tallies: Tallies,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Keep (or replace) the council's meeting and put each tally on its award item.

        ``details``: the meeting's count (quorum, ballot papers), its counting board and the
        decision establishing the council, as the documents print them."""
        ...

    def award_items(self, key: str) -> list[AwardItemView]:
        """The round's award items, in rank order."""
        ...

    def decide_items(
        self,
        key: str,
        decisions: Sequence[ItemDecision],
        *,
        actor: Actor,
        reason: str | None,
        run_id: str | None,
    ) -> None:
        """Apply the Director's decision (audited once: a retry finds nothing pending)."""
        ...

    def workflow_ids(self, key: str) -> dict[str, str]:
        """Nomination key → workflow id, for every nomination of the round (gathered into it or
        holding one of its award items)."""
        ...

    # after the decision
    def award_item(self, nomination_key: str, code: str) -> AwardItemView | None:
        """The latest award item of ``code`` for the nomination."""
        ...

    def record_province_answer(
        self, nomination_key: str, code: str, answer: str, reason: str | None, actor: Actor
    ) -> AwardItemView: ...

    def nomination_awards(self, nomination_key: str) -> list[AwardItemView]:
        """The nomination's latest award item of each title or form, in the round's order."""
        ...

    def round_key_of(self, nomination_key: str, code: str) -> str:
        """The key of the round holding the item (the item exists)."""
        ...

    def set_amount(
        self, nomination_key: str, code: str, amount_vnd: int, reason: str, actor: Actor
    ) -> AwardItemView:
        """Set what the agency pays for the item, audited with the reason."""
        ...

    def revoke_award(
        self, nomination_key: str, code: str, reason: str, actor: Actor
    ) -> AwardItemView: ...

    def awards_received(
        self, kind: str, nominee_code: str, before_year: int
    ) -> list[ReceivedAwardRecord]:
        """What the nominee (a staff member's or a unit's code) received in rounds of years
        before ``before_year``, oldest first."""
        ...

    # the documents
    def documents(self, key: str) -> list[DocumentView]: ...

    def document_file(self, key: str, kind: str, fmt: str) -> str | None:
        """The path of the round's document ``kind`` in format ``fmt``, if it was written."""
        ...


# ---- the workflows ------------------------------------------------------------------------------


class RoundWorkflows(Protocol):
    """The running ``ConsolidationWorkflow`` of each round.

    Every method raises ``Refusal``: the workflow's own refusal (its code and message) when a
    step is refused (by an update validator or an activity), ``unavailable`` when Temporal cannot
    be reached or a step is still running after waiting again several times.
    """

    def workflow_id(self, round_key: str) -> str:
        """The business-key workflow id of a round (with the deployment's prefix)."""
        ...

    async def start(self, workflow_id: str, input: ConsolidationWorkflowInput) -> None: ...

    async def close(self, workflow_id: str, input: CloseRoundInput) -> RoundStatus: ...

    async def record_council(self, workflow_id: str, input: RecordCouncilInput) -> RoundStatus: ...

    async def decide(self, workflow_id: str, input: DecideRoundInput) -> RoundStatus: ...
