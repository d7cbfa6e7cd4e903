"""The rounds' use cases over the real store (SQLite and PostgreSQL): opening, steps, the late
arrival check, views, the consolidation steps (with fakes of the nominations' workflows); and
opening a round through the API when no ruleset is in force."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import select, update
from temporalio.client import Client

from tests.support.api import Api, serve_app
from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.adapters.db.models import AuditEntryRow, MovementRow, NominationRow, StaffRow, UnitRow
from thidua.app import rounds
from thidua.app.accounts.authentication import authenticate
from thidua.app.consolidation import Consolidation
from thidua.app.ports.org import Change, CouncilRecord
from thidua.domain.nominations import Stage
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.domain.rounds import (
    Ballot,
    CouncilMember,
    DecideRoundInput,
    LatePolicy,
    RecordCouncilInput,
    RoundActivityInput,
    RoundDecision,
    RoundStage,
    RoundStep,
)
from thidua.entrypoints.api.app import create_app

CLOSES_AT = datetime(2024, 12, 20, 10, 0, tzinfo=UTC)


def actor(db: SeededDb, username: str) -> Actor:
    with db.uow() as tx:
        found = authenticate(tx, db.token(username))
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


# ---- the consolidation steps over the real store --------------------------------------------


class AcceptingNominationWorkflows:
    """Every nomination's workflow takes every update; the updates are noted."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str | None]] = []

    async def review(self, workflow_id: str, input: Any, update_id: str | None = None) -> None:
        self.sent.append((input.decision.value, workflow_id, update_id))

    async def hold(self, workflow_id: str, input: Any, update_id: str | None = None) -> None:
        self.sent.append(("hold", workflow_id, update_id))


DOSSIER = {"achievement_report": "bc.pdf", "review_minutes": "bb.pdf", "evidence": ["qd.pdf"]}


def approved_by_units(db: SeededDb) -> list[str]:
    """Three nominations of LDVL waiting for the Office: two complete, one without minutes."""
    keys = []
    with db.uow.session() as session:
        movement = session.scalars(select(MovementRow).where(MovementRow.code == "NTM-2024")).one()
        unit = session.scalars(select(UnitRow).where(UnitRow.code == "LDVL")).one()
        for code, rating, dossier in (
            ("NV018", "HTXSNV", DOSSIER),
            ("NV019", "HTTNV", DOSSIER),
            ("NV020", "HTTNV", {"achievement_report": "bc.pdf"}),
        ):
            staff = session.scalars(select(StaffRow).where(StaffRow.code == code)).one()
            key = f"NTM-2024_2024_{code}"
            session.add(
                NominationRow(
                    key=key,
                    workflow_id=f"nomination-{key}",
                    movement_id=movement.id,
                    year=2024,
                    unit_id=unit.id,
                    kind="individual",
                    nominee_code=code,
                    nominee_name=staff.full_name,
                    stage=Stage.OFFICE_REVIEW.value,
                    facts={"kind": "individual", "id": code, "year": 2024, "rating": rating},
                    status="eligible",
                    submitted_by="canbo.ldvl",
                    created_at=CLOSES_AT - timedelta(days=5),
                    updated_at=CLOSES_AT - timedelta(days=4),
                    dossier=dossier,
                    unit_approved_at=CLOSES_AT - timedelta(days=4),
                )
            )
            keys.append(key)
    return keys


def step(seq: int, action: str, to: RoundStage, **payload: Any) -> RoundActivityInput:
    at = CLOSES_AT + timedelta(days=seq)
    done = RoundStep(seq=seq, action=action, stage_to=to, actor=None, reason=None, at=at)
    return RoundActivityInput(round_key="NTM-2024_2024_dot1", step=done, **payload)


class TestConsolidation:
    async def test_documents_are_dated_on_the_decision_day_in_vietnam(
        self, seeded: SeededDb, rules_engine: Any
    ) -> None:
        """Decided at 17:30 UTC on 31/12/2024, already 1 January 2025 in Vietnam: the documents
        are issued on 01/01/2025, so they are numbered in the 2025 register."""
        approved_by_units(seeded)
        key = open_round(seeded)
        issued: list[tuple[str, date]] = []
        steps = Consolidation(
            seeded.uow,
            rules_engine,
            AcceptingNominationWorkflows(),  # type: ignore[arg-type]
            issue_documents=lambda tx, round_key, on: issued.append((round_key, on)),
        )
        await steps.appraise(
            step(1, "close", RoundStage.COUNCIL, closed_by=actor(seeded, "vanphong"))
        )
        with seeded.uow() as tx:
            items = [(i.nomination, i.code) for i in tx.rounds.award_items(key)]
        council = RecordCouncilInput(
            actor=actor(seeded, "thuky.hoidong"),
            held_on=date(2024, 12, 22),
            members=[CouncilMember(name=f"TV{i}") for i in range(10)],
            ballots=[Ballot(nomination=k, title=c, in_favour=9, against=1) for k, c in items],
        )
        await steps.record_council(step(2, "council", RoundStage.DIRECTOR, council=council))
        decision = DecideRoundInput(
            actor=actor(seeded, "giamdoc"), action=RoundDecision.APPROVE, reason="Đồng ý"
        )
        at = datetime(2024, 12, 31, 17, 30, tzinfo=UTC)
        done = RoundStep(
            seq=3, action="approve", stage_to=RoundStage.DECIDED, actor=None, reason=None, at=at
        )
        deciding = RoundActivityInput(round_key=key, step=done, decision=decision)
        await steps.finalize(deciding, run_id="run-1")
        assert issued == [(key, date(2025, 1, 1))]

    async def test_the_decision_pays_the_highest_amount_only(
        self, seeded: SeededDb, rules_engine: Any
    ) -> None:
        """CSTĐCS and LĐTT both approved: the round's items pay the CSTĐCS amount, LĐTT 0 with
        the reason; base salary and coefficients of the decision's date (23/12/2024)."""
        a, b, _ = approved_by_units(seeded)
        key = open_round(seeded)
        steps = Consolidation(
            seeded.uow,
            rules_engine,
            AcceptingNominationWorkflows(),  # type: ignore[arg-type]
            issue_documents=lambda tx, round_key, on: None,
        )
        office, secretary = actor(seeded, "vanphong"), actor(seeded, "thuky.hoidong")
        director = actor(seeded, "giamdoc")
        await steps.appraise(step(1, "close", RoundStage.COUNCIL, closed_by=office))
        with seeded.uow() as tx:
            pairs = [(i.nomination, i.code) for i in tx.rounds.award_items(key)]
        council = RecordCouncilInput(
            actor=secretary,
            held_on=date(2024, 12, 22),
            members=[CouncilMember(name=f"TV{i}") for i in range(10)],
            ballots=[Ballot(nomination=k, title=c, in_favour=9, against=1) for k, c in pairs],
        )
        await steps.record_council(step(2, "council", RoundStage.DIRECTOR, council=council))
        decision = DecideRoundInput(actor=director, action=RoundDecision.APPROVE, reason="Đồng ý")
        deciding = step(3, "approve", RoundStage.DECIDED, decision=decision)
        await steps.finalize(deciding, run_id="run-1")
        await steps.record_step(deciding)

        with seeded.uow() as tx:
            view = rounds.get_round(tx, office, key)
        paid = {(i.nomination, i.code): (i.amount_vnd, i.amount_note) for i in view.items}
        assert paid == {
            (a, "CSTDCS"): (2_340_000, None),
            (a, "LDTT"): (
                0,
                "Không chi; nhận mức cao nhất: CSTĐCS (Điều 53 Nghị định số 98/2023/NĐ-CP)",
            ),
            (b, "LDTT"): (710_000, None),
        }

    async def test_close_vote_decide_province_and_revocation(
        self, seeded: SeededDb, rules_engine: Any
    ) -> None:
        """A whole round's steps over the store, each retried once: recorded and audited once."""
        a, b, incomplete = approved_by_units(seeded)
        key = open_round(seeded)
        issued: list[tuple[str, date]] = []
        nominations = AcceptingNominationWorkflows()
        steps = Consolidation(
            seeded.uow,
            rules_engine,
            nominations,  # type: ignore[arg-type]
            issue_documents=lambda tx, round_key, on: issued.append((round_key, on)),
        )
        office, secretary = actor(seeded, "vanphong"), actor(seeded, "thuky.hoidong")
        director = actor(seeded, "giamdoc")

        closing = step(1, "close", RoundStage.COUNCIL, closed_by=office)
        for _ in range(2):  # the activity retried: the same outcome
            counts = await steps.appraise(closing)
            assert counts == {"candidates": 3, "recommended": 2, "returned": 1, "flags": 0}
        assert ("return", f"nomination-{incomplete}", f"{key}:1:{incomplete}:return") in (
            nominations.sent
        )
        with seeded.uow() as tx:
            items = {(i.nomination, i.code): i for i in tx.rounds.award_items(key)}
        assert set(items) == {(a, "LDTT"), (a, "CSTDCS"), (b, "LDTT")}

        ballots = [
            Ballot(nomination=k, title=c, in_favour=7 if c == "CSTDCS" else 9, against=1)
            for k, c in items
        ]
        council = RecordCouncilInput(
            actor=secretary,
            held_on=date(2024, 12, 22),
            members=[CouncilMember(name=f"TV{i}") for i in range(10)],
            ballots=ballots,
        )
        voting = step(2, "council", RoundStage.DIRECTOR, council=council)
        for _ in range(2):
            assert await steps.record_council(voting) == {"passed": 2, "not_recommended": 1}

        decision = DecideRoundInput(actor=director, action=RoundDecision.APPROVE, reason="Đồng ý")
        deciding = step(3, "approve", RoundStage.DECIDED, decision=decision)
        for _ in range(2):
            assert await steps.finalize(deciding, run_id="run-1") == {"approved": 2, "rejected": 0}
        assert issued == [(key, date(2024, 12, 23))] * 2

        with seeded.uow() as tx:
            view = rounds.get_round(tx, office, key)
        statuses = {(i.nomination, i.code): (i.director_status, i.amount_vnd) for i in view.items}
        assert statuses == {
            (a, "LDTT"): ("approved", 710_000),
            (a, "CSTDCS"): ("not_recommended", None),
            (b, "LDTT"): ("approved", 710_000),
        }
        assert view.stage == "decided" and [s["action"] for s in view.steps] == [
            "close",
            "council",
            "approve",
        ]
        assert audited(seeded, key) == {
            "round.opened": 1,
            "round.step": 3,
            "round.appraised": 1,
            "council.vote_recorded": 1,
            "round.decided": 1,
        }

        with seeded.uow() as tx:
            revoked = rounds.revoke_award(tx, director, b, "LDTT", "Kê khai không trung thực")
        assert revoked.revoked and revoked.revoked_reason == "Kê khai không trung thực"
        with seeded.uow() as tx, pytest.raises(Refusal) as info:
            rounds.revoke_award(tx, director, b, "LDTT", "Lần nữa")
        assert info.value.code is RefusalCode.DUPLICATE
        with seeded.uow() as tx, pytest.raises(Refusal) as info:
            rounds.record_province_answer(tx, office, a, "LDTT", "approved", None)
        assert info.value.code is RefusalCode.WRONG_STAGE  # a Director-level title


# ---- the council's meeting: quorum, the council register, a nominee on the council -----------

#: The 2024 council: the Director, deputies, heads, and NV018, who is nominated.
COUNCIL_2024 = [
    "NV001",
    "NV002",
    "NV003",
    "NV004",
    "NV005",
    "NV006",
    "NV012",
    "NV017",
    "NV023",
    "NV018",
]


def register_council(db: SeededDb, codes: list[str]) -> dict[str, str]:
    """The 2024 council register (as the org import writes it): staff code → full name."""
    names: dict[str, str] = {}
    with db.uow() as tx:
        for code in codes:
            tx.org.save_council(
                CouncilRecord(2024, code, "member"), None, Change("quantri", "admin")
            )
            staff = tx.org.staff_member(code)
            assert staff is not None
            names[code] = staff.full_name
    return names


class TestCouncilMeeting:
    async def _closed(self, db: SeededDb, rules_engine: Any) -> tuple[Consolidation, list[str]]:
        keys = approved_by_units(db)
        open_round(db)
        steps = Consolidation(
            db.uow,
            rules_engine,
            AcceptingNominationWorkflows(),  # type: ignore[arg-type]
            issue_documents=lambda tx, round_key, on: None,
        )
        await steps.appraise(step(1, "close", RoundStage.COUNCIL, closed_by=actor(db, "vanphong")))
        return steps, keys

    async def test_a_council_member_who_is_a_nominee_has_no_vote_on_their_own_item(
        self, seeded: SeededDb, rules_engine: Any
    ) -> None:
        """NV018 sits on the 2024 council (10 members, named only: codes from the register) and is
        nominated: 10 votes on their items are refused; 9 entitled, LĐTT passes with 5 of 9 and
        CSTĐCS with 8 of 9, the tally naming who did not vote; NV019's items count all 10."""
        steps, (a, b, _) = await self._closed(seeded, rules_engine)
        names = register_council(seeded, COUNCIL_2024)
        listed = [CouncilMember(name=names[code]) for code in COUNCIL_2024]

        def council(yes: dict[tuple[str, str], int]) -> RecordCouncilInput:
            return RecordCouncilInput(
                actor=actor(seeded, "thuky.hoidong"),
                held_on=date(2024, 12, 22),
                members=listed,
                ballots=[Ballot(nomination=k, title=c, in_favour=n) for (k, c), n in yes.items()],
                established_by="Quyết định số 15/QĐ-SLĐTBXH ngày 10/01/2024 của Giám đốc Sở",
                counting_board=[names["NV005"], names["NV006"], names["NV012"]],
            )

        with pytest.raises(Refusal) as info:
            await steps.record_council(
                step(
                    2,
                    "council",
                    RoundStage.DIRECTOR,
                    council=council({(a, "CSTDCS"): 10, (a, "LDTT"): 10, (b, "LDTT"): 10}),
                )
            )
        assert info.value.field == "ballots"
        assert f"{a}/" in info.value.message and "nhiều hơn 9 thành viên có quyền" in (
            info.value.message
        )
        assert f"{names['NV018']} (NV018) là người được đề nghị" in info.value.message
        with seeded.uow() as tx:  # nothing written
            assert {i.council_status for i in tx.rounds.award_items("NTM-2024_2024_dot1")} == {
                "pending"
            }

        voting = step(
            2,
            "council",
            RoundStage.DIRECTOR,
            council=council({(a, "CSTDCS"): 8, (a, "LDTT"): 5, (b, "LDTT"): 5}),
        )
        assert await steps.record_council(voting) == {"passed": 2, "not_recommended": 1}
        with seeded.uow() as tx:
            items = {(i.nomination, i.code): i for i in tx.rounds.award_items("NTM-2024_2024_dot1")}
            meeting = tx.documents.round_snapshot("NTM-2024_2024_dot1")
        cstdcs = items[(a, "CSTDCS")].tally or {}
        assert (cstdcs["entitled"], cstdcs["required"], cstdcs["passed"]) == (9, 8, True)
        assert cstdcs["not_entitled"] == [f"{names['NV018']} (NV018)"]
        ldtt_a, ldtt_b = items[(a, "LDTT")].tally or {}, items[(b, "LDTT")].tally or {}
        assert (ldtt_a["entitled"], ldtt_a["required"], ldtt_a["passed"]) == (9, 5, True)
        assert (ldtt_b["entitled"], ldtt_b["required"], ldtt_b["passed"]) == (10, 6, False)
        assert meeting is not None and meeting.meeting is not None
        stored = meeting.meeting
        assert [m["staff_code"] for m in stored.members][-1] == "NV018"
        assert stored.details["established_by"].startswith("Quyết định số 15/QĐ-SLĐTBXH")
        assert (stored.details["quorum_required"], stored.details["ballots_issued"]) == (7, 10)

    async def test_an_inquorate_meeting_is_refused_and_nothing_is_written(
        self, seeded: SeededDb, rules_engine: Any
    ) -> None:
        """6 of 10 present (one more in writing): refused naming members; no tally stored."""
        steps, (a, b, _) = await self._closed(seeded, rules_engine)
        listed = [
            CouncilMember(name=f"TV{i}", present=i < 6, written_vote=i == 6) for i in range(10)
        ]
        council = RecordCouncilInput(
            actor=actor(seeded, "thuky.hoidong"),
            held_on=date(2024, 12, 22),
            members=listed,
            ballots=[
                Ballot(nomination=a, title="CSTDCS", in_favour=7),
                Ballot(nomination=a, title="LDTT", in_favour=7),
                Ballot(nomination=b, title="LDTT", in_favour=7),
            ],
        )
        with pytest.raises(Refusal) as info:
            await steps.record_council(step(2, "council", RoundStage.DIRECTOR, council=council))
        assert (info.value.code, info.value.field) == (RefusalCode.INVALID, "members")
        assert "chỉ 6 thành viên có mặt" in info.value.message
        with seeded.uow() as tx:
            assert all(i.tally is None for i in tx.rounds.award_items("NTM-2024_2024_dot1"))
            snapshot = tx.documents.round_snapshot("NTM-2024_2024_dot1")
        assert snapshot is not None and snapshot.meeting is None
        assert audited(seeded, "NTM-2024_2024_dot1")["council.vote_recorded"] == 0
