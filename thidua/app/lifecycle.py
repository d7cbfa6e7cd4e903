"""Commands on nominations: authorize, then drive the NominationWorkflow through Temporal."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from rules.facts import Facts
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app import nominations, rounds
from thidua.config import Settings
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
    workflow_id_for,
)
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.logging import get_logger
from workflows import search_attributes as sa
from workflows.nomination import NominationWorkflow

log = get_logger(__name__)

_FACTS: TypeAdapter[Any] = TypeAdapter(Facts)


class NominationSubmission(BaseModel):
    """A nomination as a unit (or its pipeline) submits it."""

    model_config = ConfigDict(extra="forbid")

    movement: str = Field(min_length=1, max_length=32, description="Mã phong trào, ví dụ NTM-2024")
    unit: str = Field(min_length=1, max_length=32, description="Mã đơn vị đề nghị, ví dụ LDVL")
    facts: Facts
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


def deadlines_from(settings: Settings) -> StageDeadlines:
    lc = settings.lifecycle
    return StageDeadlines(
        unit_review=timedelta(days=lc.unit_review_days),
        office_review=timedelta(days=lc.office_review_days),
        director_review=timedelta(days=lc.director_review_days),
        returned=timedelta(days=lc.returned_days),
        reminder_every=timedelta(days=lc.reminder_every_days),
    )


def _facts_dict(facts: BaseModel) -> dict[str, Any]:
    return facts.model_dump(mode="json")


class Lifecycle:
    """The nomination commands, shared by the API and the CLI."""

    def __init__(self, client: Client, uow: SqlUnitOfWork, settings: Settings) -> None:
        self.client = client
        self.uow = uow
        self.settings = settings

    def _wf_id(self, key: str) -> str:
        return workflow_id_for(key, self.settings.temporal.workflow_id_prefix)

    def _handle(self, key: str) -> WorkflowHandle[NominationWorkflow, NominationStatus]:
        return self.client.get_workflow_handle_for(NominationWorkflow.run, self._wf_id(key))

    async def _workflow_exists(self, key: str) -> bool:
        try:
            await self._handle(key).describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return False
            raise
        return True

    def _resolve(
        self, body: NominationSubmission, facts: dict[str, Any], key: str
    ) -> nominations.SubmissionTarget:
        with self.uow.session() as session:
            return nominations.resolve_submission(session, body.movement, body.unit, facts, key)

    async def submit(
        self, actor: Actor, body: NominationSubmission
    ) -> nominations.NominationDetail:
        policy.check_submit(actor, body.unit)
        facts = _facts_dict(body.facts)
        key = nomination_key(body.movement, facts["year"], facts["id"])
        target = await asyncio.to_thread(self._resolve, body, facts, key)
        if target.existing_stage is not None and await self._workflow_exists(key):
            raise Refusal(
                RefusalCode.DUPLICATE,
                f"Đã có hồ sơ đề nghị {key} cho người/tập thể này trong phong trào và năm này "
                f"(đang ở bước {target.existing_stage}).",
            )

        def _create() -> None:
            with self.uow.session() as session:
                nominations.create_nomination(
                    session,
                    key=key,
                    workflow_id=self._wf_id(key),
                    movement_code=target.movement_code,
                    unit_code=target.unit_code,
                    nominee_name=target.nominee_name,
                    facts=facts,
                    submitted_by=actor.username,
                    dossier=body.dossier.model_dump() if body.dossier else None,
                )

        await asyncio.to_thread(_create)
        wf_input = NominationWorkflowInput(
            nomination_id=key,
            unit_code=target.unit_code,
            movement_code=target.movement_code,
            year=facts["year"],
            kind=facts["kind"],
            nominee_code=facts["id"],
            facts=facts,
            submitted_by=actor,
            as_of=date.fromisoformat(target.as_of_iso),
            deadlines=deadlines_from(self.settings),
        )
        start = WithStartWorkflowOperation(
            NominationWorkflow.run,
            wf_input,
            id=self._wf_id(key),
            task_queue=self.settings.temporal.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            search_attributes=sa.TypedSearchAttributes.with_stage(
                "submitted", target.unit_code, target.movement_code, facts["year"]
            ),
        )
        try:
            # One round trip: start the workflow and wait until its criteria are evaluated.
            await self.client.execute_update_with_start_workflow(
                NominationWorkflow.submission_evaluated, start_workflow_operation=start
            )
        except WorkflowAlreadyStartedError:
            raise Refusal(
                RefusalCode.DUPLICATE, f"Đã có hồ sơ đề nghị {key} trong phong trào và năm này."
            ) from None
        except RPCError as exc:
            if exc.status == RPCStatusCode.ALREADY_EXISTS:
                raise Refusal(
                    RefusalCode.DUPLICATE, f"Đã có hồ sơ đề nghị {key} trong phong trào và năm này."
                ) from None
            # A call cut off mid-way (the server went down) may still have started the workflow:
            # remove the row only when the workflow is known not to exist, else its steps would
            # find no nomination and the workflow would be stuck (tests/crash/test_server_crash).
            try:
                started = await self._workflow_exists(key)
            except RPCError:
                started = True  # unknown: keep the row; submitting again completes it
            if not started:
                with self.uow.session() as session:
                    nominations.delete_unstarted_nomination(session, key)
            log.error("workflow start failed", nomination=key, error=str(exc))
            raise Refusal(
                RefusalCode.UNAVAILABLE, "Không kết nối được máy chủ quy trình; hãy thử lại sau."
            ) from exc
        log.info(
            "nomination submitted", nomination=key, unit=target.unit_code, actor=actor.username
        )
        return await asyncio.to_thread(self.read, actor, key)

    def _check_late_arrival(self, ref: nominations.NominationRef) -> None:
        with self.uow() as tx:  # transitional: NOMINATIONS helper
            rounds.check_late_arrival(tx, ref.movement, ref.year)

    def _update_dossier(self, key: str, dossier: dict[str, Any], actor: str) -> None:
        with self.uow.session() as session:
            nominations.update_dossier(session, key, dossier, actor)

    def _ref(self, key: str) -> nominations.NominationRef:
        with self.uow.session() as session:
            return nominations.nomination_ref(session, key)

    async def _authorize(self, actor: Actor, key: str) -> nominations.NominationRef:
        ref = await asyncio.to_thread(self._ref, key)
        policy.require_visible(actor, ref.unit)
        return ref

    async def _update(
        self, key: str, method: Any, arg: BaseModel, update_id: str | None = None
    ) -> NominationStatus:
        """Run a workflow update. With ``update_id`` (derived from the caller's Idempotency-Key)
        a retry of a call whose answer was lost gets the first update's outcome from Temporal
        instead of a "wrong stage" refusal, and never applies the step twice."""
        try:
            result: NominationStatus = await self._handle(key).execute_update(
                method, arg, id=update_id
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError):
                try:
                    code = RefusalCode(cause.type or "")
                except ValueError:
                    code = RefusalCode.INVALID
                raise Refusal(code, cause.message) from None
            raise
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise Refusal(RefusalCode.WRONG_STAGE, "Hồ sơ đã kết thúc quy trình.") from None
            raise
        return result

    async def review(
        self, actor: Actor, key: str, body: ReviewRequest, update_id: str | None = None
    ) -> nominations.NominationDetail:
        ref = await self._authorize(actor, key)
        if body.decision is ReviewDecision.APPROVE and ref.stage == Stage.UNIT_REVIEW.value:
            await asyncio.to_thread(self._check_late_arrival, ref)
        await self._update(
            key,
            NominationWorkflow.review,
            ReviewNominationInput(actor=actor, decision=body.decision, reason=body.reason),
            update_id,
        )
        return await asyncio.to_thread(self.read, actor, key)

    async def resubmit(
        self, actor: Actor, key: str, body: ResubmitRequest, update_id: str | None = None
    ) -> nominations.NominationDetail:
        await self._authorize(actor, key)
        await self._update(
            key,
            NominationWorkflow.resubmit,
            ResubmitNominationInput(actor=actor, facts=_facts_dict(body.facts), reason=body.reason),
            update_id,
        )
        if body.dossier is not None:
            await asyncio.to_thread(
                self._update_dossier, key, body.dossier.model_dump(), actor.username
            )
        return await asyncio.to_thread(self.read, actor, key)

    async def hold(
        self, actor: Actor, key: str, body: HoldRequest, update_id: str | None = None
    ) -> nominations.NominationDetail:
        await self._authorize(actor, key)
        await self._update(
            key,
            NominationWorkflow.hold,
            HoldNominationInput(actor=actor, reason=body.reason),
            update_id,
        )
        return await asyncio.to_thread(self.read, actor, key)

    async def resume(
        self, actor: Actor, key: str, body: ResumeRequest, update_id: str | None = None
    ) -> nominations.NominationDetail:
        await self._authorize(actor, key)
        facts = _facts_dict(body.facts) if body.facts is not None else None
        await self._update(
            key,
            NominationWorkflow.resume,
            ResumeNominationInput(actor=actor, reason=body.reason, facts=facts),
            update_id,
        )
        return await asyncio.to_thread(self.read, actor, key)

    def read(self, actor: Actor, key: str) -> nominations.NominationDetail:
        with self.uow.session() as session:
            return nominations.get_nomination(session, actor, key)

    async def workflow_status(self, actor: Actor, key: str) -> NominationStatus:
        await self._authorize(actor, key)
        return await self._handle(key).query(NominationWorkflow.status)
