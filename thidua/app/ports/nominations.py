"""Ports of the nomination use cases: the store (filled in as the area moves behind its ports)
and the nomination workflows, driven through Temporal by ``thidua.adapters.temporal.nominations``."""

from __future__ import annotations

from typing import Protocol

from thidua.domain.nominations import (
    HoldNominationInput,
    NominationStatus,
    NominationWorkflowInput,
    ReevaluateCriteriaInput,
    ResubmitNominationInput,
    ResumeNominationInput,
    ReviewNominationInput,
)


class NominationStore(Protocol):
    """What the nomination use cases read and write in one transaction."""


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
