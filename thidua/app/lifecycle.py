"""Commands on nominations: authorize, then drive the nomination's workflow (``Lifecycle``); and
the requests they take, shared by the API, the console and the CLI."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from rules.facts import CollectiveFacts, Facts, IndividualFacts, Rating
from thidua.app import rounds
from thidua.app.nominations import (
    check_changed_facts,
    get_nomination,
    resolve_submission,
    visible_ref,
)
from thidua.app.ports.nominations import (
    NewNomination,
    NominationDetail,
    NominationWorkflows,
    SubmissionTarget,
)
from thidua.app.ports.uow import Tx, UnitOfWork
from thidua.app.roster import prefill_submission
from thidua.domain import policy
from thidua.domain.nominations import (
    Dossier,
    HoldNominationInput,
    NominationStatus,
    NominationWorkflowInput,
    ResubmitNominationInput,
    ResumeNominationInput,
    ReviewDecision,
    ReviewNominationInput,
    Stage,
    StageDeadlines,
    nomination_key,
)
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.logging import get_logger

log = get_logger(__name__)


class SubmittedIndividualFacts(IndividualFacts):
    """An individual's facts as submitted: an absent rating, months_worked, maternity_months or
    discipline is taken from the ratings register's row of (staff, year) before validation."""

    rating: Rating | None = Field(  # type: ignore[assignment]
        default=None, description="Xếp loại; để trống thì lấy từ sổ xếp loại của năm"
    )


class SubmittedCollectiveFacts(CollectiveFacts):
    """A collective's facts as submitted: an absent members_total is the unit's roster size."""

    members_total: int | None = Field(  # type: ignore[assignment]
        default=None,
        ge=0,
        le=100_000,
        strict=True,
        description="Tổng số thành viên; để trống thì lấy từ danh sách cán bộ của đơn vị",
    )


SubmittedFacts = Annotated[
    SubmittedIndividualFacts | SubmittedCollectiveFacts, Field(discriminator="kind")
]


def submitted_dict(facts: BaseModel) -> dict[str, Any]:
    """The facts as sent, without the contract's defaults (so the register can fill them)."""
    return facts.model_dump(mode="json", exclude_unset=True)


class NominationSubmission(BaseModel):
    """A nomination as a unit (or its pipeline) submits it. Facts the register or the roster
    holds may be left out (``thidua.app.roster.prefill_submission``)."""

    model_config = ConfigDict(extra="forbid")

    movement: str = Field(min_length=1, max_length=32, description="Mã phong trào, ví dụ NTM-2024")
    unit: str = Field(min_length=1, max_length=32, description="Mã đơn vị đề nghị, ví dụ LDVL")
    facts: SubmittedFacts
    dossier: Dossier | None = None


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: ReviewDecision
    reason: str | None = Field(default=None, max_length=2000)


class ResubmitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: Facts
    dossier: Dossier | None = Field(default=None, description="Hồ sơ đã bổ sung (nếu có)")
    reason: str | None = Field(default=None, max_length=2000)


class HoldRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class ResumeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)
    facts: Facts | None = None


def _facts_dict(facts: BaseModel) -> dict[str, Any]:
    return facts.model_dump(mode="json")


class Lifecycle:
    """The nomination commands, shared by the API, the console and the CLI.

    ``deadlines`` are how long each waiting stage may last (from the deployment's settings),
    given to every workflow started.
    """

    def __init__(
        self, uow: UnitOfWork, workflows: NominationWorkflows, deadlines: StageDeadlines
    ) -> None:
        self.uow = uow
        self.workflows = workflows
        self.deadlines = deadlines

    async def submit(self, actor: Actor, body: NominationSubmission) -> NominationDetail:
        policy.check_submit(actor, body.unit)
        raw = submitted_dict(body.facts)
        key = nomination_key(body.movement, raw["year"], raw["id"])
        workflow_id = self.workflows.workflow_id(key)

        def _resolve(tx: Tx) -> tuple[SubmissionTarget, dict[str, Any]]:
            target = resolve_submission(tx, body.movement, body.unit, raw, key)
            return target, prefill_submission(tx, body.movement, body.unit, raw)

        target, facts = await self.uow.run(_resolve)
        if target.existing_stage is not None and await self.workflows.exists(workflow_id):
            raise Refusal(
                RefusalCode.DUPLICATE,
                f"Đã có hồ sơ đề nghị {key} cho người/tập thể này trong phong trào và năm này "
                f"(đang ở bước {target.existing_stage}).",
            )
        new = NewNomination(
            key=key,
            workflow_id=workflow_id,
            movement_code=target.movement_code,
            unit_code=target.unit_code,
            nominee_name=target.nominee_name,
            facts=facts,
            submitted_by=actor.username,
            dossier=body.dossier.model_dump() if body.dossier else None,
        )
        await self.uow.run(lambda tx: tx.nominations.create(new))
        try:
            await self.workflows.start(
                NominationWorkflowInput(
                    nomination_id=key,
                    unit_code=target.unit_code,
                    movement_code=target.movement_code,
                    year=facts["year"],
                    kind=facts["kind"],
                    nominee_code=facts["id"],
                    facts=facts,
                    submitted_by=actor,
                    as_of=target.as_of,
                    deadlines=self.deadlines,
                )
            )
        except Refusal as refusal:
            if refusal.code is RefusalCode.UNAVAILABLE:
                await self._discard_unless_started(key, workflow_id)
            raise
        log.info(
            "nomination submitted", nomination=key, unit=target.unit_code, actor=actor.username
        )
        return await self._read(actor, key)

    async def _discard_unless_started(self, key: str, workflow_id: str) -> None:
        """After a start cut off mid-way (the server went down), which may still have started
        the workflow: remove the row only when the workflow is known not to exist, else its
        steps would find no nomination and the workflow would be stuck
        (tests/crash/test_cut_off_submit)."""
        try:
            started = await self.workflows.exists(workflow_id)
        except Refusal:
            started = True  # unknown: keep the row; submitting again completes it
        if not started:
            await self.uow.run(lambda tx: tx.nominations.delete_unstarted(key))

    async def _read(self, actor: Actor, key: str) -> NominationDetail:
        return await self.uow.run(lambda tx: get_nomination(tx, actor, key))

    async def _authorize(self, actor: Actor, key: str, facts: dict[str, Any] | None = None) -> str:
        """The nomination's workflow id, if ``actor`` may see the nomination; ``facts`` sent
        again must pass the submission's checks (``check_changed_facts``)."""

        def _check(tx: Tx) -> None:
            ref = visible_ref(tx, actor, key)
            if facts is not None:
                check_changed_facts(tx, key, ref, facts)

        await self.uow.run(_check)
        return self.workflows.workflow_id(key)

    async def review(
        self, actor: Actor, key: str, body: ReviewRequest, update_id: str | None = None
    ) -> NominationDetail:
        """``update_id`` (derived from the caller's Idempotency-Key): a retry of a call whose
        answer was lost gets the first update's outcome instead of a "wrong stage" refusal, and
        never applies the step twice (so for every command below)."""

        def _check(tx: Tx) -> None:
            ref = visible_ref(tx, actor, key)
            if body.decision is ReviewDecision.APPROVE and ref.stage == Stage.UNIT_REVIEW.value:
                rounds.check_late_arrival(tx, ref.movement, ref.year)

        await self.uow.run(_check)
        await self.workflows.review(
            self.workflows.workflow_id(key),
            ReviewNominationInput(actor=actor, decision=body.decision, reason=body.reason),
            update_id,
        )
        return await self._read(actor, key)

    async def resubmit(
        self, actor: Actor, key: str, body: ResubmitRequest, update_id: str | None = None
    ) -> NominationDetail:
        facts = _facts_dict(body.facts)
        workflow_id = await self._authorize(actor, key, facts)
        await self.workflows.resubmit(
            workflow_id,
            ResubmitNominationInput(actor=actor, facts=facts, reason=body.reason),
            update_id,
        )
        if body.dossier is not None:
            dossier = body.dossier.model_dump()
            await self.uow.run(
                lambda tx: tx.nominations.update_dossier(key, dossier, actor.username)
            )
        return await self._read(actor, key)

    async def hold(
        self, actor: Actor, key: str, body: HoldRequest, update_id: str | None = None
    ) -> NominationDetail:
        workflow_id = await self._authorize(actor, key)
        await self.workflows.hold(
            workflow_id, HoldNominationInput(actor=actor, reason=body.reason), update_id
        )
        return await self._read(actor, key)

    async def resume(
        self, actor: Actor, key: str, body: ResumeRequest, update_id: str | None = None
    ) -> NominationDetail:
        facts = _facts_dict(body.facts) if body.facts is not None else None
        workflow_id = await self._authorize(actor, key, facts)
        await self.workflows.resume(
            workflow_id,
            ResumeNominationInput(actor=actor, reason=body.reason, facts=facts),
            update_id,
        )
        return await self._read(actor, key)

    async def workflow_status(self, actor: Actor, key: str) -> NominationStatus:
        return await self.workflows.status(await self._authorize(actor, key))
