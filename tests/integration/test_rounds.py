"""The rounds' use cases over the real store (SQLite and PostgreSQL): opening, steps, the late
arrival check, views; and opening a round through the API when no ruleset is in force."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import select, update
from temporalio.client import Client

from tests.support.api import Api, serve_app
from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.adapters.db.models import AuditEntryRow, MovementRow
from thidua.app import rounds
from thidua.app.auth import authenticate
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.domain.rounds import LatePolicy, RoundStage, RoundStep
from thidua.entrypoints.api.app import create_app

CLOSES_AT = datetime(2024, 12, 20, 10, 0, tzinfo=UTC)


def actor(db: SeededDb, username: str) -> Actor:
    with db.uow.session() as session:
        found = authenticate(session, db.token(username))
    assert found is not None
    return found


def open_round(db: SeededDb, late_policy: LatePolicy = LatePolicy.REFUSE) -> str:
    with db.uow() as tx:
        opened = rounds.open_round(
            tx,
            actor(db, "vanphong"),
            movement_code="NTM-2024",
            year=2024,
            closes_at=CLOSES_AT,
            late_policy=late_policy,
            workflow_id=lambda key: f"test-round-{key}",
        )
    return opened.key


def close(db: SeededDb, key: str) -> bool:
    step = RoundStep(
        seq=1,
        action="close",
        stage_to=RoundStage.COUNCIL,
        actor="vanphong",
        reason="Văn phòng Sở đóng đợt xét",
        at=CLOSES_AT + timedelta(hours=1),
    )
    with db.uow() as tx:
        return tx.rounds.record_step(key, step)


def audited(db: SeededDb, key: str) -> Counter[str]:
    with db.uow.session() as session:
        return Counter(
            session.scalars(select(AuditEntryRow.action).where(AuditEntryRow.object_id == key))
        )


class TestOpenAndSteps:
    def test_open_records_the_round_under_the_ruleset_in_force(self, seeded: SeededDb) -> None:
        """A new round: first of its movement and year, open, judged under ntm-2024@1, audited."""
        key = open_round(seeded)
        with seeded.uow() as tx:
            view = rounds.get_round(tx, actor(seeded, "kiemtoan"), key)
            listed = rounds.list_rounds(tx, actor(seeded, "giamdoc"))
        assert (view.key, view.workflow_id, view.stage) == (
            "NTM-2024_2024_dot1",
            "test-round-NTM-2024_2024_dot1",
            "open",
        )
        assert view.ruleset == {"id": "ntm-2024", "version": "1"}
        assert view.closes_at == CLOSES_AT and view.items == [] and view.documents == []
        assert [(r.key, r.stage, r.closes_at) for r in listed] == [(key, "open", CLOSES_AT)]
        assert audited(seeded, key) == {"round.opened": 1}

    def test_a_step_is_recorded_once(self, seeded: SeededDb) -> None:
        """The same step twice (a retried activity) is recorded and audited once."""
        key = open_round(seeded)
        assert close(seeded, key) is True
        assert close(seeded, key) is False
        with seeded.uow() as tx:
            view = rounds.get_round(tx, actor(seeded, "vanphong"), key)
        assert view.stage == "council" and view.closed_at == CLOSES_AT + timedelta(hours=1)
        assert [s["action"] for s in view.steps] == ["close"]
        assert audited(seeded, key) == {"round.opened": 1, "round.step": 1}

    def test_units_do_not_read_rounds_and_unknown_rounds_are_not_found(
        self, seeded: SeededDb
    ) -> None:
        """A unit role is forbidden; a round that does not exist is not found."""
        key = open_round(seeded)
        with seeded.uow() as tx:
            with pytest.raises(Refusal) as info:
                rounds.get_round(tx, actor(seeded, "truongphong.ldvl"), key)
            assert info.value.code is RefusalCode.FORBIDDEN
            with pytest.raises(Refusal) as info:
                rounds.document_file(tx, actor(seeded, "vanphong"), "KHONG_CO", "report", "docx")
            assert info.value.code is RefusalCode.NOT_FOUND


class TestLateArrival:
    def test_refuse_policy_refuses_after_closing_only(self, seeded: SeededDb) -> None:
        """Open: no check; closed with ``refuse``: a unit's approval is refused with the time."""
        key = open_round(seeded, LatePolicy.REFUSE)
        with seeded.uow() as tx:
            rounds.check_late_arrival(tx, "NTM-2024", 2024)
        close(seeded, key)
        with seeded.uow() as tx, pytest.raises(Refusal) as info:
            rounds.check_late_arrival(tx, "NTM-2024", 2024)
        assert info.value.code is RefusalCode.WRONG_STAGE
        assert "đã đóng lúc 20/12/2024 11:00 UTC" in info.value.message

    def test_next_round_policy_lets_late_arrivals_wait(self, seeded: SeededDb) -> None:
        """Closed with ``next_round``: a unit's approval goes through (to the next round)."""
        key = open_round(seeded, LatePolicy.NEXT_ROUND)
        close(seeded, key)
        with seeded.uow() as tx:
            rounds.check_late_arrival(tx, "NTM-2024", 2024)
            rounds.check_late_arrival(tx, "NTM-2024", 2023)  # no round that year


class TestNoRulesetInForce:
    async def test_api_answers_409_naming_the_review_date(self, seeded: SeededDb) -> None:
        """POST /v1/rounds when no ruleset is in force on the review date: 409, not 500."""
        with seeded.uow.session() as session:
            session.execute(
                update(MovementRow)
                .where(MovementRow.code == "NTM-2024")
                .values(closes=date(1990, 12, 20))
            )
        # The refusal comes before any call to Temporal: the app needs no client.
        app = create_app(fast_settings(seeded.url, "q"), seeded.uow, cast(Client, object()))
        async with serve_app(app) as http:
            r = await Api(http, seeded).call(
                "vanphong",
                "POST",
                "/v1/rounds",
                {"movement": "NTM-2024", "year": 2024, "closes_at": "2030-01-01T00:00:00+07:00"},
            )
        assert r.status_code == 409, r.text
        problem = r.json()
        assert problem["type"] == "https://thidua.example/problems/no_ruleset_in_force"
        assert problem["code"] == "no_ruleset_in_force"
        assert "20/12/1990" in problem["detail"]
        assert [e["field"] for e in problem["errors"]] == ["movement"]
        with seeded.uow() as tx:
            assert rounds.list_rounds(tx, actor(seeded, "vanphong")) == []
