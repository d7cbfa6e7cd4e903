"""NominationWorkflow: one nomination from submission to the Director's decision."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.nomination import NominationActivities
    from thidua.domain import policy
    from thidua.domain.nominations import (
        Action,
        DecisionStatus,
        EvaluateCriteriaInput,
        EvaluationSummary,
        HoldNominationInput,
        NominationStatus,
        NominationWorkflowInput,
        RecordStageAlertInput,
        RecordStepInput,
        ReevaluateCriteriaInput,
        ResubmitNominationInput,
        ResumeNominationInput,
        ReviewDecision,
        ReviewNominationInput,
        Stage,
        StageAlertKind,
        StepRecord,
    )
    from thidua.domain.refusals import Refusal, RefusalCode
    from thidua.domain.roles import Actor, Role
    from workflows import search_attributes as sa

from workflows.actors import check_actor

# Recording a step and evaluating the criteria are short, local work (a database write, a rules
# evaluation): they run as local activities, in the worker that runs the workflow, without a
# round trip through the server per call. Both are idempotent like any activity.
ACTIVITY_TIMEOUT = timedelta(seconds=30)
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10)
)


# workflow.patched ids. Each is asked once, at the start of a run (``patched`` is memoized per
# run, so asking inside a handler that runs twice could take the old path in the first call and
# then, on replay, in the second too): runs started before the change keep the old behaviour.
# A resume tries the proposed facts without recording, and applies them only if not refused.
RESUME_TRIES_FACTS_FIRST = "resume-tries-facts-first"
# Before an update changes anything, its actor is checked against our accounts (a local
# activity): Temporal's frontend has no authentication, so the actor in a payload is a claim.
ACTOR_CHECKED = "actor-checked-against-accounts"


def _refuse(refusal: Refusal) -> ApplicationError:
    return ApplicationError(refusal.message, type=refusal.code.value, non_retryable=True)


def _still_held(evaluation: EvaluationSummary) -> bool:
    """The criteria hold the nominee (under review): the nomination stays on hold."""
    return evaluation.status == DecisionStatus.ON_HOLD


def _still_under_review() -> ApplicationError:
    return ApplicationError(
        "Bộ tiêu chí vẫn xác định người được đề nghị đang bị xem xét (under_review); "
        "gửi lại thông tin đã được làm rõ để tiếp tục.",
        type=RefusalCode.WRONG_STAGE.value,
        non_retryable=True,
    )


@workflow.defn
class NominationWorkflow:
    """Carries one nomination through unit review, Office review and the Director's decision."""

    @workflow.init
    def __init__(self, input: NominationWorkflowInput) -> None:
        self._input = input
        self._facts = dict(input.facts)
        self._stage = Stage.SUBMITTED
        self._stage_before_hold: Stage | None = None
        self._stage_entered_at = workflow.now()
        self._deadline: datetime | None = None
        self._steps: list[StepRecord] = []
        self._evaluation: EvaluationSummary | None = None
        self._lock = asyncio.Lock()
        self._escalated_stage_seq: int | None = None
        self._resume_tries_facts_first = False
        self._actor_checked = False

    # ---- the lifecycle --------------------------------------------------------------

    @workflow.run
    async def run(self, input: NominationWorkflowInput) -> NominationStatus:
        self._resume_tries_facts_first = workflow.patched(RESUME_TRIES_FACTS_FIRST)
        self._actor_checked = workflow.patched(ACTOR_CHECKED)
        async with self._lock:
            await self._record(Action.SUBMIT, Stage.SUBMITTED, input.submitted_by, None)
            await self._evaluate_and_route("submission", input.submitted_by)
            await self._after_submission_evaluation()
        while not self._stage.is_final:
            await self._wait_in_stage()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _wait_in_stage(self) -> None:
        """Wait for the stage to change, sending reminders and escalating at the deadline."""
        entered = len(self._steps)
        deadlines = self._input.deadlines
        while len(self._steps) == entered and not self._stage.is_final:
            now = workflow.now()
            wake = now + deadlines.reminder_every
            if self._deadline is not None and self._escalated_stage_seq != entered:
                wake = min(wake, self._deadline)
            try:
                await workflow.wait_condition(
                    lambda: len(self._steps) != entered,
                    timeout=max(wake - now, timedelta(seconds=1)),
                )
            except TimeoutError:
                if len(self._steps) != entered or self._deadline is None:
                    continue
                overdue = workflow.now() >= self._deadline
                if overdue and self._escalated_stage_seq != entered:
                    self._escalated_stage_seq = entered
                    await self._alert(StageAlertKind.ESCALATION, entered)
                else:
                    await self._alert(StageAlertKind.REMINDER, entered)

    async def _alert(self, kind: StageAlertKind, stage_seq: int) -> None:
        assert self._deadline is not None
        now = workflow.now()
        await workflow.execute_activity_method(
            NominationActivities.record_stage_alert,
            RecordStageAlertInput(
                workflow_id=workflow.info().workflow_id,
                nomination_id=self._input.nomination_id,
                key=f"{workflow.info().workflow_id}:{stage_seq}:{kind.value}:{now.isoformat()}",
                kind=kind,
                stage=self._stage,
                deadline=self._deadline,
                at=now,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    async def _record(
        self,
        action: Action,
        to: Stage,
        actor: Actor | None,
        reason: str | None,
        facts_changed: bool = False,
    ) -> None:
        """Persist a step through an activity, then apply it to the workflow's own state."""
        now = workflow.now()
        step = StepRecord(
            seq=len(self._steps) + 1,
            action=action,
            stage_from=self._stage if self._steps else None,
            stage_to=to,
            actor=actor.username if actor else None,
            actor_role=actor.role if actor else None,
            reason=reason,
            at=now,
        )
        stage_changes = to != self._stage or not self._steps
        deadline = self._deadline
        if stage_changes:
            limit = self._input.deadlines.for_stage(to)
            deadline = now + limit if limit is not None else None
        await workflow.execute_local_activity_method(
            NominationActivities.record_step,
            RecordStepInput(
                workflow_id=workflow.info().workflow_id,
                run_id=workflow.info().run_id,
                nomination_id=self._input.nomination_id,
                step=step,
                deadline=deadline,
                facts=self._facts if (facts_changed or not self._steps) else None,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        self._steps.append(step)
        if stage_changes:
            if to != self._stage:  # the start already set "submitted"
                workflow.upsert_search_attributes([sa.STAGE.value_set(to.value)])
            self._stage = to
            self._stage_entered_at = now
            self._deadline = deadline
            workflow.logger.info(
                "stage changed", extra={"stage": to.value, "action": action.value, "seq": step.seq}
            )

    async def _evaluate_and_route(self, phase: str, actor: Actor) -> None:
        """Run the criteria (in an activity) on the current facts and record the result."""
        self._evaluation = await self._evaluate(phase, self._facts)

    async def _evaluate(
        self, phase: str, facts: dict[str, Any], *, record: bool = True
    ) -> EvaluationSummary:
        """The criteria's verdict on ``facts`` (stored by the activity only if ``record``)."""
        pinned = self._evaluation.ruleset if self._evaluation else None
        return await workflow.execute_local_activity_method(
            NominationActivities.evaluate_criteria,
            EvaluateCriteriaInput(
                workflow_id=workflow.info().workflow_id,
                nomination_id=self._input.nomination_id,
                seq=len(self._steps) + 1,
                facts=facts,
                as_of=self._input.as_of,
                pinned=pinned,
                phase=phase,
                record=record,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    async def _check_actor(self, actor: Actor, *, system_allowed: bool = False) -> None:
        """Refuse the update unless ``actor`` is an active account of ours with the role and
        units it claims (runs started before ``ACTOR_CHECKED`` skip it). ``system_allowed``:
        a step the Office robot takes for a round (review, hold) of this nomination."""
        if not self._actor_checked:
            return
        await check_actor(
            actor, system_allowed=system_allowed, nomination_id=self._input.nomination_id
        )

    def _route_after_evaluation(self, normal: Stage) -> Stage:
        if self._evaluation is not None and _still_held(self._evaluation):
            return Stage.ON_HOLD
        return normal

    # ---- human steps (updates) ------------------------------------------------------

    @workflow.update
    async def review(self, input: ReviewNominationInput) -> NominationStatus:
        async with self._lock:
            to = self._validate_review(input)
            await self._check_actor(input.actor, system_allowed=True)
            stage = self._stage
            if input.evaluation is not None:
                self._evaluation = input.evaluation
            await self._record(Action(input.decision.value), to, input.actor, input.reason)
            if stage is Stage.UNIT_REVIEW and to is Stage.OFFICE_REVIEW:
                await self._evaluate_and_route("office_review", input.actor)
                if self._route_after_evaluation(to) is Stage.ON_HOLD:
                    self._stage_before_hold = to
                    await self._record(
                        Action.HOLD,
                        Stage.ON_HOLD,
                        None,
                        "Tiêu chí: người được đề nghị đang bị xem xét",
                    )
        return self.status()

    @review.validator
    def _check_review(self, input: ReviewNominationInput) -> None:
        self._validate_review(input)

    def _validate_review(self, input: ReviewNominationInput) -> Stage:
        try:
            to = policy.check_review(
                input.actor, self._stage, self._input.unit_code, input.decision
            )
            policy.check_reason(input.decision, input.reason)
        except Refusal as refusal:
            raise _refuse(refusal) from None
        needs_eligible = input.decision is ReviewDecision.APPROVE and self._stage in (
            Stage.OFFICE_REVIEW,
            Stage.DIRECTOR_REVIEW,
        )
        if input.evaluation is not None and input.actor.role not in (Role.OFFICE, Role.DIRECTOR):
            raise ApplicationError(
                "Chỉ Văn phòng Sở hoặc Giám đốc được ghi kết quả thẩm định tổng hợp.",
                type=RefusalCode.FORBIDDEN.value,
                non_retryable=True,
            )
        evaluation = input.evaluation or self._evaluation
        if needs_eligible and (evaluation is None or evaluation.status != DecisionStatus.ELIGIBLE):
            raise ApplicationError(
                "Hồ sơ không đạt tiêu chuẩn theo bộ tiêu chí, không thể chuyển tiếp; "
                "hãy trả lại hoặc không phê duyệt.",
                type=RefusalCode.NOT_ELIGIBLE.value,
                non_retryable=True,
            )
        return to

    @workflow.update
    async def resubmit(self, input: ResubmitNominationInput) -> NominationStatus:
        async with self._lock:
            self._validate_resubmit(input)
            await self._check_actor(input.actor)
            self._facts = dict(input.facts)
            await self._record(
                Action.RESUBMIT, Stage.SUBMITTED, input.actor, input.reason, facts_changed=True
            )
            await self._evaluate_and_route("resubmission", input.actor)
            await self._after_submission_evaluation()
        return self.status()

    @resubmit.validator
    def _check_resubmit(self, input: ResubmitNominationInput) -> None:
        self._validate_resubmit(input)
        self._check_year(input.facts)

    def _check_year(self, facts: dict[str, Any]) -> None:
        """Facts sent again keep the nomination's year (the movement's, checked at submission).

        Only in validators: they do not run on replay, so histories accepted before this check
        replay unchanged (the service checks it first anyway: ``check_changed_facts``)."""
        if facts.get("year") != self._input.year:
            raise ApplicationError(
                f"facts.year: hồ sơ {self._input.nomination_id} thuộc năm {self._input.year} "
                f"của phong trào {self._input.movement_code}, không đổi sang năm "
                f"{facts.get('year')}.",
                RefusalCode.FORBIDDEN.value,
                "facts.year",
                type=RefusalCode.FORBIDDEN.value,
                non_retryable=True,
            )

    def _validate_resubmit(self, input: ResubmitNominationInput) -> None:
        try:
            policy.check_resubmit(input.actor, self._stage, self._input.unit_code)
        except Refusal as refusal:
            raise _refuse(refusal) from None
        if input.facts.get("id") != self._facts.get("id") or input.facts.get(
            "kind"
        ) != self._facts.get("kind"):
            raise ApplicationError(
                "Hồ sơ nộp lại phải cùng người/tập thể được đề nghị (facts.id và facts.kind).",
                type=RefusalCode.FORBIDDEN.value,
                non_retryable=True,
            )

    @workflow.update
    async def hold(self, input: HoldNominationInput) -> NominationStatus:
        async with self._lock:
            self._check_hold(input)
            await self._check_actor(input.actor, system_allowed=True)
            self._stage_before_hold = self._stage
            await self._record(Action.HOLD, Stage.ON_HOLD, input.actor, input.reason)
        return self.status()

    @hold.validator
    def _check_hold(self, input: HoldNominationInput) -> None:
        try:
            policy.check_hold(input.actor, self._stage, self._input.unit_code)
        except Refusal as refusal:
            raise _refuse(refusal) from None
        if not input.reason.strip():
            raise ApplicationError(
                "Tạm dừng xét phải ghi rõ lý do.", type=RefusalCode.FORBIDDEN.value
            )

    @workflow.update
    async def resume(self, input: ResumeNominationInput) -> NominationStatus:
        """Back to the stage before the hold; facts sent with it are evaluated first.

        While the criteria still hold the nominee (under review) the resume is refused, and a
        refused resume changes nothing: the proposed facts are tried without being recorded, and
        only an accepted resume applies them, records their evaluation and the step.
        """
        async with self._lock:
            self._validate_resume(input)
            await self._check_actor(input.actor)
            back_to = self._stage_before_hold or Stage.UNIT_REVIEW
            needs_evaluation = (
                input.facts is not None or self._evaluation is None or _still_held(self._evaluation)
            )
            if needs_evaluation and self._resume_tries_facts_first:
                facts = dict(input.facts) if input.facts is not None else self._facts
                if _still_held(await self._evaluate("resume", facts, record=False)):
                    raise _still_under_review()
                self._evaluation = await self._evaluate("resume", facts)
                self._facts = facts
            elif needs_evaluation:  # runs started before RESUME_TRIES_FACTS_FIRST
                await self._resume_evaluated_before_the_patch(input)
            if self._route_after_evaluation(back_to) is Stage.ON_HOLD:
                raise _still_under_review()
            self._stage_before_hold = None
            await self._record(
                Action.RESUME,
                back_to,
                input.actor,
                input.reason,
                facts_changed=input.facts is not None,
            )
        return self.status()

    async def _resume_evaluated_before_the_patch(self, input: ResumeNominationInput) -> None:
        """The old resume: set the facts, then evaluate and record (even if then refused)."""
        if input.facts is not None:
            self._facts = dict(input.facts)
        await self._evaluate_and_route("resume", input.actor)

    @resume.validator
    def _check_resume(self, input: ResumeNominationInput) -> None:
        self._validate_resume(input)
        if input.facts is not None:
            self._check_year(input.facts)

    def _validate_resume(self, input: ResumeNominationInput) -> None:
        try:
            policy.check_resume(input.actor, self._stage)
        except Refusal as refusal:
            raise _refuse(refusal) from None
        if input.facts is not None and (
            input.facts.get("id") != self._facts.get("id")
            or input.facts.get("kind") != self._facts.get("kind")
        ):
            raise ApplicationError(
                "Thông tin bổ sung phải cùng người/tập thể được đề nghị (facts.id và facts.kind).",
                type=RefusalCode.FORBIDDEN.value,
                non_retryable=True,
            )

    @workflow.update
    async def reevaluate_criteria(self, input: ReevaluateCriteriaInput) -> NominationStatus:
        """A rules admin re-evaluates under another published version; the pin moves to it.

        Only the evaluation (and the nomination's pin) change: the stage does not. Reviewers see
        the new result, and the Office/Director approvals require it to be eligible as usual.
        (Added before any deployment; a deployed system would guard it with
        ``workflow.patched``, although a new update handler alone does not break replay.)
        """
        async with self._lock:
            self._check_reevaluate(input)
            await self._check_actor(input.actor)
            self._evaluation = await workflow.execute_local_activity_method(
                NominationActivities.evaluate_criteria,
                EvaluateCriteriaInput(
                    workflow_id=workflow.info().workflow_id,
                    nomination_id=self._input.nomination_id,
                    seq=len(self._steps) + 1,
                    facts=self._facts,
                    as_of=self._input.as_of,
                    pinned=input.ruleset,
                    phase="reevaluation",
                    repin=True,
                    requested_by=input.actor,
                    reason=input.reason,
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        return self.status()

    @reevaluate_criteria.validator
    def _check_reevaluate(self, input: ReevaluateCriteriaInput) -> None:
        if input.actor.role is not Role.RULES_ADMIN:
            raise ApplicationError(
                "Chỉ quản trị tiêu chí được xét lại hồ sơ theo phiên bản bộ tiêu chí khác.",
                type=RefusalCode.FORBIDDEN.value,
                non_retryable=True,
            )
        if self._stage.is_final or self._stage is Stage.SUBMITTED:
            raise ApplicationError(
                f"Hồ sơ đang ở bước {self._stage.value}: không xét lại được.",
                type=RefusalCode.WRONG_STAGE.value,
                non_retryable=True,
            )
        current = self._evaluation.ruleset if self._evaluation else None
        if current is not None and current.id != input.ruleset.id:
            raise ApplicationError(
                f"Hồ sơ được xét theo bộ tiêu chí {current.id}, không phải {input.ruleset.id}.",
                type=RefusalCode.INVALID.value,
                non_retryable=True,
            )
        if current is not None and current == input.ruleset:
            raise ApplicationError(
                f"Hồ sơ đã được xét theo {current.id}@{current.version}.",
                type=RefusalCode.DUPLICATE.value,
                non_retryable=True,
            )

    async def _after_submission_evaluation(self) -> None:
        to = self._route_after_evaluation(Stage.UNIT_REVIEW)
        if to is Stage.ON_HOLD:
            self._stage_before_hold = Stage.UNIT_REVIEW
            await self._record(
                Action.HOLD, Stage.ON_HOLD, None, "Tiêu chí: người được đề nghị đang bị xem xét"
            )
        else:
            await self._record(Action.EVALUATE, Stage.UNIT_REVIEW, None, None)

    @workflow.update
    async def submission_evaluated(self) -> NominationStatus:
        """Return once the submission has been evaluated and routed (used by submit)."""
        await workflow.wait_condition(lambda: self._stage is not Stage.SUBMITTED)
        return self.status()

    # ---- queries --------------------------------------------------------------------

    @workflow.query
    def status(self) -> NominationStatus:
        return NominationStatus(
            nomination_id=self._input.nomination_id,
            stage=self._stage,
            stage_entered_at=self._stage_entered_at,
            deadline=self._deadline,
            evaluation=self._evaluation,
            steps=list(self._steps),
        )
