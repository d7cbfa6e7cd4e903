"""Office consolidation of a round: completeness, holds, initiatives, collectives, ordering, votes."""

from __future__ import annotations

from typing import Any, Literal

import pytest

from rules.engine import RulesEngine
from rules.registry import RulesRegistry, UnknownRuleset
from thidua.domain.appraisal import (
    Appraisal,
    Candidate,
    CandidateResult,
    Dossier,
    Outcome,
    PastInitiativeUse,
    appraise,
    recompute_after_vote,
)

RULESET = ("ntm-2024", "1")
FULL = Dossier(achievement_report="bctt.pdf", review_minutes="bbhx.pdf", evidence=["qd.pdf"])


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine(RulesRegistry.from_directory())


def ind(
    key: str,
    *,
    unit: str = "P1",
    name: str | None = None,
    gender: Literal["nam", "nu"] | None = None,
    order: int = 0,
    dossier: Dossier | None = FULL,
    pinned: tuple[str, str] | None = None,
    **facts: Any,
) -> Candidate:
    base: dict[str, Any] = {"kind": "individual", "id": key, "year": 2024, "rating": "HTTNV"}
    base.update(facts)
    return Candidate(
        key=key,
        kind="individual",
        unit=unit,
        name=name or key,
        gender=gender,
        facts=base,
        dossier=dossier,
        order=order,
        pinned=pinned,
    )


def col(
    key: str,
    *,
    unit: str = "P1",
    name: str | None = None,
    order: int = 0,
    dossier: Dossier | None = FULL,
    **facts: Any,
) -> Candidate:
    base: dict[str, Any] = {
        "kind": "collective",
        "id": key,
        "year": 2024,
        "rating": "HTTNV",
        "members_total": 3,
        "members_ldtt": 3,
        "members_htnv_or_better": 3,
    }
    base.update(facts)
    return Candidate(
        key=key,
        kind="collective",
        unit=unit,
        name=name or key,
        gender=None,
        facts=base,
        dossier=dossier,
        order=order,
        pinned=None,
    )


def initiative(ini_id: str) -> dict[str, Any]:
    return {"id": ini_id, "level": "co_so", "year": 2024}


def result(a: Appraisal, key: str) -> CandidateResult:
    return next(r for r in a.results if r.key == key)


def codes(a: Appraisal, key: str, code: str) -> list[str]:
    return [f.code for f in result(a, key).flags if f.code == code]


class TestCompleteness:
    def test_missing_report_and_minutes_returned_with_reason(self, engine: RulesEngine) -> None:
        """A dossier without report and minutes is returned, naming both."""
        c = ind("a1", dossier=Dossier(evidence=["x.pdf"]))
        r = result(appraise([c], engine, ruleset=RULESET), "a1")
        assert r.outcome == Outcome.RETURNED
        assert r.reason_vi == "Thiếu báo cáo thành tích; thiếu biên bản họp xét"
        assert r.decision is None
        assert r.titles == []

    def test_no_dossier_returned_all_missing(self, engine: RulesEngine) -> None:
        """No dossier at all: returned, everything named."""
        r = result(appraise([ind("a1", dossier=None)], engine, ruleset=RULESET), "a1")
        assert r.outcome == Outcome.RETURNED
        assert r.reason_vi is not None
        assert "báo cáo thành tích" in r.reason_vi
        assert "biên bản họp xét" in r.reason_vi

    def test_claimed_initiative_without_evidence_returned(self, engine: RulesEngine) -> None:
        """Claiming an initiative with no evidence attached is returned for supplement."""
        d = Dossier(achievement_report="r", review_minutes="m")
        c = ind("a1", dossier=d, initiatives=[initiative("SK-1")])
        r = result(appraise([c], engine, ruleset=RULESET), "a1")
        assert r.outcome == Outcome.RETURNED
        assert r.reason_vi == "Thiếu minh chứng cho sáng kiến, đề tài nghiên cứu đã kê khai"

    def test_no_evidence_needed_without_claims(self, engine: RulesEngine) -> None:
        """Without initiatives or research, evidence is not required."""
        d = Dossier(achievement_report="r", review_minutes="m")
        r = result(appraise([ind("a1", dossier=d)], engine, ruleset=RULESET), "a1")
        assert r.outcome == Outcome.RECOMMENDED
        assert r.titles == ["LDTT"]

    def test_invalid_facts_returned(self, engine: RulesEngine) -> None:
        """Facts the engine rejects are returned with an invalid_facts flag."""
        r = result(appraise([ind("a1", rating="GOOD")], engine, ruleset=RULESET), "a1")
        assert r.outcome == Outcome.RETURNED
        assert codes_of(r) == ["invalid_facts"]

    def test_duplicate_keys_rejected(self, engine: RulesEngine) -> None:
        """Two candidates with the same key are a caller error."""
        with pytest.raises(ValueError, match="trùng"):
            appraise([ind("a1"), ind("a1")], engine, ruleset=RULESET)


def codes_of(r: CandidateResult) -> list[str]:
    return [f.code for f in r.flags]


class TestEvaluation:
    def test_recommended_with_titles_and_decision(self, engine: RulesEngine) -> None:
        """An eligible individual is recommended with the decision's titles and a JSON decision."""
        r = result(appraise([ind("a1", rating="HTXSNV")], engine, ruleset=RULESET), "a1")
        assert r.outcome == Outcome.RECOMMENDED
        assert r.titles == ["LDTT", "CSTDCS"]
        assert r.reason_vi is None
        assert r.decision is not None
        assert r.decision["status"] == "eligible"
        assert r.decision["ruleset"]["id"] == "ntm-2024"

    def test_not_eligible_reason_from_failed_rules(self, engine: RulesEngine) -> None:
        """Not eligible: the reason quotes the failed rules' messages."""
        r = result(appraise([ind("a1", rating="HTNV")], engine, ruleset=RULESET), "a1")
        assert r.outcome == Outcome.NOT_ELIGIBLE
        assert r.reason_vi is not None
        assert "Không đạt danh hiệu Lao động tiên tiến" in r.reason_vi

    def test_disqualified_reason_is_the_disqualifier(self, engine: RulesEngine) -> None:
        """KHTNV: the reason is the disqualifying rule's message only."""
        r = result(appraise([ind("a1", rating="KHTNV")], engine, ruleset=RULESET), "a1")
        assert r.outcome == Outcome.NOT_ELIGIBLE
        assert r.reason_vi is not None
        assert r.reason_vi.startswith("Không xét khen thưởng")
        assert "Lao động tiên tiến" not in r.reason_vi

    def test_pinned_ruleset_used(self, engine: RulesEngine) -> None:
        """A pinned ruleset is the one evaluated; an unknown pin is an error."""
        r = result(appraise([ind("a1", pinned=RULESET)], engine, ruleset=RULESET), "a1")
        assert r.decision is not None
        assert r.decision["ruleset"]["version"] == "1"
        with pytest.raises(UnknownRuleset):
            appraise([ind("a1", pinned=("ntm-2024", "99"))], engine, ruleset=RULESET)


class TestHold:
    def test_under_review_on_hold(self, engine: RulesEngine) -> None:
        """A nominee under review is on hold, not rejected; titles withheld."""
        r = result(
            appraise([ind("a1", rating="HTXSNV", under_review=True)], engine, ruleset=RULESET), "a1"
        )
        assert r.outcome == Outcome.ON_HOLD
        assert r.titles == [] and r.proposals == []
        assert r.reason_vi is not None and r.reason_vi.startswith("Tạm dừng xét")
        assert r.decision is not None
        assert r.decision["status"] == "on_hold"
        assert r.decision["withheld"] == ["LDTT", "CSTDCS"]


class TestInitiatives:
    def test_claimed_twice_first_keeps_it(self, engine: RulesEngine) -> None:
        """The earlier submission keeps a shared initiative; the later loses CSTDCS grounded on it."""
        first = ind("a1", name="Nguyễn Văn An", order=1, initiatives=[initiative("SK-1")])
        second = ind("b2", name="Trần Thị Bình", order=2, initiatives=[initiative("SK-1")])
        a = appraise([second, first], engine, ruleset=RULESET)
        assert result(a, "a1").titles == ["LDTT", "CSTDCS"]
        assert result(a, "b2").titles == ["LDTT"]
        assert result(a, "b2").facts_used["initiatives"] == []
        assert result(a, "a1").facts_used["initiatives"][0]["id"] == "SK-1"
        assert codes(a, "a1", "initiative_claimed_twice")
        lost = next(f for f in result(a, "b2").flags if f.code == "initiative_claimed_twice")
        assert "Nguyễn Văn An" in lost.message_vi
        assert lost.related == ["a1"]
        assert [f.code for f in a.flags] == ["initiative_claimed_twice"]
        assert a.flags[0].related == ["a1", "b2"]

    def test_second_keeps_other_grounds(self, engine: RulesEngine) -> None:
        """Losing the shared initiative does not matter when another ground (HTXSNV) remains."""
        first = ind("a1", order=1, initiatives=[initiative("SK-1")])
        second = ind("b2", order=2, rating="HTXSNV", initiatives=[initiative("SK-1")])
        a = appraise([first, second], engine, ruleset=RULESET)
        assert result(a, "b2").titles == ["LDTT", "CSTDCS"]
        assert codes(a, "b2", "initiative_claimed_twice")

    def test_past_use_removed_everywhere(self, engine: RulesEngine) -> None:
        """An initiative that backed an earlier award is removed and the award named."""
        c = ind("a1", initiatives=[initiative("SK-9"), initiative("SK-2")])
        past = [PastInitiativeUse(initiative_id="SK-9", used_by="QD-12/2023:ng-van-a")]
        a = appraise([c], engine, ruleset=RULESET, past_uses=past)
        r = result(a, "a1")
        assert [i["id"] for i in r.facts_used["initiatives"]] == ["SK-2"]
        flag = next(f for f in r.flags if f.code == "initiative_used_before")
        assert "QD-12/2023:ng-van-a" in flag.message_vi
        assert r.titles == ["LDTT", "CSTDCS"]  # SK-2 still grounds CSTDCS

    def test_past_use_only_ground_loses_cstdcs(self, engine: RulesEngine) -> None:
        """With its only initiative used before, the nominee keeps LDTT only."""
        c = ind("a1", initiatives=[initiative("SK-9")])
        past = [PastInitiativeUse(initiative_id="SK-9", used_by="old-award")]
        a = appraise([c], engine, ruleset=RULESET, past_uses=past)
        assert result(a, "a1").titles == ["LDTT"]
        assert [f.code for f in a.flags] == ["initiative_used_before"]


def unit_of_three(**overrides: Any) -> list[Candidate]:
    return [
        ind("m1", order=1),
        ind("m2", order=2),
        ind("m3", order=3, **overrides),
        col("c1", order=4),
    ]


class TestCollectives:
    def test_all_members_ldtt_gives_ttldtt(self, engine: RulesEngine) -> None:
        """Three members recommended with LDTT: the collective is recommended TTLDTT."""
        a = appraise(unit_of_three(), engine, ruleset=RULESET)
        r = result(a, "c1")
        assert r.outcome == Outcome.RECOMMENDED
        assert r.titles == ["TTLDTT"]
        assert r.facts_used["members_ldtt"] == 3
        assert "collective_facts_computed" not in codes_of(r)

    def test_member_on_hold_collective_loses_ttldtt(self, engine: RulesEngine) -> None:
        """A collective whose title changes because a member's title changed (member on hold)."""
        a = appraise(unit_of_three(under_review=True), engine, ruleset=RULESET)
        r = result(a, "c1")
        assert r.facts_used["members_ldtt"] == 2
        assert r.outcome == Outcome.NOT_ELIGIBLE
        assert "TTLDTT" not in r.titles
        computed = next(f for f in r.flags if f.code == "collective_facts_computed")
        assert "số thành viên đạt Lao động tiên tiến: 3 → 2" in computed.message_vi
        assert "members_pending" in codes_of(r)

    def test_member_returned_collective_loses_ttldtt(self, engine: RulesEngine) -> None:
        """A member returned for an incomplete dossier does not count as holding LDTT."""
        cands = unit_of_three()
        cands[2] = ind("m3", order=3, dossier=None)
        r = result(appraise(cands, engine, ruleset=RULESET), "c1")
        assert r.facts_used["members_ldtt"] == 2
        assert r.titles == []

    def test_members_total_override(self, engine: RulesEngine) -> None:
        """The Office's members_total for the unit replaces the submitted one."""
        a = appraise(unit_of_three(), engine, ruleset=RULESET, members_total={"P1": 5})
        r = result(a, "c1")
        assert r.facts_used["members_total"] == 5
        assert r.facts_used["members_ldtt"] == 3  # 3/5 = 60% < 70%
        assert r.titles == []

    def test_disciplined_member_counts(self, engine: RulesEngine) -> None:
        """A member warned (cảnh cáo) raises members_disciplined; the collective loses TTLDTT."""
        r = result(appraise(unit_of_three(discipline="canh_cao"), engine, ruleset=RULESET), "c1")
        assert r.facts_used["members_disciplined"] == 1
        assert r.titles == []

    def test_khtnv_member_lowers_htnv_count(self, engine: RulesEngine) -> None:
        """members_htnv_or_better is bounded by members_total minus KHTNV members."""
        r = result(appraise(unit_of_three(rating="KHTNV"), engine, ruleset=RULESET), "c1")
        assert r.facts_used["members_htnv_or_better"] == 2

    def test_ttldxs_needs_a_cstdcs_member(self, engine: RulesEngine) -> None:
        """An excellent collective is proposed for TTLDXS only with a CSTDCS member in the round."""
        base = [ind("m1"), ind("m2"), ind("m3"), col("c1", rating="HTXSNV", members_cstdcs=1)]
        r = result(appraise(base, engine, ruleset=RULESET), "c1")
        assert r.proposals == []
        assert r.facts_used["members_cstdcs"] == 0
        base[0] = ind("m1", rating="HTXSNV")
        r = result(appraise(base, engine, ruleset=RULESET), "c1")
        assert r.titles == ["TTLDTT"] and r.proposals == ["TTLDXS"]

    def test_more_nominees_than_members_flagged(self, engine: RulesEngine) -> None:
        """More nominated members than members_total: flagged and returned as inconsistent."""
        cands = [*unit_of_three(), ind("m4", order=5)]
        r = result(appraise(cands, engine, ruleset=RULESET), "c1")
        assert r.outcome == Outcome.RETURNED
        assert {"members_exceed_total", "invalid_facts"} <= set(codes_of(r))

    def test_other_units_members_ignored(self, engine: RulesEngine) -> None:
        """Only individuals of the same unit are members."""
        cands = [ind("m1", unit="P2"), ind("m2", unit="P2"), ind("m3", unit="P2"), col("c1")]
        r = result(appraise(cands, engine, ruleset=RULESET), "c1")
        assert r.facts_used["members_ldtt"] == 0


class TestOrdering:
    def test_woman_before_man_with_same_titles(self, engine: RulesEngine) -> None:
        """Among equal candidates a woman comes first, whatever the names."""
        man = ind("a1", name="An", gender="nam")
        woman = ind("b2", name="Yến", gender="nu")
        a = appraise([man, woman], engine, ruleset=RULESET)
        assert a.by_title["LDTT"] == ["b2", "a1"]
        assert result(a, "b2").rank == 0 and result(a, "a1").rank == 1
        assert [r.key for r in a.results] == ["b2", "a1"]

    def test_same_gender_by_name_casefold(self, engine: RulesEngine) -> None:
        """Same preference: by name (casefold), then key."""
        a = appraise(
            [ind("k3", name="bình"), ind("k2", name="An"), ind("k1", name="An")],
            engine,
            ruleset=RULESET,
        )
        assert a.by_title["LDTT"] == ["k1", "k2", "k3"]

    def test_collective_with_70_percent_women_first(self, engine: RulesEngine) -> None:
        """A collective with ≥70% women precedes one with fewer."""
        members = [ind(f"x{i}", unit="PA") for i in range(3)] + [
            ind(f"y{i}", unit="PB") for i in range(3)
        ]
        few = col("ca", unit="PA", name="Phòng A", female_members=2)  # 66.7%
        many = col("cb", unit="PB", name="Phòng B", female_members=3)  # 100%
        a = appraise([*members, few, many], engine, ruleset=RULESET)
        assert a.by_title["TTLDTT"] == ["cb", "ca"]
        assert result(a, "cb").rank < result(a, "ca").rank

    def test_overall_order_and_units(self, engine: RulesEngine) -> None:
        """Recommended first by title order, then held, returned, not eligible; by_unit in rank order."""
        cands = [
            ind("n1", rating="HTNV"),
            ind("r1", dossier=None),
            ind("h1", under_review=True),
            ind("c1", rating="HTXSNV", unit="P2"),
            ind("l1"),
        ]
        a = appraise(cands, engine, ruleset=RULESET)
        assert [r.key for r in a.results] == ["c1", "l1", "h1", "r1", "n1"]
        assert [r.rank for r in a.results] == [0, 1, 2, 3, 4]
        assert a.by_title["LDTT"] == ["c1", "l1"]
        assert a.by_title["CSTDCS"] == ["c1"]
        assert a.by_title["TTLDXS"] == []
        assert a.by_unit == {"P2": ["c1"], "P1": ["l1", "h1", "r1", "n1"]}


def excellent_unit() -> list[Candidate]:
    return [
        ind("m1", rating="HTXSNV", name="Lê Văn Chín"),
        ind("m2"),
        ind("m3"),
        col("c1", rating="HTXSNV", members_cstdcs=1),
    ]


class TestRecomputeAfterVote:
    def test_only_cstdcs_member_fails_vote_drops_ttldxs(self, engine: RulesEngine) -> None:
        """The only CSTDCS member failing the vote removes the collective's TTLDXS proposal."""
        a = appraise(excellent_unit(), engine, ruleset=RULESET)
        assert result(a, "c1").proposals == ["TTLDXS"]
        after = recompute_after_vote(a, {("m1", "CSTDCS"): False}, engine, ruleset=RULESET)
        m1 = result(after, "m1")
        assert m1.titles == ["LDTT"]
        assert "failed_vote" in codes_of(m1)
        c1 = result(after, "c1")
        assert c1.titles == ["TTLDTT"]
        assert c1.proposals == []
        assert c1.facts_used["members_cstdcs"] == 0
        lost = next(f for f in c1.flags if f.code == "lost_by_member_vote")
        assert "Lê Văn Chín" in lost.message_vi
        assert "m1" in lost.related
        assert [f.code for f in after.flags] == ["lost_by_member_vote"]
        assert after.by_title["TTLDXS"] == []

    def test_passed_vote_changes_nothing(self, engine: RulesEngine) -> None:
        """All votes passed (or not taken): the appraisal is unchanged."""
        a = appraise(excellent_unit(), engine, ruleset=RULESET)
        after = recompute_after_vote(
            a, {("m1", "CSTDCS"): True, ("c1", "TTLDXS"): True}, engine, ruleset=RULESET
        )
        assert after == a

    def test_ldtt_failure_cascades_to_cstdcs(self, engine: RulesEngine) -> None:
        """LDTT failing the vote also drops CSTDCS (which requires it); nothing left: not eligible."""
        a = appraise([ind("a1", rating="HTXSNV")], engine, ruleset=RULESET)
        after = recompute_after_vote(a, {("a1", "LDTT"): False}, engine, ruleset=RULESET)
        r = result(after, "a1")
        assert r.titles == []
        assert r.outcome == Outcome.NOT_ELIGIBLE
        assert r.reason_vi is not None and "không thông qua" in r.reason_vi

    def test_member_ldtt_failure_drops_ttldtt(self, engine: RulesEngine) -> None:
        """A member's LDTT failing the vote brings the collective under 70%."""
        a = appraise(unit_of_three(), engine, ruleset=RULESET)
        after = recompute_after_vote(a, {("m2", "LDTT"): False}, engine, ruleset=RULESET)
        c1 = result(after, "c1")
        assert c1.outcome == Outcome.NOT_ELIGIBLE
        assert "lost_by_member_vote" in codes_of(c1)

    def test_collective_own_vote_applied(self, engine: RulesEngine) -> None:
        """A collective's own failed vote drops its title, and TTLDXS which requires it."""
        a = appraise(excellent_unit(), engine, ruleset=RULESET)
        after = recompute_after_vote(a, {("c1", "TTLDTT"): False}, engine, ruleset=RULESET)
        c1 = result(after, "c1")
        assert c1.titles == [] and c1.proposals == []
        assert "lost_by_member_vote" not in codes_of(c1)

    def test_member_title_withdrawn_counts_as_failed_for_the_collective(
        self, engine: RulesEngine
    ) -> None:
        """m2's LDTT withdrawn by an upheld objection (no ballot for it): m2 loses LDTT and the
        collective is recounted 2 of 3 (under 70 %), losing TTLDTT, the flag saying why."""
        a = appraise(unit_of_three(), engine, ruleset=RULESET)
        after = recompute_after_vote(
            a,
            {("m1", "LDTT"): True, ("m3", "LDTT"): True, ("c1", "TTLDTT"): True},
            engine,
            ruleset=RULESET,
            withdrawn={("m2", "LDTT")},
        )
        m2 = result(after, "m2")
        assert m2.titles == [] and m2.outcome == Outcome.NOT_ELIGIBLE
        assert m2.reason_vi is not None and "Rút khỏi danh sách" in m2.reason_vi
        assert "withdrawn_by_objection" in codes_of(m2) and "failed_vote" not in codes_of(m2)
        c1 = result(after, "c1")
        assert c1.facts_used["members_ldtt"] == 2
        assert c1.outcome == Outcome.NOT_ELIGIBLE and c1.titles == []
        lost = next(f for f in c1.flags if f.code == "lost_by_member_vote")
        assert "bị rút khỏi danh sách do phản ánh được chấp nhận" in lost.message_vi
        assert "không thông qua" not in lost.message_vi
        assert "m2" in lost.related

    def test_without_the_withdrawal_the_same_vote_keeps_ttldtt(self, engine: RulesEngine) -> None:
        """The same ballots with nothing withdrawn leave the collective's TTLDTT (the control)."""
        a = appraise(unit_of_three(), engine, ruleset=RULESET)
        after = recompute_after_vote(
            a,
            {("m1", "LDTT"): True, ("m3", "LDTT"): True, ("c1", "TTLDTT"): True},
            engine,
            ruleset=RULESET,
        )
        assert result(after, "m2").titles == ["LDTT"]
        assert result(after, "c1").titles == ["TTLDTT"]

    def test_withdrawn_cstdcs_cascades_like_a_failed_vote(self, engine: RulesEngine) -> None:
        """The only CSTDCS member's CSTDCS withdrawn: the collective's TTLDXS goes; an LDTT
        withdrawn drops the CSTDCS grounded on it, named in the same flag."""
        a = appraise(excellent_unit(), engine, ruleset=RULESET)
        after = recompute_after_vote(a, {}, engine, ruleset=RULESET, withdrawn={("m1", "CSTDCS")})
        assert result(after, "m1").titles == ["LDTT"]
        assert result(after, "c1").proposals == []
        lone = appraise([ind("a1", rating="HTXSNV")], engine, ruleset=RULESET)
        after = recompute_after_vote(lone, {}, engine, ruleset=RULESET, withdrawn={("a1", "LDTT")})
        [flag] = [f for f in result(after, "a1").flags if f.code == "withdrawn_by_objection"]
        assert "do đó không còn đủ điều kiện" in flag.message_vi
        assert result(after, "a1").titles == []

    def test_a_collective_own_title_withdrawn_is_dropped(self, engine: RulesEngine) -> None:
        """The collective's own TTLDTT withdrawn: dropped, and TTLDXS which requires it."""
        a = appraise(excellent_unit(), engine, ruleset=RULESET)
        after = recompute_after_vote(a, {}, engine, ruleset=RULESET, withdrawn={("c1", "TTLDTT")})
        c1 = result(after, "c1")
        assert c1.titles == [] and c1.proposals == []
        assert "withdrawn_by_objection" in codes_of(c1)
