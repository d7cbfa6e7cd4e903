"""An initiative grounds one award, through a real round over the store (SQLite and
PostgreSQL): the closing's appraisal flags it, the Office's choice re-appraises the round and
is audited, the award items keep their grounds; an approved LĐTT consumes no initiative."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from rules.engine import RulesEngine
from tests.integration.test_rounds import (
    CLOSES_AT,
    DOSSIER,
    AcceptingNominationWorkflows,
    actor,
    open_round,
    step,
)
from tests.support.db import SeededDb
from tests.support.rulesets import initiative_twice_content, initiative_twice_registry
from tests.support.settings import fast_settings
from thidua.adapters.db.models import (
    AuditEntryRow,
    AwardItemRow,
    MovementRow,
    NominationRow,
    RoundRow,
    RulesVersionRow,
    StaffRow,
    UnitRow,
)
from thidua.app import rounds
from thidua.app.accounts import console as console_auth
from thidua.app.consolidation import Consolidation
from thidua.app.initiative_choices import InitiativeChoiceRequest, choose_initiative
from thidua.domain.nominations import Stage
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.rounds import (
    Ballot,
    CouncilMember,
    DecideRoundInput,
    RecordCouncilInput,
    RoundDecision,
    RoundStage,
)
from thidua.entrypoints.api.app import create_app

PASSWORD = "mat-khau-dai-du-12"


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


INITIATIVES = [
    {"id": "sk-a", "year": 2023, "applied": True},
    {"id": "sk-b", "year": 2024, "applied": True},
]


def nominate(db: SeededDb, code: str, facts: dict[str, Any]) -> str:
    """A nomination of LDVL the unit approved, waiting for the Office."""
    with db.uow.session() as session:
        movement = session.scalars(select(MovementRow).where(MovementRow.code == "NTM-2024")).one()
        unit = session.scalars(select(UnitRow).where(UnitRow.code == "LDVL")).one()
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
                facts={"kind": "individual", "id": code, "year": 2024, **facts},
                status="eligible",
                submitted_by="canbo.ldvl",
                created_at=CLOSES_AT - timedelta(days=5),
                updated_at=CLOSES_AT - timedelta(days=4),
                dossier=DOSSIER,
                unit_approved_at=CLOSES_AT - timedelta(days=4),
            )
        )
    return key


def judged_by(db: SeededDb, key: str, ruleset: tuple[str, str]) -> None:
    """The round judged under ``ruleset`` (as if it had been in force when it was opened)."""
    with db.uow.session() as session:
        session.execute(
            update(RoundRow)
            .where(RoundRow.key == key)
            .values(ruleset_id=ruleset[0], ruleset_version=ruleset[1])
        )


def grounds_of(db: SeededDb, key: str) -> dict[str, Any]:
    with db.uow.session() as session:
        rows = session.execute(
            select(NominationRow.key, AwardItemRow.code, AwardItemRow.initiatives)
            .join(NominationRow, NominationRow.id == AwardItemRow.nomination_id)
            .join(RoundRow, RoundRow.id == AwardItemRow.round_id)
            .where(RoundRow.key == key)
        ).all()
    return {(n, c): g for n, c, g in rows}


def audited(db: SeededDb, key: str) -> Counter[str]:
    with db.uow.session() as session:
        return Counter(
            session.scalars(select(AuditEntryRow.action).where(AuditEntryRow.object_id == key))
        )


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine(initiative_twice_registry())


def steps_of(db: SeededDb, engine: RulesEngine) -> Consolidation:
    return Consolidation(
        db.uow,
        engine,
        AcceptingNominationWorkflows(),  # type: ignore[arg-type]
        issue_documents=lambda tx, round_key, on: None,
    )


class TestOfficeChoice:
    async def test_the_choice_re_appraises_the_round_and_is_audited(
        self, seeded: SeededDb, engine: RulesEngine
    ) -> None:
        """Closing flags sk-b (CSTĐCS and the Bằng khen) and gives it to the Bằng khen; the
        Office's choice of CSTĐCS re-appraises: CSTĐCS back, the Bằng khen lost, items and
        audit follow; a wrong award is refused naming the field and changes nothing."""
        a = nominate(
            seeded,
            "NV018",
            {
                "rating": "HTXSNV",
                "history": [{"year": 2023, "rating": "HTXSNV", "titles": ["LDTT"]}],
                "initiatives": INITIATIVES,
            },
        )
        key = open_round(seeded)
        judged_by(seeded, key, ("sk-test", "1"))
        office = actor(seeded, "vanphong")
        steps = steps_of(seeded, engine)
        await steps.appraise(step(1, "close", RoundStage.COUNCIL, closed_by=office))

        with seeded.uow() as tx:
            view = rounds.get_round(tx, office, key)
        assert any(f["code"] == "initiative_grounds_twice" for f in view.flags)
        assert grounds_of(seeded, key) == {
            (a, "LDTT"): [],
            (a, "BANG_KHEN_UBND_TINH"): ["sk-a", "sk-b"],
        }

        wrong = InitiativeChoiceRequest(nomination=a, initiative="sk-b", award="TTLDTT")
        with seeded.uow() as tx, pytest.raises(Refusal) as info:
            choose_initiative(tx, office, key, wrong, engine)
        assert info.value.code is RefusalCode.INVALID and info.value.field == "award"
        assert "sk-b" in info.value.message
        secretary = actor(seeded, "thuky.hoidong")
        body = InitiativeChoiceRequest(nomination=a, initiative="sk-b", award="CSTDCS")
        with seeded.uow() as tx, pytest.raises(Refusal) as info:
            choose_initiative(tx, secretary, key, body, engine)
        assert info.value.code is RefusalCode.FORBIDDEN

        with seeded.uow() as tx:
            view = choose_initiative(tx, office, key, body, engine)
        (result,) = view.results
        assert (result["titles"], result["proposals"]) == (["LDTT", "CSTDCS"], [])
        (conflict,) = result["initiative_conflicts"]
        assert (conflict["kept_by"], conflict["chosen"]) == ("CSTDCS", True)
        assert grounds_of(seeded, key) == {(a, "LDTT"): [], (a, "CSTDCS"): ["sk-b"]}
        assert audited(seeded, key)["round.initiative_chosen"] == 1
        with seeded.uow.session() as session:
            entry = session.scalars(
                select(AuditEntryRow).where(AuditEntryRow.action == "round.initiative_chosen")
            ).one()
        assert entry.actor == "vanphong"
        assert entry.after["award"] == "CSTDCS"
        assert entry.after["outcome"]["titles"] == ["LDTT", "CSTDCS"]

        # after the council has voted the choice is refused
        with seeded.uow() as tx:
            pairs = [(i.nomination, i.code) for i in tx.rounds.award_items(key)]
        council = RecordCouncilInput(
            actor=secretary,
            held_on=date(2024, 12, 22),
            members=[CouncilMember(name=f"TV{i}") for i in range(10)],
            ballots=[Ballot(nomination=k, title=c, in_favour=9, against=1) for k, c in pairs],
        )
        await steps.record_council(step(2, "council", RoundStage.DIRECTOR, council=council))
        with seeded.uow() as tx, pytest.raises(Refusal) as info:
            choose_initiative(tx, office, key, body, engine)
        assert info.value.code is RefusalCode.WRONG_STAGE


class TestMarkedUsed:
    async def test_an_approved_ldtt_consumes_no_initiative(
        self, seeded: SeededDb, rules_engine: Any
    ) -> None:
        """Round 1 approves an LĐTT for a nominee listing sk-9: the item records no grounds, so
        round 2's CSTĐCS on sk-9 for another nominee is not flagged as used before."""
        first = nominate(
            seeded, "NV018", {"rating": "HTTNV", "initiatives": [{"id": "sk-9", "year": 2023}]}
        )
        key = open_round(seeded)
        office, director = actor(seeded, "vanphong"), actor(seeded, "giamdoc")
        steps = steps_of(seeded, rules_engine)
        await steps.appraise(step(1, "close", RoundStage.COUNCIL, closed_by=office))
        assert grounds_of(seeded, key) == {(first, "LDTT"): []}
        with seeded.uow() as tx:
            pairs = [(i.nomination, i.code) for i in tx.rounds.award_items(key)]
        council = RecordCouncilInput(
            actor=actor(seeded, "thuky.hoidong"),
            held_on=date(2024, 12, 22),
            members=[CouncilMember(name=f"TV{i}") for i in range(10)],
            ballots=[Ballot(nomination=k, title=c, in_favour=9, against=1) for k, c in pairs],
        )
        await steps.record_council(step(2, "council", RoundStage.DIRECTOR, council=council))
        decision = DecideRoundInput(actor=director, action=RoundDecision.APPROVE, reason="Đồng ý")
        await steps.finalize(step(3, "approve", RoundStage.DECIDED, decision=decision), run_id="r")

        with seeded.uow() as tx:
            second_round = rounds.open_round(
                tx,
                office,
                movement_code="NTM-2024",
                year=2024,
                closes_at=CLOSES_AT + timedelta(days=30),
                late_policy=rounds.LatePolicy.REFUSE,
                workflow_id=lambda k: f"test-round-{k}",
            )
            assert tx.rounds.past_initiative_uses(second_round.key) == []

        # an item finalised before grounds were recorded keeps the old behaviour, minus LĐTT
        with seeded.uow.session() as session:
            session.execute(update(AwardItemRow).values(initiatives=None))
        with seeded.uow() as tx:
            (old,) = tx.rounds.past_initiative_uses(second_round.key)
        assert (old.initiative_id, old.code, old.recorded) == ("sk-9", "LDTT", False)
        second = nominate(
            seeded,
            "NV019",
            {"rating": "HTTNV", "initiatives": [{"id": "sk-9", "year": 2024}]},
        )
        steps2 = steps_of(seeded, rules_engine)
        closing = step(1, "close", RoundStage.COUNCIL, closed_by=office)
        closing = closing.model_copy(
            update={
                "round_key": second_round.key,
                "step": closing.step.model_copy(update={"at": CLOSES_AT + timedelta(days=31)}),
            }
        )
        await steps2.appraise(closing)
        with seeded.uow() as tx:
            view = rounds.get_round(tx, office, second_round.key)
        (result,) = [r for r in view.results if r["key"] == second]
        assert not [f for f in result["flags"] if f["code"] == "initiative_used_before"]
        assert result["titles"] == ["LDTT", "CSTDCS"]
        assert grounds_of(seeded, second_round.key)[(second, "CSTDCS")] == ["sk-9"]


class TestConsoleForm:
    async def test_the_office_chooses_on_the_round_screen(
        self, seeded_sqlite: SeededDb, engine: RulesEngine
    ) -> None:
        """The round screen offers the choice for the contested initiative; the form stores it
        (the page says so and shows CSTĐCS kept); an award it does not ground is refused with
        the message on the page again."""
        db = seeded_sqlite
        lr = engine.resolve(ruleset_id="sk-test", version="1")
        now = datetime.now(UTC)
        with db.uow() as tx:
            console_auth.set_password(tx, "vanphong", PASSWORD)
        with db.uow.session() as session:  # the test ruleset, governed like any version
            session.add(
                RulesVersionRow(
                    ruleset_id="sk-test",
                    version="1",
                    sha256=lr.sha256,
                    content=initiative_twice_content(),
                    golden=None,
                    status="published",
                    author="seed",
                    effective_from=date(2030, 1, 1),
                    created_at=now,
                    updated_at=now,
                )
            )
        a = nominate(
            db,
            "NV018",
            {
                "rating": "HTXSNV",
                "history": [{"year": 2023, "rating": "HTXSNV", "titles": ["LDTT"]}],
                "initiatives": INITIATIVES,
            },
        )
        key = open_round(db)
        judged_by(db, key, ("sk-test", "1"))
        office = actor(db, "vanphong")
        await steps_of(db, engine).appraise(step(1, "close", RoundStage.COUNCIL, closed_by=office))

        app = create_app(fast_settings(db.url, "console-initiatives"), db.uow, client=None)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            form = await http.get("/console/login")
            r = await http.post(
                "/console/login",
                data={"username": "vanphong", "password": PASSWORD, "csrf_token": csrf(form.text)},
            )
            assert r.status_code == 303
            page = await http.get(f"/console/rounds/{key}")
            assert page.status_code == 200 and 'id="initiative-choices"' in page.text
            assert "sáng kiến «sk-b»" in page.text and "(chưa chọn)" in page.text
            r = await http.post(
                f"/console/rounds/{key}/initiative-choices",
                data={"csrf_token": csrf(page.text), "conflict": f"{a}|sk-b", "award": "LDTT"},
            )
            assert r.status_code == 422 and "award: sáng kiến «sk-b» chỉ là căn cứ của" in r.text
            r = await http.post(
                f"/console/rounds/{key}/initiative-choices",
                data={"csrf_token": csrf(page.text), "conflict": f"{a}|sk-b", "award": "CSTDCS"},
            )
            assert r.status_code == 303 and r.headers["location"].endswith("ok=initiative_chosen")
            page = await http.get(r.headers["location"])
            assert "Đã ghi lựa chọn của Văn phòng Sở" in page.text
            assert "(Văn phòng Sở đã chọn)" in page.text
        assert grounds_of(db, key) == {(a, "LDTT"): [], (a, "CSTDCS"): ["sk-b"]}
