"""The council's documents from a snapshot: the minutes' ballot columns and establishing decision,
and the vote-counting record (biên bản kiểm phiếu), built from the stored tallies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.documents.test_round_builders import NOMINATION, PROFILE, RULESET, UNIT
from thidua.adapters.documents.blocks import DualSignature, Header, Para, Table
from thidua.adapters.documents.layout import layout
from thidua.domain.documents import build_document, document_date
from thidua.domain.documents.models import CouncilMinutesDoc, CouncilVote, VoteCountDoc
from thidua.domain.documents.register import draft_number
from thidua.domain.documents.snapshot import (
    AwardItemRecord,
    CouncilMeetingRecord,
    MovementRecord,
    NominationRecord,
    PersonRecord,
    RoundSnapshot,
)
from thidua.domain.documents.wording import ESTABLISHED_BY_PLACEHOLDER

HELD_ON = dt.date(2024, 12, 22)
OTHER = NominationRecord(
    id=8, key="n-8", kind="individual", unit=UNIT, nominee_code="NV019", nominee_name="Trần Văn B"
)
MEMBERS = (
    *({"name": f"Thành viên {i}", "staff_code": f"TV{i}", "present": True} for i in range(9)),
    {"name": "Nguyễn Văn A", "staff_code": "NV018", "present": True, "written_vote": False},
)
DETAILS = {
    "members_total": 10,
    "attending": 9,
    "written_votes": 0,
    "quorum_ratio": "2/3",
    "quorum_required": 7,
    "ballots_issued": 10,
    "ballots_received": 10,
    "ballots_invalid": 1,
    "counting_board": ["Thành viên 4", "Thành viên 5", "Thành viên 6"],
    "established_by": "Quyết định số 15/QĐ-SLĐTBXH ngày 10/01/2024 của Giám đốc Sở",
}


def tally(
    yes: int, no: int, entitled: int, required: int, passed: bool, **more: Any
) -> dict[str, Any]:
    return {
        "in_favour": yes,
        "against": no,
        "abstain": 0,
        "members_total": 10,
        "entitled": entitled,
        "not_entitled": more.get("not_entitled", []),
        "written_votes": 0,
        "threshold": more.get("threshold", 0.8),
        "required": required,
        "ratio": yes / entitled,
        "passed": passed,
    }


def item(n: int, nomination: NominationRecord, code: str, t: Mapping[str, Any]) -> AwardItemRecord:
    return AwardItemRecord(
        id=n,
        rank=n,
        code=code,
        level="director",
        council_status="passed" if t["passed"] else "not_recommended",
        director_status=None,
        province_status=None,
        revoked=False,
        amount_vnd=None,
        tally=t,
        nomination=nomination,
    )


def snapshot(details: Mapping[str, Any]) -> RoundSnapshot:
    recused = ["Nguyễn Văn A (NV018)"]
    items = (
        item(1, NOMINATION, "CSTDCS", tally(8, 1, 9, 8, True, not_entitled=recused)),
        item(2, OTHER, "CSTDCS", tally(7, 2, 10, 8, False)),
    )
    return RoundSnapshot(
        key="r-1",
        year=2024,
        ruleset_id="ntm-2024",
        ruleset_version="1",
        movement=MovementRecord("Chung tay", 2024, "12/KH-SLĐTBXH", dt.date(2024, 3, 1)),
        appraisal_results=(),
        items=items,
        nominations=(NOMINATION, OTHER),
        meeting=CouncilMeetingRecord(HELD_ON, MEMBERS, (), details),
        units=(UNIT,),
        staff=(),
        director=PersonRecord("Trương Minh Khôi"),
        secretary=None,
    )


def build(
    kind: str, details: Mapping[str, Any] = DETAILS, numbers: dict[str, str] | None = None
) -> Any:
    snap = snapshot(details)
    return build_document(
        snap, RULESET, kind, "02/BB-HĐTĐKT", dt.date(2024, 12, 26), numbers or {}, PROFILE
    )


def texts(doc: Any) -> list[str]:
    out: list[str] = []
    for block in layout(doc):
        if isinstance(block, Para):
            out.append(block.text)
        elif isinstance(block, Table):
            out.append(" | ".join(c.title for c in block.columns))
            out += [" | ".join(cell.text for cell in row) for row in block.rows]
        elif isinstance(block, DualSignature):
            out.append(f"{block.left.position}: {block.left.name}")
            out.append(f"{block.right.position}: {block.right.name}")
    return out


class TestVoteCountRecord:
    def test_built_from_the_stored_tallies_and_the_meetings_count(self) -> None:
        """Board, papers issued/received/valid/invalid, per item the base, share and result."""
        doc = build("vote_count", numbers={"minutes": "01/BB-HĐTĐKT"})
        assert isinstance(doc, VoteCountDoc)
        assert (doc.date, doc.minutes_number) == (HELD_ON, "01/BB-HĐTĐKT")
        assert (doc.ballots_issued, doc.ballots_received, doc.ballots_valid) == (10, 10, 9)
        assert doc.counting_board[0] == "Thành viên 4"
        first, second = doc.votes
        assert (first.nominee, first.base, first.required, first.passed) == (
            "Nguyễn Văn A",
            9,
            8,
            True,
        )
        assert first.not_entitled == ["Nguyễn Văn A (NV018)"]
        assert (second.base, second.passed) == (10, False)

    def test_its_layout_prints_the_count_and_who_did_not_vote(self) -> None:
        """The record states the papers, each item's base and share, and the recusal."""
        lines = texts(build("vote_count", numbers={"minutes": "01/BB-HĐTĐKT"}))
        assert "- Số phiếu phát ra: 10;" in lines
        assert "- Số phiếu hợp lệ: 09;" in lines
        assert "- Số phiếu không hợp lệ: 01." in lines
        assert "- Trưởng ban: Thành viên 4;" in lines
        assert (
            "1 | Nguyễn Văn A\n(Phòng Lao động – Việc làm) | Chiến sĩ thi đua cơ sở | 9 | 8 | 1 | 0 | 88,9% | Đạt (cần 8/9)"
            in lines
        )
        assert any(line.endswith("Không đạt (cần 8/10)") for line in lines)
        assert (
            "- Nguyễn Văn A (NV018) không biểu quyết đối với Chiến sĩ thi đua cơ sở của chính "
            "mình (số thành viên có quyền biểu quyết: 09/10)." in lines
        )
        assert "TRƯỞNG BAN KIỂM PHIẾU: Thành viên 4" in lines

    def test_a_meeting_recorded_before_the_count_is_counted_from_attendance(self) -> None:
        """No details stored: papers = members voting, all valid; board and decision left blank."""
        doc = build("vote_count", details={})
        assert isinstance(doc, VoteCountDoc)
        assert (doc.ballots_issued, doc.ballots_received, doc.ballots_invalid) == (10, 10, 0)
        lines = texts(doc)
        assert any("chưa ghi: bổ sung trước khi ký" in line for line in lines)
        assert any(ESTABLISHED_BY_PLACEHOLDER in line for line in lines)

    def test_it_bears_the_meetings_date_and_the_minutes_number(self) -> None:
        """Dated on the meeting's day (so the profile in force then); an annex of the minutes,
        it carries their number."""
        assert document_date(snapshot(DETAILS), "vote_count", dt.date(2024, 12, 26)) == HELD_ON
        header = layout(build("vote_count", numbers={"minutes": "01/BB-HĐTĐKT"}))[0]
        assert isinstance(header, Header)
        assert header.number_line == "Kèm theo Biên bản số 01/BB-HĐTĐKT"
        draft = layout(build("vote_count"))[0]  # no minutes number yet: a blank to fill
        assert isinstance(draft, Header)
        assert draft.number_line == f"Kèm theo Biên bản số {draft_number('minutes', 'SNV')}"

    def test_papers_that_do_not_add_up_are_a_model_error(self) -> None:
        """Invalid ≤ received ≤ issued is checked by the model."""
        doc = build("vote_count")
        with pytest.raises(ValueError, match="ballot papers"):
            VoteCountDoc.model_validate({**doc.model_dump(), "ballots_received": 11})


class TestMinutesWording:
    def test_the_table_has_the_ballot_columns_on_the_entitled_base(self) -> None:
        """For / against / abstain, the members entitled to vote, the share of them, the result."""
        doc = build("minutes")
        assert isinstance(doc, CouncilMinutesDoc)
        lines = texts(doc)
        assert (
            "STT | Họ và tên / Tập thể, đơn vị | Danh hiệu, hình thức | Số TV có quyền biểu quyết "
            "| Đồng ý | Không đồng ý | Không ý kiến | Tỷ lệ đồng ý | Kết quả" in lines
        )
        assert any(line.endswith("| 9 | 8 | 1 | 0 | 88,9% | Đạt (cần 8/9)") for line in lines)
        assert any(line.endswith("| 10 | 7 | 2 | 0 | 70% | Không đạt (cần 8/10)") for line in lines)

    def test_the_minutes_cite_the_councils_establishing_decision_and_quorum(self) -> None:
        """The decision establishing the council as recorded; the quorum met."""
        lines = texts(build("minutes"))
        assert (
            "Hội đồng Thi đua – Khen thưởng Sở được thành lập (kiện toàn) theo Quyết định số "
            "15/QĐ-SLĐTBXH ngày 10/01/2024 của Giám đốc Sở." in lines
        )
        assert any(
            "đạt từ 2/3 tổng số thành viên trở lên (tối thiểu 07 thành viên)" in line
            for line in lines
        )

    def test_without_the_decision_a_visible_placeholder_not_a_number(self) -> None:
        """No establishing decision recorded: a blank to fill in, no invented number."""
        lines = texts(build("minutes", details={}))
        assert any(ESTABLISHED_BY_PLACEHOLDER in line for line in lines)
        assert not any("tổng số thành viên trở lên (tối thiểu" in line for line in lines)

    def test_a_member_voting_in_writing_is_listed_absent(self) -> None:
        """Present but voting in writing: absent with a written vote, not among those present."""
        members = (*MEMBERS[:-1], {**MEMBERS[-1], "written_vote": True})
        snap = snapshot(DETAILS)
        snap = RoundSnapshot(
            **{**snap.__dict__, "meeting": CouncilMeetingRecord(HELD_ON, members, (), DETAILS)}
        )
        doc = build_document(snap, RULESET, "minutes", "01", dt.date(2024, 12, 26), {}, PROFILE)
        assert isinstance(doc, CouncilMinutesDoc)
        assert not any("Nguyễn Văn A" in who for who in doc.present)
        assert any("Nguyễn Văn A" in who and "văn bản" in who for who in doc.absent)


class TestCouncilVote:
    def test_the_share_is_of_the_entitled_members(self) -> None:
        """8 of 9 entitled is 88.9 %, not 80 % of 10."""
        vote = CouncilVote(
            nominee="A",
            unit="U",
            title_code="CSTDCS",
            title_vi="CSTĐCS",
            in_favour=8,
            against=1,
            abstain=0,
            written_votes=0,
            members_total=10,
            threshold=Decimal("0.8"),
            passed=True,
            entitled=9,
        )
        assert (vote.base, vote.ratio.quantize(Decimal("0.001"))) == (9, Decimal("0.889"))

    def test_more_votes_than_entitled_is_refused_by_the_model(self) -> None:
        """10 votes on an item with 9 entitled voters cannot be printed."""
        with pytest.raises(ValueError, match="entitled"):
            CouncilVote(
                nominee="A",
                unit="U",
                title_code="CSTDCS",
                title_vi="CSTĐCS",
                in_favour=10,
                against=0,
                abstain=0,
                written_votes=0,
                members_total=10,
                threshold=Decimal("0.8"),
                passed=True,
                entitled=9,
            )
