"""``NominationWorkflows`` over Temporal: start a nomination's workflow, send it updates, query it.

The one place that turns Temporal's answers into the use cases' refusals: an update refused by
the workflow (its validator or an activity's ``ApplicationError``) becomes a ``Refusal`` with the
same code and message (and the problem name and field its details carry, if any); a workflow that has ended answers ``wrong_stage``.
"""

from __future__ import annotations

from typing import Any

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from thidua.config import TemporalSettings
from thidua.domain.nominations import (
    HoldNominationInput,
    NominationStatus,
    NominationWorkflowInput,
    ReevaluateCriteriaInput,
    ResubmitNominationInput,
    ResumeNominationInput,
    ReviewNominationInput,
    Stage,
    workflow_id_for,
)
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.logging import get_logger
from workflows import search_attributes as sa
from workflows.nomination import NominationWorkflow

log = get_logger(__name__)

UNAVAILABLE = "Không kết nối được máy chủ quy trình; hãy thử lại sau."
ENDED = "Hồ sơ đã kết thúc quy trình."


def refusal_of(exc: WorkflowUpdateFailedError) -> Refusal | None:
    """The workflow's refusal inside a failed update (None when it is not one: a bug)."""
    cause = exc.cause
    if not isinstance(cause, ApplicationError):
        return None
    try:
        code = RefusalCode(cause.type or "")
    except ValueError:
        code = RefusalCode.INVALID
    # A refusal may carry its finer problem name and its field in the details (the actor check).
    details = [d if isinstance(d, str) else None for d in cause.details[:2]]
    problem, field = [*details, None, None][:2]
    return Refusal(code, cause.message, problem=problem, field=field)


class TemporalNominationWorkflows:
    """Implements ``thidua.app.ports.nominations.NominationWorkflows``."""

    def __init__(self, client: Client, settings: TemporalSettings) -> None:
        self._client = client
        self._settings = settings

    def workflow_id(self, nomination_key: str) -> str:
        return workflow_id_for(nomination_key, self._settings.workflow_id_prefix)

    def _handle(self, workflow_id: str) -> WorkflowHandle[NominationWorkflow, NominationStatus]:
        return self._client.get_workflow_handle_for(NominationWorkflow.run, workflow_id)

    async def start(self, input: NominationWorkflowInput) -> NominationStatus:
        duplicate = f"Đã có hồ sơ đề nghị {input.nomination_id} trong phong trào và năm này."
        start = WithStartWorkflowOperation(
            NominationWorkflow.run,
            input,
            id=self.workflow_id(input.nomination_id),
            task_queue=self._settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            search_attributes=sa.TypedSearchAttributes.with_stage(
                Stage.SUBMITTED.value, input.unit_code, input.movement_code, input.year
            ),
        )
        try:
            # One round trip: start the workflow and wait until its criteria are evaluated.
            status: NominationStatus = await self._client.execute_update_with_start_workflow(
                NominationWorkflow.submission_evaluated, start_workflow_operation=start
            )
        except WorkflowAlreadyStartedError:
            raise Refusal(RefusalCode.DUPLICATE, duplicate) from None
        except RPCError as exc:
            if exc.status == RPCStatusCode.ALREADY_EXISTS:
                raise Refusal(RefusalCode.DUPLICATE, duplicate) from None
            log.error("workflow start failed", nomination=input.nomination_id, error=str(exc))
            raise Refusal(RefusalCode.UNAVAILABLE, UNAVAILABLE) from exc
        return status

    async def exists(self, workflow_id: str) -> bool:
        try:
            await self._handle(workflow_id).describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return False
            raise Refusal(RefusalCode.UNAVAILABLE, UNAVAILABLE) from exc
        return True

    async def status(self, workflow_id: str) -> NominationStatus:
        return await self._handle(workflow_id).query(NominationWorkflow.status)

    async def _update(
        self, workflow_id: str, method: Any, arg: Any, update_id: str | None
    ) -> NominationStatus:
        try:
            result: NominationStatus = await self._handle(workflow_id).execute_update(
                method, arg, id=update_id
            )
        except WorkflowUpdateFailedError as exc:
            refusal = refusal_of(exc)
            if refusal is None:
                raise
            raise refusal from None
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise Refusal(RefusalCode.WRONG_STAGE, ENDED) from None
            raise
        return result

    async def review(
        self, workflow_id: str, input: ReviewNominationInput, update_id: str | None = None
    ) -> NominationStatus:
        return await self._update(workflow_id, NominationWorkflow.review, input, update_id)

    async def resubmit(
        self, workflow_id: str, input: ResubmitNominationInput, update_id: str | None = None
    ) -> NominationStatus:
        return await self._update(workflow_id, NominationWorkflow.resubmit, input, update_id)

    async def hold(
        self, workflow_id: str, input: HoldNominationInput, update_id: str | None = None
    ) -> NominationStatus:
        return await self._update(workflow_id, NominationWorkflow.hold, input, update_id)

    async def resume(
        self, workflow_id: str, input: ResumeNominationInput, update_id: str | None = None
    ) -> NominationStatus:
        return await self._update(workflow_id, NominationWorkflow.resume, input, update_id)

    async def reevaluate(
        self, workflow_id: str, input: ReevaluateCriteriaInput, update_id: str | None = None
    ) -> NominationStatus:
        return await self._update(
            workflow_id, NominationWorkflow.reevaluate_criteria, input, update_id
        )
