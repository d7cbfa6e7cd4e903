"""NominationActivities run at least once: a repeated call with the same input writes nothing more."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.nomination import NominationActivities
from tests.support.db import SeededDb
from thidua.adapters.db.models import EvaluationRow, NominationRow, NominationStepRow, StageAlertRow
from thidua.app.ports.nominations import NewNomination
from thidua.app.recording import NominationRecording
from thidua.domain.nominations import (
    Action,
    EvaluateCriteriaInput,
    RecordStageAlertInput,
    RecordStepInput,
    Stage,
    StageAlertKind,
    StepRecord,
)
from thidua.domain.roles import Role

KEY = "NTM-2024_2024_NV018"
WORKFLOW_ID = f"nomination-{KEY}"
FACTS: dict[str, Any] = {"kind": "individual", "id": "NV018", "year": 2024, "rating": "HTXSNV"}
AT = datetime(2024, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def acts(seeded: SeededDb, rules_engine: Any) -> NominationActivities:
    """The activities over a seeded database holding one freshly submitted nomination."""
    with seeded.uow() as tx:
        assert tx.nominations.create(
            NewNomination(
                key=KEY,
                workflow_id=WORKFLOW_ID,
                movement_code="NTM-2024",
                unit_code="LDVL",
                nominee_name="Nguyễn Thị Ngọc Hân",
                facts=FACTS,
                submitted_by="canbo.ldvl",
            )
        )
    return NominationActivities(NominationRecording(seeded.uow, rules_engine))


def count(db: SeededDb, model: Any) -> int:
    with db.uow.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def step_input(seq: int, action: Action, to: Stage, **kw: Any) -> RecordStepInput:
    return RecordStepInput(
        workflow_id=WORKFLOW_ID,
        run_id="run-1",
        nomination_id=KEY,
        step=StepRecord(
            seq=seq,
            action=action,
            stage_from=kw.pop("stage_from", None),
            stage_to=to,
            actor=kw.pop("actor", None),
            actor_role=kw.pop("actor_role", None),
            reason=None,
            at=AT,
        ),
        **kw,
    )


class TestRecordStep:
    """record_step is keyed by nomination and step number."""

    async def test_same_step_twice_writes_one_row(
        self, acts: NominationActivities, seeded: SeededDb
    ) -> None:
        """A retried record_step returns False the second time and leaves one row."""
        data = step_input(
            1,
            Action.SUBMIT,
            Stage.SUBMITTED,
            actor="canbo.ldvl",
            actor_role=Role.UNIT_OFFICER,
            facts=FACTS,
        )
        env = ActivityEnvironment()

        assert env.run(acts.record_step, data) is True
        assert env.run(acts.record_step, data) is False
        assert count(seeded, NominationStepRow) == 1

    async def test_late_retry_of_an_older_step_does_not_move_the_stage_back(
        self, acts: NominationActivities, seeded: SeededDb
    ) -> None:
        """Replaying step 1 after step 2 keeps the nomination at step 2's stage and deadline."""
        env = ActivityEnvironment()
        first = step_input(1, Action.SUBMIT, Stage.SUBMITTED, facts=FACTS)
        deadline = AT + timedelta(days=10)
        second = step_input(
            2, Action.EVALUATE, Stage.UNIT_REVIEW, stage_from=Stage.SUBMITTED, deadline=deadline
        )
        env.run(acts.record_step, first)
        env.run(acts.record_step, second)
        env.run(acts.record_step, first)

        with seeded.uow.session() as session:
            row = session.scalars(select(NominationRow).where(NominationRow.key == KEY)).one()
            assert (row.stage, row.last_step_seq) == ("unit_review", 2)
            assert row.deadline_at is not None
            assert row.deadline_at.replace(tzinfo=None) == deadline.replace(tzinfo=None)
        assert count(seeded, NominationStepRow) == 2


class TestEvaluateCriteria:
    """evaluate_criteria is keyed by workflow id, step number and phase."""

    async def test_same_evaluation_twice_writes_one_row(
        self, acts: NominationActivities, seeded: SeededDb
    ) -> None:
        """A retried evaluation returns the same summary and stores one evaluation, hashed with
        RFC 8785."""
        data = EvaluateCriteriaInput(
            workflow_id=WORKFLOW_ID,
            nomination_id=KEY,
            seq=2,
            facts=FACTS,
            as_of=date(2024, 12, 20),
            phase="submission",
        )
        env = ActivityEnvironment()

        first = env.run(acts.evaluate_criteria, data)
        again = env.run(acts.evaluate_criteria, data)

        assert first == again
        assert first.status == "eligible"
        assert count(seeded, EvaluationRow) == 1
        with seeded.uow.session() as session:
            row = session.scalars(select(EvaluationRow)).one()
            assert (row.ruleset_id, row.ruleset_version, row.ruleset_sha256) == (
                first.ruleset.id,
                first.ruleset.version,
                first.ruleset.sha256,
            )
            assert row.hash_encoding == 2  # new evaluations: RFC 8785 (older rows keep 1)
            nomination = session.scalars(select(NominationRow)).one()
            assert nomination.ruleset_sha256 == first.ruleset.sha256

    async def test_invalid_facts_fail_without_retry(
        self, acts: NominationActivities, seeded: SeededDb
    ) -> None:
        """Facts the engine rejects raise a non-retryable invalid_facts error and store nothing."""
        data = EvaluateCriteriaInput(
            workflow_id=WORKFLOW_ID,
            nomination_id=KEY,
            seq=2,
            facts={**FACTS, "rating": "EXCELLENT"},
            as_of=date(2024, 12, 20),
            phase="submission",
        )
        with pytest.raises(ApplicationError) as info:
            ActivityEnvironment().run(acts.evaluate_criteria, data)

        assert (info.value.type, info.value.non_retryable) == ("invalid_facts", True)
        assert count(seeded, EvaluationRow) == 0


class TestRecordStageAlert:
    """record_stage_alert is keyed by its explicit key."""

    async def test_same_alert_twice_writes_one_row(
        self, acts: NominationActivities, seeded: SeededDb
    ) -> None:
        """A retried alert returns False the second time and leaves one row."""
        data = RecordStageAlertInput(
            workflow_id=WORKFLOW_ID,
            nomination_id=KEY,
            key=f"{WORKFLOW_ID}:2:escalation:{AT.isoformat()}",
            kind=StageAlertKind.ESCALATION,
            stage=Stage.UNIT_REVIEW,
            deadline=AT,
            at=AT,
        )
        env = ActivityEnvironment()

        assert env.run(acts.record_stage_alert, data) is True
        assert env.run(acts.record_stage_alert, data) is False
        assert count(seeded, StageAlertRow) == 1
