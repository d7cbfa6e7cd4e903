"""Council counting: the votes a title needs, one vote's count, a meeting's ballots."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from rules.engine import RulesEngine
from rules.registry import RulesRegistry
from thidua.domain.appraisal import Appraisal, CandidateResult, Outcome
from thidua.domain.council import (
    DEFAULT_QUORUM,
    count_ballots,
    count_meeting,
    identify_members,
    mark_lost_by_member_vote,
    quorum_ratio,
    tally,
    vote_threshold,
)
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
            "entitled": 10,
            "not_entitled": [],
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
            "ballots: a/LDTT có 3 phiếu, nhiều hơn 2 thành viên có quyền biểu quyết có mặt hoặc "
            "gửi phiếu."
        )


def named(
    n: int, *, nominee_at: int | None = None, absent: tuple[int, ...] = ()
) -> list[CouncilMember]:
    """``n`` members with staff codes TV0…; ``absent`` ones voted in writing."""
    return [
        CouncilMember(
            name=f"Thành viên {i}",
            staff_code=f"TV{i}",
            present=i not in absent,
            written_vote=i in absent,
        )
        for i in range(n)
    ]


def member_refusal(*args: Any, **kwargs: Any) -> Refusal:
    with pytest.raises(Refusal) as info:
        count_ballots(*args, **kwargs)
    assert info.value.code is RefusalCode.INVALID
    return info.value


class TestQuorum:
    def test_two_thirds_by_default(self) -> None:
        """Without a ruleset parameter the quorum is 2/3 of all members, rounded up."""
        assert quorum_ratio({}) == DEFAULT_QUORUM
        meeting = count_meeting(members(7, absent=3), {})
        assert (meeting.quorum_required, meeting.attending, meeting.quorum_ratio) == (7, 7, "2/3")

    def test_an_inquorate_meeting_is_refused_naming_members(self) -> None:
        """6 of 10 present (a seventh voted in writing) is under 2/3: refused, field members."""
        refusal = member_refusal(
            members(6, written=1, absent=3), [ballot("a", "LDTT", 7)], {("a", "LDTT")}, PARAMS
        )
        assert refusal.field == "members"
        assert refusal.message == (
            "members: Hội đồng có 10 thành viên, chỉ 6 thành viên có mặt; cuộc họp chỉ hợp lệ "
            "khi có mặt ít nhất 7 thành viên (2/3 tổng số thành viên; thành viên vắng mặt gửi "
            "phiếu bằng văn bản không tính là có mặt)."
        )

    def test_a_written_vote_does_not_count_as_attending(self) -> None:
        """A member marked present but voting in writing was absent: not counted as attending."""
        listed = [CouncilMember(name=f"P{i}") for i in range(6)]
        listed += [CouncilMember(name=f"W{i}", written_vote=True) for i in range(4)]
        meeting = count_meeting(listed, {"council_quorum_ratio": "1/2"})
        assert (meeting.attending, meeting.written_votes, meeting.ballots_issued) == (6, 4, 10)
        with pytest.raises(Refusal) as info:
            count_meeting(listed, {})
        assert info.value.field == "members"

    @pytest.mark.parametrize(
        ("value", "expected"), [("2/3", Fraction(2, 3)), (0.75, Fraction(3, 4)), ("1", 1)]
    )
    def test_quorum_from_the_ruleset_parameter(self, value: object, expected: Fraction) -> None:
        """council_quorum_ratio takes a fraction or a number, exactly."""
        assert quorum_ratio({"council_quorum_ratio": value}) == expected

    def test_nine_members_at_two_thirds_need_six_exactly(self) -> None:
        """2/3 of 9 is exactly 6 (no float rounding up to 7)."""
        assert (
            count_meeting(members(6, absent=3), {"council_quorum_ratio": "2/3"}).quorum_required
            == 6
        )

    @pytest.mark.parametrize("value", ["hai phần ba", "3/2", 0, True])
    def test_a_wrong_quorum_parameter_is_an_error(self, value: object) -> None:
        """A quorum that is not a share in (0, 1] is a ruleset error, not a silent default."""
        with pytest.raises(ValueError, match="council_quorum_ratio"):
            quorum_ratio({"council_quorum_ratio": value})

    def test_ballot_papers_add_up(self) -> None:
        """More papers received than issued, or more invalid than received, are refused."""
        with pytest.raises(Refusal) as info:
            count_meeting(members(9, written=1), {}, ballots_received=11)
        assert info.value.field == "ballots_received"
        assert "nhiều hơn 10 phiếu phát ra" in info.value.message
        with pytest.raises(Refusal) as info:
            count_meeting(members(9, written=1), {}, ballots_received=9, ballots_invalid=10)
        assert info.value.field == "ballots_invalid"
        meeting = count_meeting(members(9, written=1), {}, ballots_received=10, ballots_invalid=1)
        assert meeting.ballots_valid == 9

    def test_a_ballot_cannot_carry_more_votes_than_valid_papers(self) -> None:
        """One invalid paper of 10: an item counts at most 9 votes."""
        meeting = count_meeting(members(10), {}, ballots_invalid=1)
        refusal = member_refusal(
            members(10), [ballot("a", "LDTT", 10)], {("a", "LDTT")}, PARAMS, meeting=meeting
        )
        assert refusal.message == "ballots: a/LDTT có 10 phiếu, nhiều hơn 9 phiếu hợp lệ."


class TestNomineeDoesNotVote:
    def test_ten_members_one_nominee_cstdcs_needs_eight_of_nine(self) -> None:
        """10 members, one is the nominee: 9 entitled; CSTDCS needs ⌈0.8 × 9⌉ = 8."""
        council = named(10)
        on_the_list = {("a", "CSTDCS"), ("a", "LDTT"), ("b", "CSTDCS")}
        tallies = count_ballots(
            council,
            [ballot("a", "CSTDCS", 8, 1), ballot("a", "LDTT", 5, 4), ballot("b", "CSTDCS", 8, 2)],
            on_the_list,
            PARAMS,
            nominees={"a": "TV3", "b": "NV999"},
        )
        a = tallies[("a", "CSTDCS")]
        assert (a["entitled"], a["required"], a["passed"]) == (9, 8, True)
        assert a["not_entitled"] == ["Thành viên 3 (TV3)"] and a["ratio"] == pytest.approx(8 / 9)
        # more than half of 9 entitled: 5 passes (of all 10 it would need 6)
        assert (tallies[("a", "LDTT")]["required"], tallies[("a", "LDTT")]["passed"]) == (5, True)
        b = tallies[("b", "CSTDCS")]  # nobody on the council is b's nominee
        assert (b["entitled"], b["required"], b["not_entitled"]) == (10, 8, [])

    def test_seven_of_nine_entitled_fails_cstdcs(self) -> None:
        """7 of the 9 entitled is under 80 %: not passed."""
        tallies = count_ballots(
            named(10),
            [ballot("a", "CSTDCS", 7, 2)],
            {("a", "CSTDCS")},
            PARAMS,
            nominees={"a": "TV0"},
        )
        assert not tallies[("a", "CSTDCS")]["passed"]

    def test_the_nominee_s_vote_on_their_own_item_is_refused(self) -> None:
        """A ballot carrying 10 votes when one of 10 members is the nominee is refused."""
        refusal = member_refusal(
            named(10),
            [ballot("a", "CSTDCS", 10)],
            {("a", "CSTDCS")},
            PARAMS,
            nominees={"a": "TV3"},
        )
        assert refusal.field == "ballots"
        assert refusal.message == (
            "ballots: a/CSTDCS có 10 phiếu, nhiều hơn 9 thành viên có quyền biểu quyết có mặt "
            "hoặc gửi phiếu; Thành viên 3 (TV3) là người được đề nghị, không biểu quyết nội "
            "dung của mình."
        )

    def test_a_nominee_voting_in_writing_is_not_counted_on_their_item(self) -> None:
        """The nominee absent with a written vote: the item's written votes leave it out."""
        tallies = count_ballots(
            named(10, absent=(3,)),
            [ballot("a", "LDTT", 9)],
            {("a", "LDTT")},
            PARAMS,
            nominees={"a": "TV3"},
        )
        assert tallies[("a", "LDTT")]["written_votes"] == 0
        assert tallies[("a", "LDTT")]["entitled"] == 9

    def test_the_setting_off_counts_everyone(self) -> None:
        """council_nominee_abstains false: the nominee is counted (and may vote) on their item."""
        tallies = count_ballots(
            named(10),
            [ballot("a", "CSTDCS", 8, 2)],
            {("a", "CSTDCS")},
            {**PARAMS, "council_nominee_abstains": False},
            nominees={"a": "TV3"},
        )
        assert tallies[("a", "CSTDCS")]["entitled"] == 10

    def test_a_staff_code_twice_is_refused(self) -> None:
        """The same member listed twice is refused naming the second row."""
        twice = [*named(3), CouncilMember(name="Lặp", staff_code="TV1")]
        refusal = member_refusal(twice, [ballot("a", "LDTT", 3)], {("a", "LDTT")}, PARAMS)
        assert refusal.field == "members[3]"
        assert "TV1 trùng với thành viên thứ 2" in refusal.message


REGISTER = {"NV001": "Trương Minh Khôi", "NV017": "Võ Thanh Sơn", "NV034": "Lê Thị Minh Nguyệt"}


class TestIdentifyMembers:
    def test_staff_codes_are_filled_from_the_register_by_name(self) -> None:
        """Names (spacing and case aside) find their staff codes in the year's register."""
        found = identify_members(
            [
                CouncilMember(name="Trương Minh Khôi"),
                CouncilMember(name="võ  thanh sơn"),
                CouncilMember(name="Lê Thị Minh Nguyệt", staff_code="NV034", present=False),
            ],
            REGISTER,
            2024,
        )
        assert [m.staff_code for m in found] == ["NV001", "NV017", "NV034"]

    def test_without_a_register_members_stay_as_given(self) -> None:
        """No register for the year: old payloads (names only) stay valid."""
        given = [CouncilMember(name="TV0"), CouncilMember(name="TV1")]
        assert identify_members(given, {}, 2024) == given

    def test_a_stranger_is_refused_naming_the_row(self) -> None:
        """A name not in the register is refused, naming members[i]."""
        with pytest.raises(Refusal) as info:
            identify_members([CouncilMember(name="Người Lạ")], REGISTER, 2024)
        assert info.value.field == "members[0]"
        assert info.value.message == (
            "members[0]: «Người Lạ» không có trong danh sách thành viên Hội đồng năm 2024; ghi "
            "đúng họ tên hoặc mã cán bộ (staff_code) của thành viên."
        )

    def test_a_staff_code_not_in_the_register_is_refused(self) -> None:
        """A staff code outside the year's council is refused, naming the field."""
        with pytest.raises(Refusal) as info:
            identify_members([CouncilMember(name="X", staff_code="NV099")], REGISTER, 2024)
        assert info.value.field == "members[0].staff_code"

    def test_a_registered_member_left_off_the_list_is_refused(self) -> None:
        """Every registered member is listed (absent ones as absent): the base is the council."""
        with pytest.raises(Refusal) as info:
            identify_members(
                [CouncilMember(name="Trương Minh Khôi"), CouncilMember(name="Võ Thanh Sơn")],
                REGISTER,
                2024,
            )
        assert info.value.field == "members"
        assert info.value.message == (
            "members: thiếu thành viên Hội đồng năm 2024 theo danh sách: NV034 Lê Thị Minh "
            "Nguyệt (thành viên không dự họp vẫn ghi vào danh sách, là vắng mặt)."
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
