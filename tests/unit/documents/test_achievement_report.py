"""The nominee's achievement report: built from what the records know, blanks left to fill,
the form chosen by the date of the review (no database; the Word file read back)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import docx
import pytest

import thidua
from rules.law import LawDataError, load_law, shipped_law
from thidua.adapters.documents.achievement import (
    CELL_DOTS,
    DOTS,
    achievement_docx,
    achievement_html,
)
from thidua.domain.agency import parse_profile_yaml
from thidua.domain.documents.achievement import (
    AchievementReportDoc,
    AchievementSource,
    Entry,
    FillIn,
    Grid,
    MembersSummary,
    ReceivedAward,
    YearRating,
    build_achievement_report,
    received_from_history,
)

PROFILE = parse_profile_yaml(
    (Path(thidua.__file__).parent / "datasets" / "sample" / "agency.yaml").read_text("utf-8")
)
LAW = shipped_law()
INDIVIDUAL_FACTS: dict[str, Any] = {
    "kind": "individual",
    "id": "NV018",
    "year": 2024,
    "rating": "HTXSNV",
    "months_worked": 12,
    "maternity_months": 4,
    "discipline": "none",
    "initiatives": [{"id": "SK-2024-LDVL-01", "level": "co_so", "year": 2024, "applied": True}],
    "research_accepted": 0,
    "history": [{"year": 2023, "rating": "HTTNV", "titles": ["LDTT"]}],
    "movement": {"c1": "tot", "c2": "xuat_sac", "c3": "tot", "c4": "dat"},
    "gender": "nu",
}


def individual(year: int = 2024, review: dt.date = dt.date(2024, 12, 20)) -> AchievementSource:
    return AchievementSource(
        key=f"NTM-{year}_{year}_NV018",
        kind="individual",
        year=year,
        review_date=review,
        movement_name="Chung sức xây dựng nông thôn mới",
        movement_contents=(("c1", "Chương trình nông thôn mới"), ("c2", "Chỉ tiêu giảm nghèo")),
        nominee_code="NV018",
        nominee_name="Trần Thị Bích Ngọc",
        unit_name="Phòng Lao động – Việc làm",
        unit_kind="division",
        facts={**INDIVIDUAL_FACTS, "year": year},
        proposed=(("CSTDCS", "Chiến sĩ thi đua cơ sở"), ("LDTT", "Lao động tiên tiến")),
        gender="nu",
        position="Chuyên viên",
        birth_year=None,
        ratings=(
            YearRating(year - 1, "HTTNV", 12, 0, "none", "register"),
            YearRating(year, "HTXSNV", 12, 4, "none", "register"),
        ),
        received=(
            ReceivedAward(
                year - 1,
                "LDTT",
                "Lao động tiên tiến",
                f"Quyết định số 05/QĐ-SLĐTBXH ngày 20/12/{year - 1}",
            ),
        ),
        agency_head="Trương Minh Khôi",
    )


def collective(year: int = 2026) -> AchievementSource:
    return AchievementSource(
        key=f"TDKT-{year}_{year}_LDVL",
        kind="collective",
        year=year,
        review_date=dt.date(year, 12, 15),
        movement_name="Danh hiệu thi đua năm",
        movement_contents=(),
        nominee_code="LDVL",
        nominee_name="Phòng Lao động – Việc làm",
        unit_name="Phòng Lao động – Việc làm",
        unit_kind="division",
        facts={
            "kind": "collective",
            "id": "LDVL",
            "year": year,
            "rating": "HTXSNV",
            "members_total": 8,
        },
        proposed=(("TTLDTT", "Tập thể lao động tiên tiến"),),
        members=MembersSummary(
            on=dt.date(year, 12, 15),
            total=8,
            by_rating={"HTXSNV": 2, "HTTNV": 5},
            unrated=1,
            disciplined=0,
        ),
        agency_head="Trương Minh Khôi",
    )


def build(src: AchievementSource) -> AchievementReportDoc:
    return build_achievement_report(src, LAW.achievement_form(src.kind, src.review_date), PROFILE)


def section(doc: AchievementReportDoc, heading_start: str) -> list[Any]:
    return next(s.items for s in doc.sections if s.heading.startswith(heading_start))


def entry(items: list[Any], label_start: str) -> Entry:
    return next(i for i in items if isinstance(i, Entry) and i.label.startswith(label_start))


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


class TestFormByDate:
    """The form of the decree in force on the review date, never the one in force today."""

    def test_a_2024_nomination_gets_decree_98s_form(self) -> None:
        """Reviewed on 20/12/2024: Decree 98/2023's form (its number marked unconfirmed)."""
        doc = build(individual(2024, dt.date(2024, 12, 20)))
        assert doc.form_code == "ND98_INDIVIDUAL"
        assert "Nghị định số 98/2023/NĐ-CP" in doc.form_label
        assert "chưa xác nhận" in doc.form_label

    def test_a_2026_nomination_gets_decree_152s_form(self) -> None:
        """Reviewed on 15/12/2026: Decree 152/2025's form, for a collective too."""
        person = build(individual(2026, dt.date(2026, 12, 15)))
        team = build(collective(2026))
        assert person.form_code == "ND152_INDIVIDUAL"
        assert team.form_code == "ND152_COLLECTIVE"
        assert "Nghị định số 152/2025/NĐ-CP" in team.form_label

    def test_the_day_the_new_decree_takes_force_switches_the_form(self) -> None:
        """30/6/2025 is Decree 98's last day, 1/7/2025 Decree 152's first."""
        assert LAW.achievement_form("individual", dt.date(2025, 6, 30)).code == "ND98_INDIVIDUAL"
        assert LAW.achievement_form("individual", dt.date(2025, 7, 1)).code == "ND152_INDIVIDUAL"

    def test_no_form_before_the_law_is_refused_in_vietnamese(self) -> None:
        """Before any decree's window: a LookupError naming the date."""
        with pytest.raises(LookupError, match="01/01/2023"):
            LAW.achievement_form("collective", dt.date(2023, 1, 1))

    def test_a_form_for_the_other_kind_is_refused(self) -> None:
        """A collective's form cannot carry an individual's report."""
        with pytest.raises(ValueError, match="collective"):
            build_achievement_report(
                individual(), LAW.achievement_form("collective", dt.date(2024, 12, 20)), PROFILE
            )


class TestIndividual:
    """What the records know is filled in; what they do not is left blank."""

    def test_known_fields_are_filled(self) -> None:
        """Name, gender, position, unit and the months worked with maternity leave."""
        doc = build(individual())
        profile = section(doc, "I.")
        assert entry(profile, "Họ và tên").value == "Trần Thị Bích Ngọc"
        assert entry(profile, "Giới tính").value == "Nữ"
        assert entry(profile, "Chức vụ").value == "Chuyên viên"
        assert entry(profile, "Đơn vị công tác").value == (
            "Phòng Lao động – Việc làm, " + PROFILE.text_name
        )
        months = entry(profile, "Thời gian làm việc").value
        assert months is not None and months.startswith("12 tháng (trong đó 4 tháng nghỉ thai sản")

    def test_unknown_fields_are_left_to_fill(self) -> None:
        """Date of birth, home town, qualifications and the narrative are blanks, not guesses."""
        doc = build(individual())
        profile = section(doc, "I.")
        for label in ("Sinh ngày", "Quê quán", "Trú quán", "Trình độ chuyên môn"):
            assert entry(profile, label).value is None, label
        assert any(isinstance(i, FillIn) for i in section(doc, "1. Quyền hạn"))
        assert any(isinstance(i, FillIn) for i in section(doc, "2. Thành tích"))

    def test_a_known_birth_year_leaves_only_day_and_month_blank(self) -> None:
        """The register holds the year of birth: the year is printed, day and month left."""
        src = individual()
        doc = build(AchievementSource(**{**src.__dict__, "birth_year": 1985}))
        value = entry(section(doc, "I."), "Sinh ngày").value
        assert value is not None and value.endswith("năm 1985") and "……" in value

    def test_initiatives_keep_their_ids_and_the_name_is_left_blank(self) -> None:
        """The initiative's id, level, year and use are the facts'; its name is to fill."""
        doc = build(individual())
        grid = next(i for i in section(doc, "3.") if isinstance(i, Grid))
        assert grid.rows == [["1", "SK-2024-LDVL-01", None, "cấp cơ sở", "2024", "Có"]]

    def test_ratings_of_the_years_come_from_the_register(self) -> None:
        """The review year's and the earlier year's ratings, with their source."""
        grid = next(i for i in section(build(individual()), "4.") if isinstance(i, Grid))
        assert grid.rows[0][:2] == ["2023", "Hoàn thành tốt nhiệm vụ"]
        assert grid.rows[1] == [
            "2024",
            "Hoàn thành xuất sắc nhiệm vụ",
            "12",
            "không",
            "Sổ xếp loại",
        ]

    def test_titles_received_earlier_are_listed_with_their_decision(self) -> None:
        """An earlier award of our records, then blank lines to add more."""
        doc = build(individual())
        titles = next(s.items[0] for s in doc.sections if s.heading == "1. Danh hiệu thi đua")
        assert isinstance(titles, Grid)
        assert titles.rows[0] == [
            "2023",
            "Lao động tiên tiến",
            "Quyết định số 05/QĐ-SLĐTBXH ngày 20/12/2023",
        ]
        assert titles.rows[1] == [None, None, None]

    def test_the_purpose_names_the_titles_proposed(self) -> None:
        """ "Đề nghị công nhận danh hiệu “Chiến sĩ thi đua cơ sở”, … năm 2024"."""
        doc = build(individual())
        assert doc.purpose == (
            "Đề nghị công nhận danh hiệu “Chiến sĩ thi đua cơ sở”, danh hiệu “Lao động tiên "
            "tiến” năm 2024"
        )

    def test_the_nominee_signs_and_the_unit_heads_name_is_left_blank(self) -> None:
        """Right: the nominee, named; left: the unit head, whose name the records do not hold."""
        left, right = build(individual()).signatures
        assert right.name == "Trần Thị Bích Ngọc" and right.caption == "NGƯỜI BÁO CÁO THÀNH TÍCH"
        assert left.name is None

    def test_history_titles_not_in_the_records_are_added_as_declared(self) -> None:
        """A title the facts declare for an earlier year is listed once, marked as declared."""
        known = [ReceivedAward(2022, "LDTT", "Lao động tiên tiến")]
        facts = {
            "history": [{"year": 2022, "titles": ["LDTT"]}, {"year": 2023, "titles": ["CSTDCS"]}]
        }
        added = received_from_history(facts, {"CSTDCS": "Chiến sĩ thi đua cơ sở"}, known)
        assert [(a.year, a.code, a.source) for a in added] == [(2023, "CSTDCS", "facts")]


class TestCollective:
    """The collective's features and its members' ratings from the register."""

    def test_members_ratings_summary_from_the_register(self) -> None:
        """Counts and shares by rating, the unrated, and the total."""
        doc = build(collective())
        grid = next(i for i in section(doc, "3.") if isinstance(i, Grid))
        assert grid.rows[0] == ["Hoàn thành xuất sắc nhiệm vụ", "2", "25%"]
        assert grid.rows[1] == ["Hoàn thành tốt nhiệm vụ", "5", "62,5%"]
        assert ["Chưa có trong sổ xếp loại", "1", "12,5%"] in grid.rows
        assert grid.rows[-1] == ["Tổng số", "8", "100%"]

    def test_known_features_are_filled_and_the_rest_left_blank(self) -> None:
        """Name, kind, members; the address and the structure are blanks."""
        features = section(build(collective()), "1. Đặc điểm")
        assert entry(features, "Tên tập thể").value == "Phòng Lao động – Việc làm"
        assert entry(features, "Loại đơn vị").value == "Phòng chuyên môn"
        assert entry(features, "Tổng số").value == "8 người"
        assert entry(features, "Địa chỉ").value is None

    def test_the_agency_head_confirms_and_the_unit_head_signs(self) -> None:
        """Left: the level that proposes (the agency head, named); right: the unit's head."""
        left, right = build(collective()).signatures
        assert left.caption == "XÁC NHẬN CỦA CẤP TRÌNH KHEN THƯỞNG"
        assert left.name == "Trương Minh Khôi"
        assert right.name is None


class TestFiles:
    """The Word and HTML files carry the report, blanks as dotted lines."""

    def test_docx_opens_and_holds_the_nominee_and_the_blanks(self) -> None:
        """python-docx reads it back: the name, the initiative's id, the form, dotted blanks."""
        text = docx_text(achievement_docx(build(individual())))
        assert "Trần Thị Bích Ngọc" in text
        assert "SK-2024-LDVL-01" in text
        assert "Nghị định số 98/2023/NĐ-CP" in text
        assert f"Quê quán: {DOTS}" in text
        assert CELL_DOTS in text
        assert "BÁO CÁO THÀNH TÍCH" in text
        assert "(Ký, ghi rõ họ và tên)" in text

    def test_docx_of_a_collective_holds_the_unit(self) -> None:
        """The collective's report names the unit and the members' ratings."""
        text = docx_text(achievement_docx(build(collective())))
        assert "Phòng Lao động – Việc làm" in text
        assert "62,5%" in text

    def test_html_is_escaped_and_self_contained(self) -> None:
        """The HTML page holds the report; no number line, an undated date line."""
        html = achievement_html(build(individual()))
        assert html.startswith("<!DOCTYPE html>") and 'lang="vi"' in html
        assert "Trần Thị Bích Ngọc" in html
        assert "ngày …… tháng …… năm ……" in html
        assert "Số:" not in html


class TestFormsFile:
    """The forms file is data: a wrong part is refused naming the file and the key."""

    def test_an_unknown_part_is_refused(self, tmp_path: Path) -> None:
        """``part: salary`` is not a part of an individual's report."""
        import shutil

        from rules.law import LAW_DIR

        target = tmp_path / "law"
        shutil.copytree(LAW_DIR, target)
        path = target / "achievement_forms.yaml"
        path.write_text(path.read_text("utf-8").replace("part: duties", "part: salary", 1), "utf-8")
        with pytest.raises(
            LawDataError, match=r"^achievement_forms\.yaml: forms\[0\]\.sections\[2\]\.part"
        ):
            load_law(target)
