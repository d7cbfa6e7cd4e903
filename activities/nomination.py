"""Activities of NominationWorkflow: persist steps, evaluate the criteria, record alerts.

Each one is idempotent (keyed by workflow id and step number, or an explicit key), because
Temporal runs activities at least once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from temporalio import activity
from temporalio.exceptions import ApplicationError

from thidua.app import nominations
from thidua.domain.nominations import (
    EvaluateCriteriaInput,
    EvaluationSummary,
    RecordStageAlertInput,
    RecordStepInput,
    RulesetRef,
)
from thidua.logging import get_logger

if TYPE_CHECKING:
    from rules.engine import RulesEngine
    from thidua.adapters.db.uow import SqlUnitOfWork

log = get_logger(__name__)


def _activity_key(fallback: str) -> str:
    """workflow id + run id + activity id: the same across retries of one activity, unique otherwise."""
    if not activity.in_activity():
        return fallback
    info = activity.info()
    return f"{info.workflow_id}:{info.workflow_run_id}:{info.activity_id}"


def _nothing() -> None:
    return None


class NominationActivities:
    """Built once per worker with its database, rules engine and what to call on a new step.

    ``on_step_recorded`` is called after a new step (an event of the webhook feed) is committed;
    the worker passes its webhook dispatcher notifier. It must not block or raise.
    """

    def __init__(
        self,
        uow: SqlUnitOfWork,
        engine: RulesEngine,
        on_step_recorded: Callable[[], None] = _nothing,
    ) -> None:
        self._uow = uow
        self._engine = engine
        self._on_step_recorded = on_step_recorded

    @activity.defn
    def record_step(self, data: RecordStepInput) -> bool:
        with self._uow.session() as session:
            written = nominations.record_step(session, data)
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
        from rules.errors import FactsError

        try:
            if data.pinned is not None:
                decision = self._engine.evaluate(
                    data.facts, ruleset_id=data.pinned.id, version=data.pinned.version
                )
            else:
                decision = self._engine.evaluate(data.facts, as_of=data.as_of)
        except FactsError as exc:
            raise ApplicationError(
                f"Dữ liệu tiêu chí không hợp lệ: {exc}", type="invalid_facts", non_retryable=True
            ) from exc
        if data.pinned is not None and decision.ruleset.sha256 != data.pinned.sha256:
            raise ApplicationError(
                f"Bộ tiêu chí {data.pinned.id}@{data.pinned.version} có mã băm khác với phiên bản "
                "đã ghim; không xét.",
                type="ruleset_mismatch",
                non_retryable=True,
            )
        result = decision.model_dump(mode="json")
        if data.record:
            with self._uow.session() as session:
                nominations.record_evaluation(
                    session,
                    nomination_id=data.nomination_id,
                    idempotency_key=_activity_key(data.workflow_id),
                    phase=data.phase,
                    decision=result,
                    facts=data.facts,
                    run_id=activity.info().workflow_run_id if activity.in_activity() else None,
                    repin=data.repin,
                    requested_by=data.requested_by,
                    reason=data.reason,
                )
        log.info(
            "criteria evaluated" if data.record else "criteria tried (not recorded)",
            nomination=data.nomination_id,
            phase=data.phase,
            status=result["status"],
            ruleset=f"{result['ruleset']['id']}@{result['ruleset']['version']}",
        )
        return EvaluationSummary(
            status=result["status"],
            titles=list(result.get("titles", [])),
            proposals=list(result.get("proposals", [])),
            ruleset=RulesetRef(**result["ruleset"]),
        )

    @activity.defn
    def record_stage_alert(self, data: RecordStageAlertInput) -> bool:
        with self._uow.session() as session:
            written = nominations.record_stage_alert(session, data)
        log.warning(
            "stage deadline passed" if data.kind.value == "escalation" else "stage reminder",
            nomination=data.nomination_id,
            stage=data.stage.value,
            deadline=data.deadline.isoformat(),
        )
        return written
