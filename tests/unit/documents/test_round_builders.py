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
from thidua.domain.documents.snapshot import (
    AwardItemRecord,
    MovementRecord,
    NominationRecord,
    PersonRecord,
    RoundSnapshot,
    UnitRecord,
)
from thidua.domain.documents.wording import next_number

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


def test_numbers_continue_per_kind_and_skip_a_taken_one() -> None:
    assert next_number("decision", 0, set(), "SLĐTBXH") == "101/QĐ-SLĐTBXH"
    assert next_number("report", 2, {"103/BC-SLĐTBXH"}, "SLĐTBXH") == "104/BC-SLĐTBXH"


def test_achievements_name_past_titles_as_the_ruleset_does() -> None:
    facts = {"rating": "HTXSNV", "history": [{"year": 2023, "titles": ["LDTT", "UNKNOWN"]}]}
    assert achievements_summary(facts, 2024, RULESET) == (
        "Hoàn thành xuất sắc nhiệm vụ năm 2024; năm 2023 đạt Lao động tiên tiến."
    )
