"""The agency profile file: keys, refusals naming the key, and how documents sign with it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

import thidua
from rules.registry import RulesRegistry
from thidua.domain.agency import AgencyProfile, parse_profile, parse_profile_yaml
from thidua.domain.documents import build_document
from thidua.domain.documents.models import DecisionDoc, SubmissionDoc
from thidua.domain.documents.snapshot import (
    AwardItemRecord,
    MovementRecord,
    NominationRecord,
    PersonRecord,
    RoundSnapshot,
    StaffRecord,
    UnitRecord,
)
from thidua.domain.policy import check_agency_admin
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

SAMPLE = Path(thidua.__file__).parent / "datasets" / "sample" / "agency.yaml"
RULESET = RulesRegistry.from_directory().get("ntm-2024", "1")


def sample_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SAMPLE.read_text("utf-8"))
    return data


def refusal_of(data: object) -> Refusal:
    with pytest.raises(Refusal) as caught:
        parse_profile(data)
    return caught.value


class TestSampleProfile:
    def test_the_sample_file_holds_the_2024_values_of_the_sample_department(self) -> None:
        """The shipped sample profile: names, place, symbol and titles as the documents print them."""
        p = parse_profile_yaml(SAMPLE.read_text("utf-8"))
        assert (p.governing_body, p.name, p.place, p.symbol) == (
            "UBND TỈNH BÌNH PHƯỚC",
            "SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI",
            "Bình Phước",
            "SLĐTBXH",
        )
        assert (p.head_title, p.deputy_title) == ("Giám đốc", "Phó Giám đốc")
        assert p.effective_from == dt.date(2024, 1, 1)
        assert p.recipients.decision == [
            "Như Điều 3;",
            "Ban Thi đua – Khen thưởng tỉnh;",
            "Lưu: VT, VP.",
        ]
        assert p.text_name == "Sở Lao động – Thương binh và Xã hội"

    def test_optional_names_have_defaults_from_the_required_keys(self) -> None:
        """Without province_board and name_in_text: the board from the place, the name cased."""
        data = sample_data()
        del data["province_board"], data["name_in_text"]
        data["name"] = "SỞ NỘI VỤ"
        p = parse_profile(data)
        assert p.board == "Ban Thi đua – Khen thưởng tỉnh Bình Phước"
        assert p.text_name == "Sở Nội vụ"
        assert "province_board" not in p.as_data()


class TestNameInRunningText:
    @pytest.mark.parametrize(
        ("name", "text"),
        [
            ("SỞ NỘI VỤ", "Sở Nội vụ"),
            ("SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI", "Sở Lao động – Thương binh và Xã hội"),
            ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "Sở Giáo dục và Đào tạo"),
        ],
    )
    def test_name_is_cased_as_vietnamese_writes_an_agency(self, name: str, text: str) -> None:
        """Without name_in_text, the upper-case name reads with each part's first word capitalised."""
        data = {k: v for k, v in sample_data().items() if k != "name_in_text"}
        assert parse_profile({**data, "name": name}).text_name == text

    def test_name_in_text_wins(self) -> None:
        """An explicit name_in_text is printed as written."""
        profile = parse_profile({**sample_data(), "name_in_text": "Sở LĐ-TB&XH"})
        assert profile.text_name == "Sở LĐ-TB&XH"


class TestProfileRefusals:
    def test_an_empty_recipient_line_is_named_by_its_path(self) -> None:
        """recipients.decision[1] empty: the refusal's field and message name it."""
        data = sample_data()
        data["recipients"]["decision"][1] = "  "
        r = refusal_of(data)
        assert r.code is RefusalCode.INVALID
        assert r.field == "recipients.decision[1]"
        assert r.message.startswith("recipients.decision[1]: không được để trống.")

    def test_unknown_keys_are_refused_by_name(self) -> None:
        """An unknown key at the top and in recipients: each named, with the keys allowed."""
        data = sample_data()
        data["fax"] = "0271"
        data["recipients"]["circular"] = ["Lưu: VT."]
        r = refusal_of(data)
        fields = {e.field: e.message for e in r.errors}
        assert "fax" in fields and "recipients.circular" in fields
        assert "khóa không có trong hồ sơ cơ quan" in fields["fax"]
        assert "decision, submission, report, minutes" in fields["recipients.circular"]

    def test_missing_keys_and_wrong_types_are_named(self) -> None:
        """A missing key, a list given as text, a bad date: each fault names its key."""
        data = sample_data()
        del data["symbol"]
        data["competence_basis"] = "Căn cứ một dòng"
        data["effective_from"] = "01/07/2025"
        fields = {e.field: e.message for e in refusal_of(data).errors}
        assert fields["symbol"] == "thiếu khóa bắt buộc."
        assert fields["competence_basis"] == "phải là một danh sách các dòng."
        assert fields["effective_from"] == "phải là một ngày dạng YYYY-MM-DD."

    def test_a_symbol_with_a_slash_is_refused(self) -> None:
        """The symbol goes after the number's slash: it may hold neither '/' nor spaces."""
        data = sample_data()
        data["symbol"] = "SNV/ĐN"
        r = refusal_of(data)
        assert r.field == "symbol" and "không chứa khoảng trắng hay '/'" in r.message

    def test_a_file_that_is_not_a_mapping_or_not_yaml_is_refused(self) -> None:
        """A list instead of a mapping; broken YAML named by line and column."""
        assert "bảng khóa: giá trị" in refusal_of(["code"]).message
        with pytest.raises(Refusal) as caught:
            parse_profile_yaml("code: [X\nname: Y\n")
        assert "không phải YAML hợp lệ ở dòng" in caught.value.message


class TestWhoSetsTheProfile:
    @pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
    def test_only_the_system_administrator_sets_it(self, role: Role) -> None:
        """Every role but admin is refused (forbidden)."""
        with pytest.raises(Refusal) as caught:
            check_agency_admin(Actor(username="x", role=role))
        assert caught.value.code is RefusalCode.FORBIDDEN
        check_agency_admin(Actor(username="admin", role=Role.ADMIN))


LEADERSHIP = UnitRecord(id=1, code="BGD", name="Ban Giám đốc", kind="leadership")
DIVISION = UnitRecord(id=2, code="LDVL", name="Phòng Lao động – Việc làm", kind="division")


def _snapshot(staff: tuple[StaffRecord, ...], director: PersonRecord | None) -> RoundSnapshot:
    nomination = NominationRecord(7, "n-7", "individual", DIVISION, "NV018", "Nguyễn Văn A")
    items = tuple(
        AwardItemRecord(
            id=i,
            rank=i,
            code=code,
            level=level,
            council_status="passed",
            director_status="approved",
            province_status=None,
            revoked=False,
            amount_vnd=None,
            tally={},
            nomination=nomination,
        )
        for i, (code, level) in enumerate(
            (("LDTT", "director"), ("BANG_KHEN_UBND_TINH", "province")), start=1
        )
    )
    return RoundSnapshot(
        key="r-1",
        year=2025,
        ruleset_id="ntm-2024",
        ruleset_version="1",
        movement=MovementRecord("Phong trào", 2025, "12/KH-SNV", dt.date(2025, 3, 1)),
        appraisal_results=(),
        items=items,
        nominations=(nomination,),
        meeting=None,
        units=(LEADERSHIP, DIVISION),
        staff=staff,
        director=director,
        secretary=None,
    )


def _profile(**changes: Any) -> AgencyProfile:
    data = sample_data()
    data.update(changes)
    return parse_profile(data)


class TestDocumentsFromTheProfile:
    def test_the_decision_prints_the_profiles_names_bases_and_recipients(self) -> None:
        """Header, symbol's agency part, competence, regulation and recipients come from the profile."""
        profile = _profile(
            governing_body="UBND TỈNH ĐỒNG NAI",
            name="SỞ NỘI VỤ",
            name_in_text="Sở Nội vụ",
            place="Đồng Nai",
            symbol="SNV",
            competence_basis=["Căn cứ Quyết định về chức năng của Sở Nội vụ"],
            emulation_regulation=["Căn cứ Quy chế thi đua tỉnh Đồng Nai"],
            recipients={"decision": ["Lưu: VT."], "submission": ["Như trên;"], "report": ["A;"]},
        )
        head = StaffRecord("NV001", "Lê Thị Hoa", "nu", "Giám đốc", LEADERSHIP)
        doc = build_document(
            _snapshot((head,), None), RULESET, "decision", "5", dt.date(2025, 8, 1), {}, profile
        )
        assert isinstance(doc, DecisionDoc)
        assert (doc.agency.parent, doc.agency.name, doc.agency.place) == (
            "UBND TỈNH ĐỒNG NAI",
            "SỞ NỘI VỤ",
            "Đồng Nai",
        )
        assert doc.agency.short == "SNV" and doc.agency.full_name == "Sở Nội vụ"
        assert doc.legal_bases[0] == "Căn cứ Quyết định về chức năng của Sở Nội vụ"
        assert "Căn cứ Quy chế thi đua tỉnh Đồng Nai" in doc.legal_bases
        # The annual decision rests on the year's review, never on a movement's plan.
        assert any("đánh giá, xếp loại và bình xét thi đua năm" in b for b in doc.legal_bases)
        assert not any("phát động" in b for b in doc.legal_bases)
        assert doc.recipients == ["Lưu: VT."]
        assert (doc.signer.position, doc.signer.name, doc.signer.on_behalf) == (
            "GIÁM ĐỐC",
            "Lê Thị Hoa",
            None,
        )
        sub = build_document(
            _snapshot((head,), None), RULESET, "submission", "6", dt.date(2025, 8, 1), {}, profile
        )
        assert isinstance(sub, SubmissionDoc)
        assert sub.addressee == "Ban Thi đua – Khen thưởng tỉnh Bình Phước"  # province_board kept
        assert "Căn cứ Quy chế thi đua tỉnh Đồng Nai;" in sub.legal_bases

    def test_the_signer_is_the_leadership_member_holding_the_head_title(self) -> None:
        """The head is found by the profile's head_title in a leadership unit, not by unit code."""
        profile = _profile(head_title="Chánh Văn phòng")
        staff = (
            StaffRecord("NV001", "Trương Minh Khôi", "nam", "Giám đốc", LEADERSHIP),
            StaffRecord("NV009", "Phan Văn Tài", "nam", "Chánh Văn phòng", DIVISION),
            StaffRecord("NV010", "Hồ Văn B", "nam", "Chánh Văn phòng", LEADERSHIP),
        )
        doc = build_document(
            _snapshot(staff, None), RULESET, "report", "1", dt.date(2025, 8, 1), {}, profile
        )
        assert doc is not None and doc.signer.name == "Hồ Văn B"  # type: ignore[union-attr]
        assert doc.signer.position == "CHÁNH VĂN PHÒNG"  # type: ignore[union-attr]

    def test_a_deputy_signs_for_the_head_with_kt(self) -> None:
        """No staff member holds the head title; the Director's account is a deputy: "KT. GIÁM ĐỐC"."""
        deputy = StaffRecord("NV002", "Nguyễn Thị Thu Hằng", "nu", "Phó Giám đốc", LEADERSHIP)
        snap = _snapshot((deputy,), PersonRecord(deputy.full_name, deputy))
        doc = build_document(snap, RULESET, "decision", "5", dt.date(2025, 8, 1), {}, _profile())
        assert isinstance(doc, DecisionDoc)
        assert (doc.signer.on_behalf, doc.signer.position, doc.signer.name) == (
            "KT. GIÁM ĐỐC",
            "PHÓ GIÁM ĐỐC",
            "Nguyễn Thị Thu Hằng",
        )

    def test_nobody_to_sign_names_the_head_title(self) -> None:
        """Neither a head nor a Director account: the error names the profile's head title."""
        with pytest.raises(LookupError, match="Chánh Văn phòng"):
            build_document(
                _snapshot((), None),
                RULESET,
                "report",
                "1",
                dt.date(2025, 8, 1),
                {},
                _profile(head_title="Chánh Văn phòng"),
            )


class TestSampleDataset:
    def test_the_sample_profile_serves_the_sample_agency(self) -> None:
        """The file's code is the sample Department's agency code."""
        from thidua.app.sample_data import AGENCY_CODE

        assert parse_profile_yaml(SAMPLE.read_text("utf-8")).code == AGENCY_CODE
