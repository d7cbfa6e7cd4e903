"""What NominationWorkflow's activities do: record its steps and stage alerts, and evaluate the
criteria on a nomination's facts and store the result.

Every recording is idempotent (a retried call writes nothing and answers False), because Temporal
runs activities at least once; the activity gives the idempotency key of an evaluation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rules.canonical import Encoding
from thidua.app.ports.nominations import EvaluationRecord
from thidua.app.ports.uow import UnitOfWork
from thidua.domain.nominations import (
    EvaluateCriteriaInput,
    EvaluationSummary,
    RecordStageAlertInput,
    RecordStepInput,
    RulesetRef,
)
from thidua.domain.refusals import Refusal, RefusalCode

if TYPE_CHECKING:
    from rules.engine import RulesEngine


class NominationRecording:
    """The recording use cases over one database and the process's rules engine."""

    def __init__(self, uow: UnitOfWork, engine: RulesEngine) -> None:
        self.uow = uow
        self.engine = engine

    def record_step(self, data: RecordStepInput) -> bool:
        """Record one step; a retried call with the same step number writes nothing."""
        with self.uow() as tx:
            return tx.nominations.record_step(data)

    def record_stage_alert(self, data: RecordStageAlertInput) -> bool:
        """Record a reminder or an escalation; a retried call with the same key writes nothing."""
        with self.uow() as tx:
            return tx.nominations.record_stage_alert(data)

    def evaluate_criteria(
        self, data: EvaluateCriteriaInput, *, idempotency_key: str, run_id: str | None = None
    ) -> EvaluationSummary:
        """Evaluate the facts (under the pinned version if any, else the one in force on
        ``as_of``) and, if ``data.record``, store the evaluation and pin the nomination to it.

        Raises ``rules.errors.FactsError`` for facts the engine rejects, and refuses
        (``ruleset_mismatch``) when the pinned version's content changed since it was pinned.
        """
        if data.pinned is not None:
            decision = self.engine.evaluate(
                data.facts, ruleset_id=data.pinned.id, version=data.pinned.version
            )
        else:
            decision = self.engine.evaluate(data.facts, as_of=data.as_of)
        if data.pinned is not None and decision.ruleset.sha256 != data.pinned.sha256:
            raise Refusal(
                RefusalCode.INVALID,
                f"Bộ tiêu chí {data.pinned.id}@{data.pinned.version} có mã băm khác với phiên bản "
                "đã ghim; không xét.",
                problem="ruleset_mismatch",
            )
        result = decision.model_dump(mode="json")
        if data.record:
            with self.uow() as tx:
                tx.nominations.record_evaluation(
                    EvaluationRecord(
                        nomination_id=data.nomination_id,
                        idempotency_key=idempotency_key,
                        phase=data.phase,
                        decision=result,
                        facts=data.facts,
                        run_id=run_id,
                        repin=data.repin,
                        requested_by=data.requested_by,
                        reason=data.reason,
                        # New evaluations' decision hashes use RFC 8785 (older rows keep 1).
                        hash_encoding=Encoding.JCS,
                    )
                )
        return EvaluationSummary(
            status=result["status"],
            titles=list(result.get("titles", [])),
            proposals=list(result.get("proposals", [])),
            ruleset=RulesetRef(**result["ruleset"]),
        )
