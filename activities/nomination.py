"""Activities of NominationWorkflow: persist steps, evaluate the criteria, record alerts.

Each one is idempotent (keyed by workflow id and step number, or an explicit key), because
Temporal runs activities at least once. The work is done by the recording use cases
(``thidua.app.recording``); here are the activity's own concerns: the idempotency key from
``activity.info()``, and refusals turned into non-retryable ``ApplicationError``s.
"""

from __future__ import annotations

from collections.abc import Callable

from temporalio import activity
from temporalio.exceptions import ApplicationError

from rules.errors import FactsError
from thidua.app.recording import NominationRecording
from thidua.domain.nominations import (
    EvaluateCriteriaInput,
    EvaluationSummary,
    RecordStageAlertInput,
    RecordStepInput,
)
from thidua.domain.refusals import Refusal
from thidua.logging import get_logger

log = get_logger(__name__)


def _activity_key(fallback: str) -> str:
    """workflow id + run id + activity id: the same across retries of one activity, unique otherwise."""
    if not activity.in_activity():
        return fallback
    info = activity.info()
    return f"{info.workflow_id}:{info.workflow_run_id}:{info.activity_id}"


def _refused(refusal: Refusal) -> ApplicationError:
    """A refusal as the workflow sees it: not retried, typed by its problem (its code unless a
    finer name was given, e.g. ``ruleset_mismatch``)."""
    return ApplicationError(refusal.message, type=refusal.problem, non_retryable=True)


def _nothing() -> None:
    return None


class NominationActivities:
    """Built once per worker with the recording use cases and what to call on a new step.

    ``on_step_recorded`` is called after a new step (an event of the webhook feed) is committed;
    the worker passes its webhook dispatcher notifier. It must not block or raise.
    """

    def __init__(
        self, recording: NominationRecording, on_step_recorded: Callable[[], None] = _nothing
    ) -> None:
        self._recording = recording
        self._on_step_recorded = on_step_recorded

    @activity.defn
    def record_step(self, data: RecordStepInput) -> bool:
        written = self._recording.record_step(data)
        if written:
            self._on_step_recorded()
        log.info(
            "step recorded" if written else "step already recorded",
            nomination=data.nomination_id,
            seq=data.step.seq,
            action=data.step.action.value,
            stage=data.step.stage_to.value,
        )
        return written

    @activity.defn
    def evaluate_criteria(self, data: EvaluateCriteriaInput) -> EvaluationSummary:
        try:
            summary = self._recording.evaluate_criteria(
                data,
                idempotency_key=_activity_key(data.workflow_id),
                run_id=activity.info().workflow_run_id if activity.in_activity() else None,
            )
        except FactsError as exc:
            raise ApplicationError(
                f"Dữ liệu tiêu chí không hợp lệ: {exc}", type="invalid_facts", non_retryable=True
            ) from exc
        except Refusal as refusal:
            raise _refused(refusal) from refusal
        log.info(
            "criteria evaluated" if data.record else "criteria tried (not recorded)",
            nomination=data.nomination_id,
            phase=data.phase,
            status=summary.status.value,
            ruleset=f"{summary.ruleset.id}@{summary.ruleset.version}",
        )
        return summary

    @activity.defn
    def record_stage_alert(self, data: RecordStageAlertInput) -> bool:
        written = self._recording.record_stage_alert(data)
        log.warning(
            "stage deadline passed" if data.kind.value == "escalation" else "stage reminder",
            nomination=data.nomination_id,
            stage=data.stage.value,
            deadline=data.deadline.isoformat(),
        )
        return written
