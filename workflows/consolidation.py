"""ConsolidationWorkflow: the Office's review round for a movement and year.

Open → (the Office closes it, or its deadline passes) → appraisal across nominations →
publication of the consolidated list to all staff for the round's ``publication_days`` working
days (objections put nominees on hold meanwhile; the council's activity checks them) → the
council's vote → the Director's decision (approve all or some, reject some, or return the list to
the Office, who closes it again, and the new list is published again). Every effect happens in an
activity; the workflow only orders the steps, checks who may take them, and waits.

Rounds that closed before publication existed (no ``PUBLICATION_PATCH`` marker in their history)
go from closing straight to the council, as they did.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.consolidation import ConsolidationActivities
    from thidua.domain import policy
    from thidua.domain.publication import publication_end
    from thidua.domain.refusals import Refusal, RefusalCode
    from thidua.domain.roles import Actor
    from thidua.domain.rounds import (
        CloseRoundInput,
        ConsolidationWorkflowInput,
        DecideRoundInput,
        RecordCouncilInput,
        RoundActivityInput,
        RoundDecision,
        RoundStage,
        RoundStatus,
        RoundStep,
    )

from workflows.actors import check_actor

# Appraisal and finalisation drive every nomination of the round: allow them time.
LONG_ACTIVITY = timedelta(minutes=10)
SHORT_ACTIVITY = timedelta(seconds=30)
# A dead worker is noticed within this time and the activity runs again on another one.
HEARTBEAT = timedelta(seconds=10)
RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500), maximum_interval=timedelta(seconds=20)
)
#: Closing publishes the list before the council (a change to running code: ``workflow.patched``).
PUBLICATION_PATCH = "publication-before-council"
#: Each update's actor is checked against our accounts first (``workflows.nomination``).
ACTOR_CHECKED = "actor-checked-against-accounts"


def _refuse(code: RefusalCode, message: str, problem: str | None = None) -> ApplicationError:
    """A refusal of an update's validator (never in the history); ``problem`` (its finer name,
    e.g. ``publication_not_ended``) travels in the error's details."""
    return ApplicationError(message, problem or code.value, type=code.value, non_retryable=True)


@workflow.defn
class ConsolidationWorkflow:
    """One review round of the Office: gather, appraise, vote, decide."""

    @workflow.init
    def __init__(self, input: ConsolidationWorkflowInput) -> None:
        self._input = input
        self._stage = RoundStage.OPEN
        self._steps: list[RoundStep] = []
        self._summary: dict[str, int] = {}
        self._lock = asyncio.Lock()
        self._published_until: datetime | None = None
        self._actor_checked = False

    @workflow.run
    async def run(self, input: ConsolidationWorkflowInput) -> RoundStatus:
        # Asked once, at the start (memoized per run): rounds started before keep no check.
        self._actor_checked = workflow.patched(ACTOR_CHECKED)
        await self._wait_until_closed()
        while self._stage is not RoundStage.DECIDED:
            await workflow.wait_condition(
                lambda: self._stage in (RoundStage.PUBLICATION, RoundStage.DECIDED)
            )
            await self._wait_until_published()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _wait_until_published(self) -> None:
        """While the list is published: at the period's end the council's stage begins."""
        while self._stage is RoundStage.PUBLICATION and self._published_until is not None:
            remaining = self._published_until - workflow.now()
            if remaining <= timedelta(0):
                async with self._lock:
                    if self._stage is RoundStage.PUBLICATION:
                        await self._step(
                            "publication_end",
                            RoundStage.COUNCIL,
                            None,
                            "Hết thời gian công khai danh sách",
                        )
                return
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._stage is not RoundStage.PUBLICATION, timeout=remaining
                )

    async def _wait_until_closed(self) -> None:
        """Wait for the Office to close the round; at the deadline close it automatically."""
        while self._stage is RoundStage.OPEN:
            now = workflow.now()
            remaining = self._input.closes_at - now
            if remaining <= timedelta(0):
                async with self._lock:
                    if self._stage is RoundStage.OPEN:
                        await self._close(None, "Hết hạn nhận hồ sơ")
                return
            wait = min(remaining, self._input.reminder_every)
            try:
                await workflow.wait_condition(
                    lambda: self._stage is not RoundStage.OPEN, timeout=wait
                )
            except TimeoutError:
                if workflow.now() < self._input.closes_at:
                    await self._step("reminder", RoundStage.OPEN, None, "Nhắc hạn đóng đợt xét")

    # ---- steps ----------------------------------------------------------------------

    async def _step(
        self, action: str, to: RoundStage, actor: Actor | None, reason: str | None, **extra: object
    ) -> RoundStep:
        step = RoundStep(
            seq=len(self._steps) + 1,
            action=action,
            stage_to=to,
            actor=actor.username if actor else None,
            reason=reason,
            at=workflow.now(),
        )
        activity_input = RoundActivityInput(round_key=self._input.round_key, step=step, **extra)
        if action == "close":
            result = await workflow.execute_activity_method(
                ConsolidationActivities.appraise_round,
                activity_input,
                start_to_close_timeout=LONG_ACTIVITY,
                heartbeat_timeout=HEARTBEAT,
                retry_policy=RETRY,
            )
            self._summary = dict(result)
        elif action == "council":
            result = await workflow.execute_activity_method(
                ConsolidationActivities.record_council,
                activity_input,
                start_to_close_timeout=LONG_ACTIVITY,
                heartbeat_timeout=HEARTBEAT,
                retry_policy=RETRY,
            )
            self._summary.update(result)
        elif action == "approve":
            result = await workflow.execute_activity_method(
                ConsolidationActivities.finalize_round,
                activity_input,
                start_to_close_timeout=LONG_ACTIVITY,
                heartbeat_timeout=HEARTBEAT,
                retry_policy=RETRY,
            )
            self._summary.update(result)
        else:
            await workflow.execute_activity_method(
                ConsolidationActivities.record_round_step,
                activity_input,
                start_to_close_timeout=SHORT_ACTIVITY,
                retry_policy=RETRY,
            )
        self._steps.append(step)
        self._stage = to
        return step

    async def _close(self, actor: Actor | None, reason: str | None) -> None:
        if not workflow.patched(PUBLICATION_PATCH):
            await self._step("close", RoundStage.COUNCIL, actor, reason, closed_by=actor)
            return
        until = publication_end(workflow.now(), self._input.publication_days)
        # No publication period (0 days): the council may vote at once, as before.
        to = RoundStage.PUBLICATION if until > workflow.now() else RoundStage.COUNCIL
        await self._step("close", to, actor, reason, closed_by=actor, published_until=until)
        self._published_until = until

    def _require(self, actor: Actor, step: str) -> None:
        """Who takes ``step`` and in which stages: ``policy.ROUND_STEPS``."""
        try:
            policy.check_round_step(actor, step, self._stage, published_until=self._published_until)
        except Refusal as refusal:
            raise _refuse(refusal.code, refusal.message, refusal.problem) from None

    async def _check_actor(self, actor: Actor) -> None:
        if self._actor_checked:
            await check_actor(actor)

    # ---- updates --------------------------------------------------------------------

    @workflow.update
    async def close(self, input: CloseRoundInput) -> RoundStatus:
        async with self._lock:
            self._check_close(input)
            await self._check_actor(input.actor)
            await self._close(input.actor, "Văn phòng Sở đóng đợt xét")
        return self.status()

    @close.validator
    def _check_close(self, input: CloseRoundInput) -> None:
        self._require(input.actor, "close")

    @workflow.update
    async def record_council(self, input: RecordCouncilInput) -> RoundStatus:
        async with self._lock:
            self._check_council(input)
            await self._check_actor(input.actor)
            await self._step(
                "council", RoundStage.DIRECTOR, input.actor, "Hội đồng đã bỏ phiếu", council=input
            )
        return self.status()

    @record_council.validator
    def _check_council(self, input: RecordCouncilInput) -> None:
        self._require(input.actor, "council")
        if not input.members:
            raise _refuse(RefusalCode.INVALID, "members: phải có danh sách thành viên Hội đồng.")
        if not input.ballots:
            raise _refuse(RefusalCode.INVALID, "ballots: phải có kết quả bỏ phiếu.")

    @workflow.update
    async def decide(self, input: DecideRoundInput) -> RoundStatus:
        async with self._lock:
            self._check_decide(input)
            await self._check_actor(input.actor)
            if input.action is RoundDecision.RETURN:
                await self._step("return", RoundStage.OFFICE, input.actor, input.reason)
            else:
                await self._step(
                    "approve", RoundStage.DECIDED, input.actor, input.reason, decision=input
                )
        return self.status()

    @decide.validator
    def _check_decide(self, input: DecideRoundInput) -> None:
        self._require(input.actor, "decide")
        if input.action is RoundDecision.RETURN and not (input.reason and input.reason.strip()):
            raise _refuse(RefusalCode.INVALID, "reason: trả lại danh sách phải ghi rõ lý do.")

    @workflow.query
    def status(self) -> RoundStatus:
        return RoundStatus(
            round_key=self._input.round_key,
            stage=self._stage,
            closes_at=self._input.closes_at,
            steps=list(self._steps),
            summary=dict(self._summary),
            published_until=self._published_until,
        )
