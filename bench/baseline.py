"""The lifecycle benchmark's baseline: bare Temporal in the same shape as ours, no application logic.

``BareWorkflow``: update-with-start + 3 updates and 7 local activities (3 in ``run``, then 2, 1,
1 in the updates), like ``NominationWorkflow`` on the approval path; its activity only returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from workflows.search_attributes import STAGE

BARE_TIMEOUT = timedelta(seconds=30)


@dataclass
class BareInput:
    name: str
    search_attributes: bool = False


@activity.defn
def bare_step(name: str) -> bool:
    """A no-op activity standing in for record_step / evaluate_criteria."""
    return True


@workflow.defn
class BareWorkflow:
    """Update-with-start + 3 updates and 7 activities (3 in run, then 2, 1, 1 in the updates), like ours."""

    def __init__(self) -> None:
        self._ready = False
        self._approvals = 0
        self._upsert = False

    async def _step(self, stage: str | None = None) -> None:
        # Local activities, as ours (record_step and evaluate_criteria run locally).
        await workflow.execute_local_activity(
            bare_step, workflow.info().workflow_id, start_to_close_timeout=BARE_TIMEOUT
        )
        if stage is not None and self._upsert:
            workflow.upsert_search_attributes([STAGE.value_set(stage)])

    @workflow.run
    async def run(self, input: BareInput) -> int:
        self._upsert = input.search_attributes
        # Ours: record_step(submit), evaluate_criteria(submission), record_step(evaluate).
        await self._step("submitted")
        await self._step()
        await self._step("unit_review")
        self._ready = True
        await workflow.wait_condition(lambda: self._approvals >= 3)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._approvals

    @workflow.update
    async def started(self) -> bool:
        """Like ours (submission_evaluated): the submitter waits for the first activities."""
        await workflow.wait_condition(lambda: self._ready)
        return True

    @workflow.update
    async def approve(self, step: int) -> int:
        await workflow.wait_condition(lambda: self._ready)
        stage = ("office_review", "director_review", "approved")[step - 1]
        await self._step(stage)  # ours: record_step(approve)
        if step == 1:
            await self._step()  # ours: evaluate_criteria(office_review)
        self._approvals += 1
        return self._approvals

    @approve.validator
    def _check_approve(self, step: int) -> None:
        if step != self._approvals + 1:
            raise ValueError(f"expected approval {self._approvals + 1}, got {step}")
