"""The round's documents as pure functions of a snapshot (no database, no files)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import thidua
from rules.registry import RulesRegistry
from thidua.domain.agency import parse_profile_yaml
from thidua.domain.documents import achievements_summary, build_document, document_title
from thidua.domain.documents.models import DecisionDoc, ReportDoc
from thidua.domain.documents.register import (
    book_of,
    draft_number,
    register_number,
    vietnam_date,
)
from thidua.domain.documents.snapshot import (
    AwardItemRecord,
    MovementRecord,
    NominationRecord,
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


def snapshot(*, director: PersonRecord | None, approved: bool = True) -> RoundSnapshot:
    item = AwardItemRecord(
        id=1,
        rank=1,
        code="LDTT",
        level="director",
        council_status="passed",
        director_status="approved" if approved else "rejected",
        province_status=None,
        revoked=False,
        amount_vnd=None,
        tally={},
        nomination=NOMINATION,
    )
    return RoundSnapshot(
        key="r-1",
        year=2024,
        ruleset_id="ntm-2024",
        ruleset_version="1",
        movement=MovementRecord(
            "Chung tay xây dựng nông thôn mới", 2024, "12/KH-SLĐTBXH", dt.date(2024, 3, 1)
        ),
        appraisal_results=(),
        items=(item,),
        nominations=(NOMINATION,),
        meeting=None,
        units=(UNIT,),
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
    """Decisions, reports and submissions in their own books; the minutes in the council's;
    the vote-counting record is the minutes' annex, with no book."""
    assert ANNEX_OF == {"vote_count": "minutes"}
    assert {k: book_of(k) for k in DOCUMENT_KINDS if k not in ANNEX_OF} == {
        "report": "BC",
        "minutes": "BB",
        "decision": "QĐ",
        "submission": "TTr",
    }


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
