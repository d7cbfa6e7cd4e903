"""The console dashboard's figures on a real database, scoped like every other read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.db import SeededDb
from thidua.app.dashboard import build
from thidua.app.ports.nominations import NewNomination
from thidua.app.sample_data import STAFF
from thidua.domain.nominations import Action, RecordStepInput, Stage, StepRecord
from thidua.domain.roles import Actor, Role

T0 = datetime(2024, 12, 1, 8, 0, tzinfo=UTC)


def _nomination(db: SeededDb, unit: str, index: int, stages: list[tuple[Stage, datetime]]) -> str:
    code = [s.code for s in STAFF if s.unit_code == unit][index]
    key = f"NTM-2024_2024_{code}"
    with db.uow() as tx:
        tx.nominations.create(
            NewNomination(
                key=key,
                workflow_id=f"wf-{key}",
                movement_code="NTM-2024",
                unit_code=unit,
                nominee_name=code,
                facts={"kind": "individual", "id": code, "year": 2024},
                submitted_by="canbo",
            )
        )
        previous = None
        for seq, (stage, at) in enumerate(stages, start=1):
            tx.nominations.record_step(
                RecordStepInput(
                    workflow_id=f"wf-{key}",
                    run_id="r",
                    nomination_id=key,
                    step=StepRecord(
                        seq=seq,
                        action=Action.SUBMIT if seq == 1 else Action.APPROVE,
                        stage_from=previous,
                        stage_to=stage,
                        actor="x",
                        actor_role=None,
                        reason=None,
                        at=at,
                    ),
                    deadline=at + timedelta(days=10) if not stage.is_final else None,
                ),
            )
            previous = stage
    return key


class TestDashboard:
    def test_figures_are_scoped_and_time_in_stage_is_measured_between_steps(
        self, seeded_sqlite: SeededDb
    ) -> None:
        """A unit head counts only their unit; days in unit review come from the steps; a stage
        past its deadline is overdue."""
        db = seeded_sqlite
        moved = _nomination(
            db,
            "LDVL",
            1,
            [(Stage.UNIT_REVIEW, T0), (Stage.OFFICE_REVIEW, T0 + timedelta(days=2))],
        )
        waiting = _nomination(db, "LDVL", 2, [(Stage.UNIT_REVIEW, T0 + timedelta(days=1))])
        _nomination(db, "NCC", 1, [(Stage.UNIT_REVIEW, T0)])
        now = T0 + timedelta(days=4)
        head = Actor(username="truongphong.ldvl", role=Role.UNIT_HEAD, units=("LDVL",))
        office = Actor(username="vanphong", role=Role.OFFICE, units=("VP",))
        with db.uow() as tx:
            mine = build(tx, head, now=now)
            everyone = build(tx, office, now=now)
        assert mine.total == 2 and [u for u, _ in mine.by_unit] == ["LDVL"]
        assert everyone.total == 3 and {u for u, _ in everyone.by_unit} == {"LDVL", "NCC"}
        days = dict(mine.days_in_stage)
        # moved: 2 days in unit review, then 2 so far in Office review; waiting: 3 days so far
        assert days["Đơn vị xét"] == 2.5 and days["Văn phòng Sở thẩm định"] == 2.0
        assert mine.overdue == []
        later = T0 + timedelta(days=13)
        with db.uow() as tx:
            overdue = {v.id for v in build(tx, head, now=later).overdue}
        assert overdue == {moved, waiting}
