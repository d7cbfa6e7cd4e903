"""The Office's consolidation round on the real server: appraisal, council vote, Director, province."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from rules.law import shipped_law
from tests.support.harness import Harness
from tests.support.nominations import round_facts
from tests.support.rounds import DOSSIER, MEMBERS, Round
from tests.support.waits import poll
from thidua.app import rounds
from thidua.app.lifecycle import NominationSubmission
from thidua.app.round_commands import (
    CouncilRequest,
    DecisionRequest,
)
from thidua.domain.nominations import Stage
from thidua.domain.refusals import Refusal, RefusalCode


@pytest.fixture
def rnd(h: Harness) -> Round:
    return Round(h)


async def refused(coro: Any) -> Refusal:
    with pytest.raises(Refusal) as info:
        await coro
    return info.value


class TestWholeRound:
    async def test_round_goes_from_closing_to_decision_with_documents(self, rnd: Round) -> None:
        """Close, vote, approve: nominations end approved, amounts set, four documents written."""
        a = await rnd.submit_and_approve("NV018", rating="HTXSNV")
        b = await rnd.submit_and_approve("NV019")
        incomplete = await rnd.submit_and_approve("NV020", dossier={"achievement_report": "bc.pdf"})
        await rnd.open()
        view = await rnd.close()
        assert view.stage == "council"
        assert view.counts["recommended"] == 2 and view.counts["returned"] == 1
        returned = await poll(lambda: rnd.h.nomination(incomplete), lambda n: n.stage == "returned")
        assert returned.stage == Stage.RETURNED.value
        assert "biên bản họp xét" in rnd.h.steps(incomplete)[-1].reason
        assert {i.code for i in view.items if i.nomination == a} == {"LDTT", "CSTDCS"}

        view = await rnd.council()
        assert all(i.council_status == "passed" for i in view.items)
        view = await rnd.decide()
        assert view.stage == "decided"
        # The same achievement: the CSTDCS amount only, 1.0 × the base salary on the decision's
        # date (rules/law/money.yaml), LDTT 0.
        decided = next(s for s in view.steps if s["action"] == "approve")
        base = shipped_law().base_salary(datetime.fromisoformat(decided["at"]).date()).vnd
        assert rnd.item(view, a, "LDTT").amount_vnd == 0
        assert rnd.item(view, a, "CSTDCS").amount_vnd == base
        assert {d.kind for d in view.documents} >= {"report", "minutes", "decision"}
        for key in (a, b):
            assert rnd.h.nomination(key).stage == Stage.APPROVED.value
        assert rnd.h.nomination(a).titles == ["LDTT", "CSTDCS"] or set(
            rnd.h.nomination(a).titles
        ) == {"LDTT", "CSTDCS"}


class TestCouncilVote:
    async def test_cstdcs_passes_with_exactly_80_percent_of_all_members(self, rnd: Round) -> None:
        """8 of 10 members in favour passes CSTDCS; 7 of 10 does not (not_recommended, with tally)."""
        a = await rnd.submit_and_approve("NV018", rating="HTXSNV")
        b = await rnd.submit_and_approve("NV019", rating="HTXSNV")
        await rnd.open()
        await rnd.close()
        view = await rnd.council({(a, "CSTDCS"): 8, (b, "CSTDCS"): 7})
        assert rnd.item(view, a, "CSTDCS").council_status == "passed"
        failed = rnd.item(view, b, "CSTDCS")
        assert failed.council_status == "not_recommended"
        assert (
            failed.tally is not None
            and failed.tally["in_favour"] == 7
            and failed.tally["required"] == 8
        )
        assert rnd.item(view, b, "LDTT").council_status == "passed"

    async def test_ballot_for_unknown_nomination_is_refused_and_round_stays(
        self, rnd: Round
    ) -> None:
        """A ballot naming something not on the list is refused; the round still waits for the council."""
        await rnd.submit_and_approve("NV018")
        await rnd.open()
        await rnd.close()
        body = CouncilRequest.model_validate(
            {
                "held_on": "2024-12-22",
                "members": MEMBERS,
                "ballots": [{"nomination": "KHONG_CO", "title": "LDTT", "in_favour": 9}],
            }
        )
        refusal = await refused(rnd.svc.council(rnd.h.actor("thuky.hoidong"), rnd.key, body))
        assert refusal.code is RefusalCode.INVALID and "KHONG_CO" in refusal.message
        assert (await rnd.svc.read(rnd.h.actor("vanphong"), rnd.key)).stage == "council"


class TestDirector:
    async def test_director_returns_the_list_and_office_closes_again(self, rnd: Round) -> None:
        """Return goes back to the Office; closing again re-appraises; then the council and approval."""
        a = await rnd.submit_and_approve("NV018")
        await rnd.open()
        await rnd.close()
        await rnd.council()
        view = await rnd.svc.decide(
            rnd.h.actor("giamdoc"),
            rnd.key,
            DecisionRequest(action="return", reason="Rà soát lại minh chứng"),
        )
        assert view.stage == "office"
        await rnd.close()
        await rnd.council()
        view = await rnd.decide()
        assert view.stage == "decided"
        assert rnd.h.nomination(a).stage == Stage.APPROVED.value

    async def test_director_rejects_one_title_with_reason(self, rnd: Round) -> None:
        """Rejecting one nomination's CSTDCS keeps its LDTT and records the reason."""
        a = await rnd.submit_and_approve("NV018", rating="HTXSNV")
        await rnd.open()
        await rnd.close()
        await rnd.council()
        view = await rnd.decide(
            reject=[{"nomination": a, "title": "CSTDCS", "reason": "Chưa đủ minh chứng"}]
        )
        cstdcs = rnd.item(view, a, "CSTDCS")
        assert (cstdcs.director_status, cstdcs.director_reason) == (
            "rejected",
            "Chưa đủ minh chứng",
        )
        assert rnd.item(view, a, "LDTT").director_status == "approved"
        assert rnd.h.nomination(a).stage == Stage.APPROVED.value

    async def test_wrong_role_and_wrong_stage_are_refused(self, rnd: Round) -> None:
        """The Director cannot close the round; the council cannot vote before closing."""
        await rnd.submit_and_approve("NV018")
        await rnd.open()
        refusal = await refused(rnd.svc.close(rnd.h.actor("giamdoc"), rnd.key))
        assert refusal.code is RefusalCode.FORBIDDEN
        body = CouncilRequest.model_validate(
            {
                "held_on": "2024-12-22",
                "members": MEMBERS,
                "ballots": [{"nomination": "x", "title": "LDTT", "in_favour": 1}],
            }
        )
        refusal = await refused(rnd.svc.council(rnd.h.actor("thuky.hoidong"), rnd.key, body))
        assert refusal.code is RefusalCode.WRONG_STAGE
        refusal = await refused(rnd.svc.close(rnd.h.actor("canbo.ldvl"), rnd.key))
        assert refusal.code is RefusalCode.FORBIDDEN


class TestLateArrivals:
    async def test_refuse_policy_refuses_unit_approval_after_closing(self, rnd: Round) -> None:
        """After closing with `refuse`, a unit head's approval is refused with the closing time."""
        await rnd.submit_and_approve("NV018")
        await rnd.open("refuse")
        await rnd.close()
        body = NominationSubmission.model_validate(
            {
                "movement": "NTM-2024",
                "unit": "LDVL",
                "facts": round_facts("NV019"),
                "dossier": DOSSIER,
            }
        )
        late = await rnd.h.lifecycle.submit(rnd.h.actor("canbo.ldvl"), body)
        refusal = await refused(rnd.h.review("truongphong.ldvl", late.id, "approve"))
        assert refusal.code is RefusalCode.WRONG_STAGE and "đã đóng" in refusal.message

    async def test_next_round_policy_keeps_late_arrival_for_the_next_round(
        self, rnd: Round
    ) -> None:
        """With `next_round`, a late arrival is not in the closed round and joins the next one."""
        await rnd.submit_and_approve("NV018")
        await rnd.open("next_round")
        await rnd.close()
        late = await rnd.submit_and_approve("NV019")
        await rnd.council()
        view = await rnd.decide()
        assert late not in {i.nomination for i in view.items}
        await rnd.open()
        view = await rnd.close()
        assert late in {i.nomination for i in view.items}


class TestCrossNomination:
    async def test_initiative_claimed_twice_is_flagged_and_kept_by_first(self, rnd: Round) -> None:
        """Two nominations claim one initiative: both flagged, only the first keeps CSTDCS."""
        ini = [{"id": "SK-LDVL-2024-01", "level": "co_so", "year": 2024, "applied": True}]
        a = await rnd.submit_and_approve("NV018", initiatives=ini)
        b = await rnd.submit_and_approve("NV019", initiatives=ini)
        await rnd.open()
        view = await rnd.close()
        codes = {(i.nomination, i.code) for i in view.items}
        assert (a, "CSTDCS") in codes and (b, "CSTDCS") not in codes and (b, "LDTT") in codes
        assert any(f["code"] == "initiative_claimed_twice" for f in view.flags)


class TestAfterDecision:
    async def test_province_returns_one_nominee_and_revocation_is_recorded(
        self, rnd: Round
    ) -> None:
        """A province-level proposal is answered per nominee; an issued award can be revoked."""
        history = [{"year": 2023, "rating": "HTXSNV", "titles": ["LDTT", "CSTDCS"]}]
        a = await rnd.submit_and_approve("NV018", rating="HTXSNV", history=history)
        b = await rnd.submit_and_approve("NV019")
        await rnd.open()
        view = await rnd.close()
        assert (a, "BANG_KHEN_UBND_TINH") in {(i.nomination, i.code) for i in view.items}
        await rnd.council()
        view = await rnd.decide()
        assert rnd.item(view, a, "BANG_KHEN_UBND_TINH").province_status == "pending"
        with rnd.h.db.uow() as tx:
            answer = rounds.record_province_answer(
                tx,
                rnd.h.actor("vanphong"),
                a,
                "BANG_KHEN_UBND_TINH",
                "returned",
                "Bổ sung minh chứng sáng kiến",
            )
        assert answer.province_status == "returned"
        with rnd.h.db.uow() as tx:
            revoked = rounds.revoke_award(
                tx, rnd.h.actor("giamdoc"), b, "LDTT", "Kê khai không trung thực"
            )
        assert revoked.revoked and revoked.revoked_reason == "Kê khai không trung thực"
        with rnd.h.db.uow() as tx, pytest.raises(Refusal):
            rounds.revoke_award(tx, rnd.h.actor("vanphong"), b, "LDTT", "x")


class TestSupplement:
    async def test_returned_dossier_supplemented_is_appraised_in_the_next_round(
        self, rnd: Round
    ) -> None:
        """A dossier returned at closing, supplemented and approved again, joins the next round."""
        from thidua.app.lifecycle import ResubmitRequest

        a = await rnd.submit_and_approve("NV018")
        b = await rnd.submit_and_approve("NV019", dossier={"achievement_report": "bc.pdf"})
        await rnd.open("next_round")
        view = await rnd.close()
        assert next(r for r in view.results if r["key"] == b)["outcome"] == "returned"
        await poll(lambda: rnd.h.nomination(b), lambda n: n.stage == "returned")
        body = ResubmitRequest.model_validate(
            {"facts": round_facts("NV019"), "dossier": DOSSIER, "reason": "Bổ sung"}
        )
        await rnd.h.lifecycle.resubmit(rnd.h.actor("canbo.ldvl"), b, body)
        assert rnd.h.nomination(b).dossier == DOSSIER
        await rnd.h.review("truongphong.ldvl", b, "approve")
        await rnd.council()
        await rnd.decide()
        assert rnd.h.nomination(a).stage == Stage.APPROVED.value
        await rnd.open()
        view = await rnd.close()
        assert [r["outcome"] for r in view.results if r["key"] == b] == ["recommended"]
