"""Activities of the Office's consolidation round: each one use case of
``thidua.app.consolidation`` (appraise, record the council, apply the Director's decision, record
a step).

The long ones heartbeat every second, so a killed worker is noticed within the heartbeat timeout
and the activity runs again on another one (the use cases are idempotent). A refusal (e.g. a
ballot for something not on the list) fails the activity for good: a non-retryable
``ApplicationError`` with the refusal's code as its type, which the round's gateway turns back
into the same refusal; anything else is retried.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from thidua.app.consolidation import Consolidation
from thidua.domain.refusals import Refusal
from thidua.domain.rounds import RoundActivityInput

T = TypeVar("T")


def _heartbeating(fn: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Heartbeat every second while the activity runs (its heartbeat timeout is 10 s)."""

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> T:
        async def beat() -> None:
            while True:
                activity.heartbeat()
                await asyncio.sleep(1)

        task = asyncio.create_task(beat())
        try:
            return await fn(*args, **kwargs)
        finally:
            task.cancel()

    return wrapper


def _refused(refusal: Refusal) -> ApplicationError:
    """The refusal, for good; its problem name (e.g. ``objection_unresolved``) in the details."""
    return ApplicationError(
        refusal.message, refusal.problem, type=refusal.code.value, non_retryable=True
    )


class ConsolidationActivities:
    """Built once per worker over the round's use cases."""

    def __init__(self, consolidation: Consolidation) -> None:
        self._consolidation = consolidation

    @activity.defn
    async def record_round_step(self, data: RoundActivityInput) -> bool:
        try:
            return await self._consolidation.record_step(data)
        except Refusal as refusal:
            raise _refused(refusal) from None

    @activity.defn
    @_heartbeating
    async def appraise_round(self, data: RoundActivityInput) -> dict[str, int]:
        """Close: gather, appraise across nominations, return/hold what must go back."""
        try:
            return await self._consolidation.appraise(data)
        except Refusal as refusal:
            raise _refused(refusal) from None

    @activity.defn
    @_heartbeating
    async def record_council(self, data: RoundActivityInput) -> dict[str, int]:
        """Record the council's ballots, recount and re-check the appraisal."""
        try:
            return await self._consolidation.record_council(data)
        except Refusal as refusal:
            raise _refused(refusal) from None

    @activity.defn
    @_heartbeating
    async def finalize_round(self, data: RoundActivityInput) -> dict[str, int]:
        """The Director's decision: statuses and amounts, documents, then each nomination moves on."""
        try:
            return await self._consolidation.finalize(data, run_id=activity.info().workflow_run_id)
        except Refusal as refusal:
            raise _refused(refusal) from None
