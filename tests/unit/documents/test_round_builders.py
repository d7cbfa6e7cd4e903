"""The round's documents as pure functions of a snapshot (no database, no files)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

import thidua
from rules.registry import RulesRegistry
from thidua.domain.agency import parse_profile_yaml
from thidua.domain.documents import achievements_summary, build_document, document_title
from thidua.domain.documents.models import (
    CouncilMinutesDoc,
    DecisionDoc,
    ReportDoc,
    RevocationDoc,
    SubmissionDoc,
)
from thidua.domain.documents.register import (
    book_of,
    draft_number,
    register_number,
    vietnam_date,
)
from thidua.domain.documents.snapshot import (
    AwardItemRecord,
    CouncilMeetingRecord,
    MovementRecord,
    NominationRecord,
    ObjectionNote,
    PersonRecord,
    RoundSnapshot,
    UnitRecord,
)
from thidua.domain.documents.text import number_symbol
from thidua.domain.documents.wording import ANNEX_OF, DOCUMENT_KINDS

RULESET = RulesRegistry.from_directory().get("ntm-2024", "1")
PROFILE = parse_profile_yaml(
    (Path(thidua.__file__).parent / "datasets" / "sample" / "agency.yaml").read_text("utf-8")
)
UNIT = UnitRecord(id=1, code="LDVL", name="Phòng Lao động – Việc làm", kind="division")
NOMINATION = NominationRecord(
    id=7,
    key="n-7",
    kind="individual",
    unit=UNIT,
    nominee_code="NV018",
    nominee_name="Nguyễn Văn A",
    facts={"rating": "HTXSNV"},
)


def award(
    code: str,
    *,
    item_id: int = 1,
    nomination: NominationRecord = NOMINATION,
    level: str = "director",
    approved: bool = True,
    revoked: bool = False,
    amount: int | None = None,
) -> AwardItemRecord:
    return AwardItemRecord(
        id=item_id,
        rank=item_id,
        code=code,
        level=level,
        council_status="passed",
        director_status="approved" if approved else "rejected",
        province_status="pending" if level == "province" else None,
        revoked=revoked,
        amount_vnd=amount,
        tally={},
        nomination=nomination,
        revoked_reason="Kê khai không trung thực" if revoked else None,
    )


TEAM = NominationRecord(
    id=8,
    key="n-8",
    kind="collective",
    unit=UnitRecord(id=2, code="BTXH", name="Phòng Bảo trợ xã hội", kind="division"),
    nominee_code="BTXH",
    nominee_name="Phòng Bảo trợ xã hội",
    facts={"rating": "HTXSNV", "movement": {"c1": "xuat_sac"}},
)


def snapshot(
    *,
    director: PersonRecord | None,
    approved: bool = True,
    items: tuple[AwardItemRecord, ...] | None = None,
) -> RoundSnapshot:
    if items is None:
        items = (award("LDTT", approved=approved),)
    return RoundSnapshot(
        key="r-1",
        year=2024,
        ruleset_id="ntm-2024",
        ruleset_version="1",
        movement=MovementRecord(
            "Chung tay xây dựng nông thôn mới", 2024, "12/KH-SLĐTBXH", dt.date(2024, 3, 1)
        ),
        appraisal_results=(),
        items=items,
        nominations=tuple({i.nomination.id: i.nomination for i in items}.values()),
        meeting=None,
        units=(UNIT, TEAM.unit),
        staff=(),
        director=director,
        secretary=None,
    )


@pytest.mark.parametrize(
    ("code", "printed"),
    [
        ("LDTT", "Lao động tiên tiến"),
        ("CSTDCS", "Chiến sĩ thi đua cơ sở"),
        ("TTLDTT", "Tập thể lao động tiên tiến"),
        ("TTLDXS", "Tập thể lao động xuất sắc"),
        ("GIAY_KHEN", "Giấy khen của Giám đốc Sở"),
        ("BANG_KHEN_UBND_TINH", "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh"),
    ],
)
def test_documents_print_the_rulesets_title_names(code: str, printed: str) -> None:
    assert document_title(RULESET.titles[code].name_vi) == printed


def test_decision_pays_the_rulesets_amount_and_is_signed_by_the_director() -> None:
    doc = build_document(
        snapshot(director=PersonRecord("Trương Minh Khôi")),
        RULESET,
        "decision",
        "101/QĐ-SLĐTBXH",
        dt.date(2024, 12, 26),
        {},
        PROFILE,
    )
    assert isinstance(doc, DecisionDoc)
    assert [(a.name, a.title_vi, a.amount) for a in doc.awards] == [
        ("Nguyễn Văn A", "Lao động tiên tiến", 710_000)
    ]
    assert doc.signer.name == "Trương Minh Khôi"


def test_no_decision_without_an_approved_award_but_a_report() -> None:
    snap = snapshot(director=PersonRecord("Trương Minh Khôi"), approved=False)
    on = dt.date(2024, 12, 26)
    assert build_document(snap, RULESET, "decision", "101", on, {}, PROFILE) is None
    assert build_document(snap, RULESET, "minutes", "101", on, {}, PROFILE) is None  # no meeting
    assert isinstance(build_document(snap, RULESET, "report", "101", on, {}, PROFILE), ReportDoc)


def test_nobody_to_sign_is_an_error() -> None:
    with pytest.raises(LookupError, match="Giám đốc"):
        build_document(
            snapshot(director=None), RULESET, "report", "101", dt.date(2024, 12, 26), {}, PROFILE
        )


def test_register_numbers_have_two_digits_at_least_and_the_kinds_symbol() -> None:
    """From 01 (Decree 30/2020 art. 15); the minutes carry the council's symbol."""
    assert register_number(1, "decision", "SLĐTBXH") == "01/QĐ-SLĐTBXH"
    assert register_number(123, "report", "SNV") == "123/BC-SNV"
    assert register_number(7, "minutes", "SNV") == "07/BB-HĐTĐKT"


def test_each_kind_has_its_own_book_and_the_minutes_the_councils() -> None:
    """Decisions (both kinds, and revocations), reports and submissions in their own books;
    the minutes in the council's; the vote-counting record is the minutes' annex, with no book."""
    assert ANNEX_OF == {"vote_count": "minutes"}
    assert {k: book_of(k) for k in DOCUMENT_KINDS if k not in ANNEX_OF} == {
        "report": "BC",
        "minutes": "BB",
        "decision": "QĐ",
        "decision_movement": "QĐ",
        "submission": "TTr",
    }
    assert book_of("revocation-57") == "QĐ"
    assert register_number(3, "revocation-57", "SNV") == "03/QĐ-SNV"


def test_a_draft_leaves_the_number_blank() -> None:
    """A draft shows a blank where the register's number goes, the minutes' symbol included."""
    assert draft_number("decision", "SNV") == "       /QĐ-SNV"
    assert draft_number("minutes", "SNV") == "       /BB-HĐTĐKT"
    snap = snapshot(director=PersonRecord("Trương Minh Khôi"))
    number = draft_number("report", PROFILE.symbol)
    doc = build_document(snap, RULESET, "report", number, dt.date(2024, 12, 26), {}, PROFILE)
    assert isinstance(doc, ReportDoc)
    assert number_symbol(doc.number, "BC", doc.agency) == f"Số:        /BC-{PROFILE.symbol}"


def test_the_registers_year_is_vietnams() -> None:
    """17:00 UTC on 31 December is already 1 January in Vietnam (UTC+7)."""
    assert vietnam_date(dt.datetime(2026, 12, 31, 16, 59, tzinfo=dt.UTC)) == dt.date(2026, 12, 31)
    assert vietnam_date(dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)) == dt.date(2027, 1, 1)


def test_achievements_name_past_titles_as_the_ruleset_does() -> None:
    facts = {"rating": "HTXSNV", "history": [{"year": 2023, "titles": ["LDTT", "UNKNOWN"]}]}
    assert achievements_summary(facts, 2024, RULESET) == (
        "Hoàn thành xuất sắc nhiệm vụ năm 2024; năm 2023 đạt Lao động tiên tiến."
    )


SIGNER = PersonRecord("Trương Minh Khôi")
ON = dt.date(2024, 12, 26)


def build(
    snap: RoundSnapshot,
    kind: str,
    numbers: dict[str, str] | None = None,
    dates: dict[str, dt.date] | None = None,
) -> object:
    """The document ``kind`` of ``snap`` numbered 05, dated 26/12/2024."""
    return build_document(
        snap, RULESET, kind, "05/QĐ-SLĐTBXH", ON, numbers or {}, PROFILE, dates or {}
    )


class TestTwoDecisions:
    """A round mixing annual titles and the thematic movement's Giấy khen issues two decisions."""

    MIXED = (
        award("LDTT", item_id=1),
        award("GIAY_KHEN", item_id=2),
        award("TTLDTT", item_id=3, nomination=TEAM),
        award("GIAY_KHEN", item_id=4, nomination=TEAM),
    )

    def test_annual_decision_holds_only_annual_titles_collectives_first(self) -> None:
        """The year-end decision: TTLĐTT then LĐTT, no Giấy khen, no movement's plan."""
        doc = build(snapshot(director=SIGNER, items=self.MIXED), "decision")
        assert isinstance(doc, DecisionDoc) and not doc.thematic
        assert [(a.title_code, a.name) for a in doc.awards] == [
            ("TTLDTT", "Phòng Bảo trợ xã hội"),
            ("LDTT", "Nguyễn Văn A"),
        ]
        assert not any("Kế hoạch" in b or "phong trào" in b for b in doc.legal_bases)
        assert doc.money_basis.startswith("Điều 54 Nghị định số 98/2023/NĐ-CP")

    def test_movement_decision_holds_only_the_movements_awards(self) -> None:
        """The thematic decision: the Giấy khen only, grounded on the plan and the report."""
        snap = snapshot(director=SIGNER, items=self.MIXED)
        doc = build(snap, "decision_movement", numbers={"report": "07/BC-SLĐTBXH"})
        assert isinstance(doc, DecisionDoc) and doc.thematic
        assert [(a.title_code, a.is_collective) for a in doc.awards] == [
            ("GIAY_KHEN", True),
            ("GIAY_KHEN", False),
        ]
        assert any(b.startswith("Căn cứ Kế hoạch số 12/KH-SLĐTBXH") for b in doc.legal_bases)
        assert any(b.startswith("Căn cứ Báo cáo số 07/BC-SLĐTBXH") for b in doc.legal_bases)

    def test_an_annual_round_issues_only_the_annual_decision(self) -> None:
        """No thematic award approved: no movement decision (and no number taken for it)."""
        snap = snapshot(director=SIGNER, items=(award("LDTT"),))
        assert isinstance(build(snap, "decision"), DecisionDoc)
        assert build(snap, "decision_movement") is None

    def test_a_thematic_round_issues_only_the_movement_decision(self) -> None:
        """Only the movement's Giấy khen approved: no annual decision."""
        snap = snapshot(director=SIGNER, items=(award("GIAY_KHEN"),))
        assert build(snap, "decision") is None
        assert isinstance(build(snap, "decision_movement"), DecisionDoc)


class TestSubmission:
    """The submission proposes the province's forms for the year's achievements."""

    def test_no_movement_plan_or_assessment_in_the_proposal(self) -> None:
        """Thematic achievements do not ground the province's awards."""
        snap = snapshot(
            director=SIGNER, items=(award("TTLDXS", nomination=TEAM, level="province"),)
        )
        doc = build(snap, "submission")
        assert isinstance(doc, SubmissionDoc)
        assert doc.plan_number is None
        assert doc.proposals[0].achievements == "Hoàn thành xuất sắc nhiệm vụ năm 2024."


class TestRevocationBuilder:
    """The revocation decision cites the decision that granted the award."""

    def test_cites_the_granting_decision_and_recovers_what_was_paid(self) -> None:
        """A revoked LĐTT: the annual decision's number and date, the reason, 710,000 VND."""
        snap = snapshot(director=SIGNER, items=(award("LDTT", revoked=True, amount=710_000),))
        doc = build(
            snap,
            "revocation-1",
            numbers={"decision": "04/QĐ-SLĐTBXH"},
            dates={"decision": dt.date(2024, 12, 20)},
        )
        assert isinstance(doc, RevocationDoc)
        assert (doc.original_number, doc.original_date) == ("04/QĐ-SLĐTBXH", dt.date(2024, 12, 20))
        assert doc.recover_amount == 710_000
        assert doc.reason == "Kê khai không trung thực"
        assert doc.revocation_basis.startswith("khoản 2 Điều 93 (chưa xác nhận) Luật")

    def test_a_giay_khen_cites_the_movement_decision(self) -> None:
        """The movement's Giấy khen was granted by the movement's decision."""
        snap = snapshot(director=SIGNER, items=(award("GIAY_KHEN", revoked=True, amount=710_000),))
        numbers = {"decision": "04/QĐ-SLĐTBXH", "decision_movement": "05/QĐ-SLĐTBXH"}
        dates = {k: dt.date(2024, 12, 20) for k in numbers}
        doc = build(snap, "revocation-1", numbers=numbers, dates=dates)
        assert isinstance(doc, RevocationDoc) and doc.original_number == "05/QĐ-SLĐTBXH"

    def test_no_revocation_of_an_award_not_revoked_or_not_decided_here(self) -> None:
        """Not revoked, or a province's award: no Director's revocation decision."""
        numbers = {"decision": "04/QĐ-SLĐTBXH"}
        dates = {"decision": dt.date(2024, 12, 20)}
        live = snapshot(director=SIGNER, items=(award("LDTT"),))
        assert build(live, "revocation-1", numbers=numbers, dates=dates) is None
        province = snapshot(
            director=SIGNER,
            items=(award("TTLDXS", nomination=TEAM, level="province", revoked=True),),
        )
        assert build(province, "revocation-1", numbers=numbers, dates=dates) is None


def minutes_with(objections: tuple[ObjectionNote, ...]) -> CouncilMinutesDoc:
    snap = dataclasses.replace(
        snapshot(director=PersonRecord("Trương Minh Khôi")),
        meeting=CouncilMeetingRecord(
            held_on=dt.date(2024, 12, 22), members=({"name": "Thành viên 1"},), ballots=()
        ),
        objections=objections,
    )
    doc = build_document(
        snap, RULESET, "minutes", "07/BB-HĐTĐKT", dt.date(2024, 12, 22), {}, PROFILE
    )
    assert isinstance(doc, CouncilMinutesDoc)
    return doc


def test_the_minutes_report_the_objections_and_how_each_was_resolved() -> None:
    """Two objections: the Office's report counts them and says how each was resolved, naming
    the nominee and the title, never the objector; with none, no such paragraph."""
    doc = minutes_with(
        (
            ObjectionNote("Nguyễn Văn A", "CSTDCS", "upheld"),
            ObjectionNote("Phòng Bảo trợ xã hội", None, "dismissed"),
        )
    )
    [report] = [p for p in doc.agenda if "ý kiến phản ánh" in p]
    assert "đã nhận 02 ý kiến phản ánh" in report
    assert "Nguyễn Văn A, danh hiệu Chiến sĩ thi đua cơ sở (chấp nhận: rút khỏi danh sách)" in (
        report
    )
    assert "Phòng Bảo trợ xã hội (không chấp nhận: tiếp tục xét)" in report
    assert doc.agenda.index(report) == 1  # after the Office's appraisal, before the discussion
    assert not [p for p in minutes_with(()).agenda if "phản ánh" in p]
