"""Council counting: the votes a title needs, one vote's count, a meeting's ballots."""

from __future__ import annotations

from typing import Any

import pytest

from rules.engine import RulesEngine
from rules.registry import RulesRegistry
from thidua.domain.appraisal import Appraisal, CandidateResult, Outcome
from thidua.domain.council import count_ballots, mark_lost_by_member_vote, tally, vote_threshold
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.rounds import Ballot, CouncilMember

RULESET = ("ntm-2024", "1")
PARAMS = {"cstdcs_vote_ratio": 0.8, "other_titles_vote_ratio": 0.5}


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine(RulesRegistry.from_directory())


class TestTally:
    @pytest.mark.parametrize(
        ("members", "yes", "passed", "required"),
        [(10, 8, True, 8), (10, 7, False, 8), (9, 8, True, 8), (9, 7, False, 8), (5, 4, True, 4)],
    )
    def test_cstdcs_eighty_percent_of_all(
        self, members: int, yes: int, passed: bool, required: int
    ) -> None:
        """CSTDCS needs at least 80% of ALL members (rounded up)."""
        t = tally(
            members_total=members,
            in_favour=yes,
            against=members - yes,
            abstain=0,
            threshold=0.8,
            of_all_members=True,
        )
        assert (t.passed, t.required) == (passed, required)
        assert t.ratio == pytest.approx(yes / members)

    def test_absent_members_count_against_cstdcs(self) -> None:
        """With 10 members, 7 yes out of 7 votes cast still fails."""
        t = tally(
            members_total=10, in_favour=7, against=0, abstain=0, threshold=0.8, of_all_members=True
        )
        assert not t.passed

    @pytest.mark.parametrize(
        ("members", "yes", "passed", "required"),
        [(10, 6, True, 6), (10, 5, False, 6), (9, 5, True, 5), (9, 4, False, 5)],
    )
    def test_majority_strictly_more_than_half(
        self, members: int, yes: int, passed: bool, required: int
    ) -> None:
        """Other titles: strictly more than half of all members; a tie fails."""
        t = tally(
            members_total=members,
            in_favour=yes,
            against=members - yes,
            abstain=0,
            threshold=0.5,
            of_all_members=True,
        )
        assert (t.passed, t.required) == (passed, required)

    def test_of_votes_cast(self) -> None:
        """Counting on votes cast uses in_favour + against + abstain as the base."""
        t = tally(
            members_total=10, in_favour=3, against=1, abstain=1, threshold=0.5, of_all_members=False
        )
        assert t.passed and t.required == 3 and t.ratio == pytest.approx(0.6)

    def test_float_threshold_exact(self) -> None:
        """0.7 × 10 needs 7, not 8 (no float rounding error)."""
        t = tally(
            members_total=10, in_favour=7, against=3, abstain=0, threshold=0.7, of_all_members=True
        )
        assert t.passed and t.required == 7

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"members_total": 10, "in_favour": -1, "against": 0, "abstain": 0},
            {"members_total": 10, "in_favour": 8, "against": 2, "abstain": 1},
            {"members_total": 0, "in_favour": 0, "against": 0, "abstain": 0},
        ],
    )
    def test_invalid_counts(self, kwargs: dict[str, int]) -> None:
        """Negative counts, more votes than members, or no members are rejected."""
        with pytest.raises(ValueError, match=r"phiếu|thành viên"):
            tally(**kwargs, threshold=0.8, of_all_members=True)

    def test_invalid_threshold(self) -> None:
        """A threshold outside (0, 1] is rejected."""
        with pytest.raises(ValueError, match="tỷ lệ"):
            tally(
                members_total=9,
                in_favour=1,
                against=0,
                abstain=0,
                threshold=1.5,
                of_all_members=True,
            )

    def test_vote_threshold_from_ruleset_params(self, engine: RulesEngine) -> None:
        """CSTDCS uses cstdcs_vote_ratio, others other_titles_vote_ratio, both of all members."""
        params = engine.resolve(ruleset_id=RULESET[0], version=RULESET[1]).params
        assert vote_threshold("CSTDCS", params) == (0.8, True)
        assert vote_threshold("LDTT", params) == (0.5, True)
        assert vote_threshold("TTLDTT", params) == (0.5, True)


def members(present: int, written: int = 0, absent: int = 0) -> list[CouncilMember]:
    out = [CouncilMember(name=f"P{i}") for i in range(present)]
    out += [CouncilMember(name=f"W{i}", present=False, written_vote=True) for i in range(written)]
    out += [CouncilMember(name=f"A{i}", present=False) for i in range(absent)]
    return out


def ballot(nomination: str, title: str, yes: int, no: int = 0, **more: Any) -> Ballot:
    return Ballot(nomination=nomination, title=title, in_favour=yes, against=no, **more)


def refusal_of(*args: Any) -> Refusal:
    with pytest.raises(Refusal) as info:
        count_ballots(*args)
    assert (info.value.code, info.value.field) == (RefusalCode.INVALID, "ballots")
    return info.value


class TestCountBallots:
    def test_each_item_on_the_list_is_counted_on_all_members(self) -> None:
        """8 of 10 passes CSTDCS, 7 of 10 does not; written votes are counted and reported."""
        tallies = count_ballots(
            members(8, written=1, absent=1),
            [ballot("a", "CSTDCS", 8, 1), ballot("b", "CSTDCS", 7, 2), ballot("b", "LDTT", 9)],
            {("a", "CSTDCS"), ("b", "CSTDCS"), ("b", "LDTT")},
            PARAMS,
        )
        assert tallies[("a", "CSTDCS")] == {
            "in_favour": 8,
            "against": 1,
            "abstain": 0,
            "members_total": 10,
            "written_votes": 1,
            "threshold": 0.8,
            "required": 8,
            "ratio": 0.8,
            "passed": True,
        }
        assert not tallies[("b", "CSTDCS")]["passed"] and tallies[("b", "LDTT")]["required"] == 6

    def test_a_ballot_not_on_the_list_is_refused(self) -> None:
        """A ballot for a nomination or title the round does not propose is refused."""
        refusal = refusal_of(members(3), [ballot("x", "LDTT", 2)], set(), PARAMS)
        assert refusal.message == "ballots: không có trong danh sách đề nghị: x/LDTT."

    def test_a_missing_ballot_is_refused(self) -> None:
        """Every item on the list needs its ballot."""
        on_the_list = {("a", "LDTT"), ("b", "LDTT")}
        refusal = refusal_of(members(3), [ballot("a", "LDTT", 2)], on_the_list, PARAMS)
        assert refusal.message == "ballots: thiếu kết quả bỏ phiếu cho: b/LDTT."

    def test_more_votes_than_voters_is_refused(self) -> None:
        """Absent members without a written vote cannot vote."""
        refusal = refusal_of(
            members(2, absent=1), [ballot("a", "LDTT", 3)], {("a", "LDTT")}, PARAMS
        )
        assert refusal.message == (
            "ballots: a/LDTT có 3 phiếu, nhiều hơn 2 thành viên có mặt hoặc gửi phiếu."
        )


def result(key: str, kind: str, titles: list[str]) -> CandidateResult:
    return CandidateResult(
        key=key,
        kind=kind,  # type: ignore[arg-type]
        unit="P1",
        name=key,
        outcome=Outcome.RECOMMENDED if titles else Outcome.NOT_ELIGIBLE,
        reason_vi=None,
        titles=titles,
        proposals=[],
        decision=None,
        facts_used={},
        flags=[],
        rank=0,
    )


class TestLostByMemberVote:
    def test_a_title_passed_but_no_longer_held_did_not_pass(self) -> None:
        """A collective's title lost through its members' votes is marked, not passed."""
        tallies = count_ballots(
            members(10),
            [ballot("m1", "CSTDCS", 6, 4), ballot("c1", "TTLDTT", 10)],
            {("m1", "CSTDCS"), ("c1", "TTLDTT")},
            PARAMS,
        )
        after = Appraisal(
            results=[result("m1", "individual", []), result("c1", "collective", [])],
            by_title={},
            by_unit={},
            flags=[],
        )
        mark_lost_by_member_vote(tallies, after)
        assert tallies[("c1", "TTLDTT")]["passed"] is False
        assert tallies[("c1", "TTLDTT")]["lost_by_member_vote"] is True
        assert "lost_by_member_vote" not in tallies[("m1", "CSTDCS")]
