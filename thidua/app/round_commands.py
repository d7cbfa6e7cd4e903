"""Commands on the Office's rounds: open, close, record the council, decide; then read."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.service import RPCError

from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app import rounds
from thidua.config import Settings
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role
from thidua.domain.rounds import (
    Ballot,
    CloseRoundInput,
    ConsolidationWorkflowInput,
    CouncilMember,
    DecideRoundInput,
    DirectorRejection,
    LatePolicy,
    RecordCouncilInput,
    RoundDecision,
    RoundStatus,
)
from thidua.logging import get_logger
from workflows.consolidation import ConsolidationWorkflow

log = get_logger(__name__)
MAX_UPDATE_WAITS = 15  # each wait lasts up to the client's RPC timeout (about 20 s)


class OpenRoundRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    movement: str = Field(min_length=1, max_length=32)
    year: int = Field(ge=1945, le=2100)
    closes_at: datetime = Field(description="Hạn đóng đợt xét (ISO 8601, có múi giờ)")
    late_policy: LatePolicy = Field(
        default=LatePolicy.REFUSE,
        description="Hồ sơ đến sau khi đóng: refuse (từ chối) hoặc next_round (chuyển đợt sau)",
    )


class CouncilRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    held_on: date
    members: list[CouncilMember] = Field(min_length=1, max_length=100)
    ballots: list[Ballot] = Field(min_length=1, max_length=5000)


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: RoundDecision
    reject: list[DirectorRejection] = Field(default_factory=list, max_length=5000)
    reason: str | None = Field(default=None, max_length=2000)


class ProvinceAnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(pattern="^(approved|rejected|returned)$")
    reason: str | None = Field(default=None, max_length=2000)


class RevokeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


def _refusal_from(exc: BaseException) -> Refusal | None:
    """The domain refusal inside an update failure (from a validator or from an activity)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ApplicationError) and cause.type:
            try:
                return Refusal(RefusalCode(cause.type), cause.message)
            except ValueError:
                return None
        cause = cause.__cause__ if not isinstance(cause, ActivityError) else cause.cause
    return None


class Rounds:
    def __init__(self, client: Client, uow: SqlUnitOfWork, settings: Settings) -> None:
        self.client = client
        self.uow = uow
        self.settings = settings

    def _handle(self, workflow_id: str) -> WorkflowHandle[ConsolidationWorkflow, RoundStatus]:
        return self.client.get_workflow_handle_for(ConsolidationWorkflow.run, workflow_id)

    def _workflow_id(self, actor: Actor, key: str) -> str:
        with self.uow.session() as session:
            rounds.require_reader(actor)
            return rounds.round_row(session, key).workflow_id

    async def _update(self, workflow_id: str, method: Any, arg: BaseModel) -> RoundStatus:
        """Send an update; if the wait times out (e.g. no worker for a while), wait again on the
        same update id rather than report a failure for a step that will still complete."""
        handle = self._handle(workflow_id)
        update_id = str(uuid.uuid4())
        try:
            try:
                result: RoundStatus = await handle.execute_update(method, arg, id=update_id)
            except WorkflowUpdateRPCTimeoutOrCancelledError:
                update = handle.get_update_handle_for(method, update_id)
                for attempt in range(MAX_UPDATE_WAITS):
                    try:
                        result = await update.result()
                        break
                    except WorkflowUpdateRPCTimeoutOrCancelledError:
                        log.warning("round update still running", update=update_id, attempt=attempt)
                else:
                    raise Refusal(
                        RefusalCode.UNAVAILABLE,
                        "Bước này vẫn đang được xử lý (máy chủ quy trình chưa phản hồi); "
                        "hãy xem lại đợt xét sau ít phút.",
                    ) from None
        except WorkflowUpdateFailedError as exc:
            refusal = _refusal_from(exc.cause) if exc.cause else None
            if refusal is not None:
                raise refusal from None
            raise
        return result

    def _ruleset_in_force(self, movement_code: str) -> tuple[str, str]:
        """The ruleset in force on the movement's review date: the round is judged under it."""
        from rules.registry import NoRulesetInForce
        from thidua.adapters.db.uow import SqlTx  # transitional: ROUNDS helper
        from thidua.app.rules_versions import in_force

        with self.uow.session() as session:
            closes = rounds.movement_row(session, movement_code).closes
            window = in_force(SqlTx(session), closes)  # transitional: ROUNDS helper
        if window is None:
            raise NoRulesetInForce(
                f"không có bộ tiêu chí nào có hiệu lực ngày {closes.isoformat()}"
            )
        return window.ruleset_id, window.version

    async def open(self, actor: Actor, body: OpenRoundRequest) -> rounds.RoundView:
        if actor.role is not Role.OFFICE:
            raise Refusal(RefusalCode.FORBIDDEN, "Chỉ Văn phòng Sở mở đợt xét tổng hợp.")
        if body.closes_at.tzinfo is None:
            raise Refusal(
                RefusalCode.INVALID, "closes_at: phải có múi giờ, ví dụ 2024-12-20T17:00:00+07:00."
            )
        engine_ruleset = self._ruleset_in_force(body.movement)
        with self.uow.session() as session:
            row = rounds.create_round(
                session,
                movement_code=body.movement,
                year=body.year,
                closes_at=body.closes_at,
                late_policy=body.late_policy,
                actor=actor,
                ruleset_id=engine_ruleset[0],
                ruleset_version=engine_ruleset[1],
                workflow_id_prefix=self.settings.temporal.workflow_id_prefix,
            )
            key, workflow_id = row.key, row.workflow_id
        wf_input = ConsolidationWorkflowInput(
            round_key=key,
            movement_code=body.movement,
            year=body.year,
            closes_at=body.closes_at,
            reminder_every=timedelta(days=self.settings.lifecycle.reminder_every_days),
            opened_by=actor,
            late_policy=body.late_policy,
        )
        try:
            await self.client.start_workflow(
                ConsolidationWorkflow.run,
                wf_input,
                id=workflow_id,
                task_queue=self.settings.temporal.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except RPCError as exc:
            with self.uow.session() as session:
                rounds.delete_unstarted_round(session, key)
            raise Refusal(
                RefusalCode.UNAVAILABLE, "Không kết nối được máy chủ quy trình; hãy thử lại sau."
            ) from exc
        log.info("round opened", round=key, actor=actor.username)
        return self.read(actor, key)

    async def close(self, actor: Actor, key: str) -> rounds.RoundView:
        wf = self._workflow_id(actor, key)
        await self._update(wf, ConsolidationWorkflow.close, CloseRoundInput(actor=actor))
        return self.read(actor, key)

    async def council(self, actor: Actor, key: str, body: CouncilRequest) -> rounds.RoundView:
        wf = self._workflow_id(actor, key)
        await self._update(
            wf,
            ConsolidationWorkflow.record_council,
            RecordCouncilInput(
                actor=actor, held_on=body.held_on, members=body.members, ballots=body.ballots
            ),
        )
        return self.read(actor, key)

    async def decide(self, actor: Actor, key: str, body: DecisionRequest) -> rounds.RoundView:
        wf = self._workflow_id(actor, key)
        await self._update(
            wf,
            ConsolidationWorkflow.decide,
            DecideRoundInput(
                actor=actor, action=body.action, reject=body.reject, reason=body.reason
            ),
        )
        return self.read(actor, key)

    def read(self, actor: Actor, key: str) -> rounds.RoundView:
        with self.uow.session() as session:
            return rounds.get_round(session, actor, key)
