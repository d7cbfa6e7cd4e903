"""``RoundWorkflows`` over Temporal: start a round's ``ConsolidationWorkflow`` and send it updates.

A step's update waits for the activity it runs (an appraisal or a decision can take minutes);
when the wait times out (e.g. no worker for a while) the gateway waits again on the same update
id rather than report a failure for a step that will still complete. A step refused by the
workflow (its validator or an activity's ``ApplicationError``) becomes a ``Refusal`` with the same
code and message.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.service import RPCError

from thidua.adapters.temporal.nominations import UNAVAILABLE
from thidua.config import TemporalSettings
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.rounds import (
    CloseRoundInput,
    ConsolidationWorkflowInput,
    DecideRoundInput,
    RecordCouncilInput,
    RoundStatus,
    round_workflow_id,
)
from thidua.logging import get_logger
from workflows.consolidation import ConsolidationWorkflow

log = get_logger(__name__)
MAX_UPDATE_WAITS = 15  # each wait lasts up to the client's RPC timeout (about 20 s)
STILL_RUNNING = (
    "Bước này vẫn đang được xử lý (máy chủ quy trình chưa phản hồi); "
    "hãy xem lại đợt xét sau ít phút."
)


def refusal_in(exc: BaseException) -> Refusal | None:
    """The domain refusal inside an update failure (from a validator or from an activity)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ApplicationError) and cause.type:
            try:
                code = RefusalCode(cause.type)
            except ValueError:
                return None
            problem = cause.details[0] if cause.details else None
            return Refusal(
                code, cause.message, problem=problem if isinstance(problem, str) else None
            )
        cause = cause.__cause__ if not isinstance(cause, ActivityError) else cause.cause
    return None


class TemporalRoundWorkflows:
    """Implements ``thidua.app.ports.rounds.RoundWorkflows``."""

    def __init__(self, client: Client, settings: TemporalSettings) -> None:
        self._client = client
        self._settings = settings

    def workflow_id(self, round_key: str) -> str:
        return round_workflow_id(round_key, self._settings.workflow_id_prefix)

    def _handle(self, workflow_id: str) -> WorkflowHandle[ConsolidationWorkflow, RoundStatus]:
        return self._client.get_workflow_handle_for(ConsolidationWorkflow.run, workflow_id)

    async def start(self, workflow_id: str, input: ConsolidationWorkflowInput) -> None:
        try:
            await self._client.start_workflow(
                ConsolidationWorkflow.run,
                input,
                id=workflow_id,
                task_queue=self._settings.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except RPCError as exc:
            raise Refusal(RefusalCode.UNAVAILABLE, UNAVAILABLE) from exc

    async def _update(self, workflow_id: str, method: Any, arg: BaseModel) -> RoundStatus:
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
                    raise Refusal(RefusalCode.UNAVAILABLE, STILL_RUNNING) from None
        except WorkflowUpdateFailedError as exc:
            refusal = refusal_in(exc.cause) if exc.cause else None
            if refusal is not None:
                raise refusal from None
            raise
        return result

    async def close(self, workflow_id: str, input: CloseRoundInput) -> RoundStatus:
        return await self._update(workflow_id, ConsolidationWorkflow.close, input)

    async def record_council(self, workflow_id: str, input: RecordCouncilInput) -> RoundStatus:
        return await self._update(workflow_id, ConsolidationWorkflow.record_council, input)

    async def decide(self, workflow_id: str, input: DecideRoundInput) -> RoundStatus:
        return await self._update(workflow_id, ConsolidationWorkflow.decide, input)
