"""Services write one audit entry per change, and none when a retried call writes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.support.db import SeededDb
from thidua.adapters.db.models import AuditEntryRow
from thidua.app import audit
from thidua.app.accounts import tokens, users
from thidua.app.ports.nominations import EvaluationRecord, NewNomination
from thidua.domain.nominations import Action, RecordStepInput, Stage, StepRecord
from thidua.domain.refusals import Refusal
from thidua.domain.roles import Role

KEY = "NTM-2024_2024_AUDIT1"


def _actions(db: SeededDb) -> Counter[tuple[str, str]]:
    with db.uow.session() as session:
        return Counter(
            (a, o)
            for a, o in session.execute(sa.select(AuditEntryRow.action, AuditEntryRow.object_id))
        )


def _create(db: SeededDb) -> None:
    with db.uow() as tx:
        assert tx.nominations.create(
            NewNomination(
                key=KEY,
                workflow_id=f"nomination-{KEY}",
                movement_code="NTM-2024",
                unit_code="LDVL",
                nominee_name="Nguyễn Văn A",
                facts={"id": "AUDIT1", "year": 2024, "kind": "individual"},
                submitted_by="canbo.ldvl",
            )
        )


def _step(seq: int) -> RecordStepInput:
    return RecordStepInput(
        workflow_id=f"nomination-{KEY}",
        run_id="run-1",
        nomination_id=KEY,
        step=StepRecord(
            seq=seq,
            action=Action.SUBMIT if seq == 1 else Action.APPROVE,
            stage_from=None if seq == 1 else Stage.UNIT_REVIEW,
            stage_to=Stage.SUBMITTED if seq == 1 else Stage.OFFICE_REVIEW,
            actor="canbo.ldvl" if seq == 1 else "truongphong.ldvl",
            actor_role=Role.UNIT_OFFICER if seq == 1 else Role.UNIT_HEAD,
            reason=None,
            at=datetime.now(UTC),
        ),
    )


class TestRetriesWriteNoSecondEntry:
    """Activities run at least once: the entry is written only with the newly inserted row."""

    def test_steps_and_evaluations_once_each(self, seeded: SeededDb) -> None:
        """create, step 1 twice, step 2, evaluation twice with one key: 1 + 2 + 1 entries."""
        _create(seeded)
        for data in (_step(1), _step(1), _step(2)):
            with seeded.uow() as tx:
                tx.nominations.record_step(data)
        decision = {
            "status": "eligible",
            "titles": ["LDTT"],
            "proposals": [],
            "ruleset": {"id": "ntm-2024", "version": "1", "sha256": "0" * 64},
        }
        for _ in range(2):
            with seeded.uow() as tx:
                tx.nominations.record_evaluation(
                    EvaluationRecord(
                        nomination_id=KEY,
                        idempotency_key="wf:run:1",
                        phase="submission",
                        decision=decision,
                        facts={"id": "AUDIT1"},
                        run_id="run-1",
                    )
                )
        counts = _actions(seeded)
        assert counts[("nomination.created", KEY)] == 1
        assert counts[("nomination.step", KEY)] == 2
        assert counts[("evaluation.recorded", KEY)] == 1
        with seeded.uow.session() as session:
            steps = list(
                session.scalars(
                    sa.select(AuditEntryRow)
                    .where(AuditEntryRow.action == "nomination.step")
                    .order_by(AuditEntryRow.seq)
                )
            )
            assert [(s.after or {})["seq"] for s in steps] == [1, 2]
            assert steps[1].before == {"stage": "submitted", "last_step_seq": 1}
            assert (steps[1].actor, steps[1].actor_role, steps[1].run_id) == (
                "truongphong.ldvl",
                "unit_head",
                "run-1",
            )
        with seeded.uow() as tx:
            assert audit.verify(tx).ok

    def test_tokens_and_users(self, seeded: SeededDb) -> None:
        """A user, a token, its revocation (twice): one entry each; the secret is never stored."""
        with seeded.uow() as tx:
            users.create_user(tx, "kiemtoan2", "auditor")
        with seeded.uow() as tx:
            token, view = tokens.create_token(tx, "kiemtoan2")
        for _ in range(2):
            with seeded.uow() as tx:
                tokens.revoke_token(tx, str(view.id))
        counts = _actions(seeded)
        assert counts[("user.created", "kiemtoan2")] == 1
        assert counts[("token.created", view.prefix)] == 1
        assert counts[("token.revoked", view.prefix)] == 1
        with seeded.uow.session() as session:
            dumped = " ".join(str(r.after) for r in session.scalars(sa.select(AuditEntryRow)))
        assert token not in dumped and tokens.hash_token(token) not in dumped


@pytest.mark.parametrize("n", [3])
def test_a_failed_change_leaves_no_entry(seeded: SeededDb, n: int) -> None:
    """create_user refused (duplicate): no user.created entry is added."""
    before = sum(_actions(seeded).values())
    for _ in range(n):
        with pytest.raises(Refusal, match="đã tồn tại"), seeded.uow() as tx:
            users.create_user(tx, "kiemtoan", "auditor")
    assert sum(_actions(seeded).values()) == before
