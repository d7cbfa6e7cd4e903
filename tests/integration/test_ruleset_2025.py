"""The ruleset for reviews from 1 July 2025 (tdkt-2025@1, Decree 152/2025) in the service, over
the real store (SQLite and PostgreSQL) and the sample Department: a 2026 annual review created
through ``thidua.app.movements`` judges its nominations and its round under tdkt-2025@1, while the
sample 2024 movement stays on ntm-2024@1; the thematic Giấy khen is not an award of 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.integration.test_rounds import actor
from tests.integration.test_rounds import open_round as open_sample_round
from tests.support.db import SeededDb
from thidua.adapters.db.rules_versions import db_engine
from thidua.app import movements, rounds
from thidua.app.nominations import resolve_submission
from thidua.app.recording import NominationRecording
from thidua.app.roster import prefill_submission
from thidua.domain.movements import MovementSpec
from thidua.domain.nominations import EvaluateCriteriaInput
from thidua.domain.refusals import Refusal
from thidua.domain.rounds import LatePolicy

CODE = "TDKT-2026"


def review_2026(**changes: Any) -> MovementSpec:
    data: dict[str, Any] = {
        "code": CODE,
        "kind": "annual_review",
        "name": "Bình xét danh hiệu thi đua năm 2026",
        "year": 2026,
        "plan": {"number": "07/KH-SLĐTBXH", "date": date(2026, 1, 10)},
        "opens": date(2026, 1, 10),
        "closes": date(2026, 12, 18),
        "awards": ["LDTT", "CSTDCS", "TTLDTT", "TTLDXS", "BANG_KHEN_UBND_TINH"],
        **changes,
    }
    return MovementSpec.model_validate(data)


def evaluate_submission(
    db: SeededDb, raw: dict[str, Any], unit: str = "LDVL"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the nomination workflow's first step does: resolve the submission (as of the
    movement's review date), complete the facts, evaluate them with the database's engine
    (the recording's summary, and the engine's full decision for its traces)."""
    key = f"{CODE}_{raw['year']}_{raw['id']}"
    with db.uow() as tx:
        target = resolve_submission(tx, CODE, unit, raw, key)
        facts = prefill_submission(tx, CODE, unit, raw)
    assert target.as_of == date(2026, 12, 18)
    engine = db_engine(db.uow)
    summary = NominationRecording(db.uow, engine).evaluate_criteria(
        EvaluateCriteriaInput(
            workflow_id=f"nomination-{key}",
            nomination_id=key,
            seq=1,
            facts=facts,
            as_of=target.as_of,
            phase="submission",
            record=False,
        ),
        idempotency_key=f"{key}-1",
    )
    decision = engine.evaluate(facts, as_of=target.as_of)
    return summary.model_dump(mode="json"), decision.model_dump(mode="json")


class TestReview2026:
    def test_movement_accepts_the_new_awards_and_refuses_the_thematic_one(
        self, seeded: SeededDb
    ) -> None:
        """The 2026 review's awards are checked against tdkt-2025@1: the 2024 movement's
        Giấy khen is not among them."""
        with seeded.uow() as tx, pytest.raises(Refusal) as info:
            movements.create_movement(
                tx,
                actor(seeded, "vanphong"),
                review_2026(awards=["LDTT", "GIAY_KHEN"]),
            )
        assert info.value.field == "awards[1]" and "GIAY_KHEN" in str(info.value)
        with seeded.uow() as tx:
            created = movements.create_movement(tx, actor(seeded, "vanphong"), review_2026())
        assert created.movement.code == CODE

    def test_nomination_is_evaluated_under_the_new_ruleset(self, seeded: SeededDb) -> None:
        """A 2026 nomination: tdkt-2025@1, CSTĐCS on an initiative (cstdcs-initiative) when the
        rating does not ground it."""
        with seeded.uow() as tx:
            movements.create_movement(tx, actor(seeded, "vanphong"), review_2026())
        raw = {
            "kind": "individual",
            "id": "NV019",
            "year": 2026,
            "rating": "HTTNV",
            "months_worked": 12,
            "initiatives": [{"id": "sk-2026-01", "year": 2026, "applied": True}],
        }
        summary, decision = evaluate_submission(seeded, raw)
        assert (summary["ruleset"]["id"], summary["ruleset"]["version"]) == ("tdkt-2025", "1")
        assert summary["status"] == "eligible" and summary["titles"] == ["LDTT", "CSTDCS"]
        assert decision["ruleset"] == summary["ruleset"]
        fired = {r["id"] for r in decision["rules"] if r["outcome"] == "fired"}
        assert fired == {"ldtt", "cstdcs-initiative"}

    def test_round_is_pinned_to_the_new_ruleset_and_2024_to_v1(self, seeded: SeededDb) -> None:
        """Opening the 2026 round pins tdkt-2025@1; the sample 2024 round keeps ntm-2024@1."""
        with seeded.uow() as tx:
            movements.create_movement(tx, actor(seeded, "vanphong"), review_2026())
        with seeded.uow() as tx:
            opened = rounds.open_round(
                tx,
                actor(seeded, "vanphong"),
                movement_code=CODE,
                year=2026,
                closes_at=datetime(2026, 12, 10, 10, 0, tzinfo=UTC),
                late_policy=LatePolicy.REFUSE,
                workflow_id=lambda key: f"test-round-{key}",
            )
        assert (opened.ruleset_id, opened.ruleset_version) == ("tdkt-2025", "1")
        key_2024 = open_sample_round(seeded)
        with seeded.uow() as tx:
            sample = tx.rounds.get(key_2024)
        assert sample is not None
        assert (sample.ruleset_id, sample.ruleset_version) == ("ntm-2024", "1")
