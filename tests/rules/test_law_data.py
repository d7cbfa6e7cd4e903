"""The law's dated values (rules/law): the shipped files, queries by date, malformed files."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from rules.law import HIGHEST_AMOUNT_ONLY, LAW_DIR, LawDataError, load_law, shipped_law


class TestShippedLaw:
    """The files in rules/law load and answer by date."""

    def test_the_decree_in_force_changes_on_1_july_2025(self) -> None:
        """Decree 98/2023 until 30/6/2025, Decree 152/2025 from 1/7/2025; the Law throughout."""
        law = shipped_law()
        assert law.decree(dt.date(2024, 1, 1)).number == "98/2023/NĐ-CP"
        assert law.decree(dt.date(2025, 6, 30)).number == "98/2023/NĐ-CP"
        assert law.decree(dt.date(2025, 7, 1)).number == "152/2025/NĐ-CP"
        assert law.law(dt.date(2026, 12, 1)).number == "06/2022/QH15"

    def test_basis_lines_of_a_date(self) -> None:
        """The "Căn cứ" lines documents print: the Law's, then the decree's in force."""
        lines = shipped_law().basis_lines(dt.date(2025, 12, 30))
        assert lines[0] == (
            "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022"
        )
        assert lines[1].startswith(
            "Căn cứ Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ"
        )
        assert shipped_law().decree(dt.date(2025, 12, 30)).citation == (
            "Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ"
        )

    def test_no_decree_before_2024_is_refused_naming_the_date(self) -> None:
        """A date before the Law's decrees: a Vietnamese message with the date."""
        with pytest.raises(LookupError, match="31/12/2023"):
            shipped_law().decree(dt.date(2023, 12, 31))

    @pytest.mark.parametrize(
        ("on", "vnd", "confirmed"),
        [
            (dt.date(2024, 6, 30), 1_800_000, True),
            (dt.date(2024, 7, 1), 2_340_000, True),
            (dt.date(2026, 6, 30), 2_340_000, True),
            (dt.date(2026, 7, 1), 2_530_000, False),
        ],
    )
    def test_base_salary_by_date(self, on: dt.date, vnd: int, confirmed: bool) -> None:
        """The base salary in force on the date; 2,530,000 from 1/7/2026 is marked unconfirmed."""
        salary = shipped_law().base_salary(on)
        assert (salary.vnd, salary.confirmed) == (vnd, confirmed)

    def test_the_highest_amount_principle_is_dated_and_unconfirmed(self) -> None:
        """Decree 98 and Decree 152 each carry it; its article is marked unconfirmed."""
        law = shipped_law()
        for on, article in ((dt.date(2024, 12, 1), "Điều 53"), (dt.date(2025, 12, 1), "Điều 49")):
            principle = law.principle(HIGHEST_AMOUNT_ONLY, on)
            assert principle is not None
            assert (principle.article, principle.confirmed) == (article, False)
            assert frozenset({"LDTT", "CSTDCS"}) in principle.groups

    def test_giay_khen_coefficients_are_marked_unconfirmed(self) -> None:
        """Individual 0.3 and collective 0.6, neither read in the decree's text."""
        law = shipped_law()
        on = dt.date(2024, 12, 1)
        person = law.coefficient("GIAY_KHEN", on, collective=False)
        unit = law.coefficient("GIAY_KHEN", on, collective=True)
        assert person is not None and unit is not None
        assert (str(person.value), str(unit.value)) == ("0.3", "0.6")
        assert not person.confirmed and not unit.confirmed


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "law"
    shutil.copytree(LAW_DIR, target)
    return target


def _edit(directory: Path, name: str, change: object) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


class TestMalformedFiles:
    """A bad value is refused naming the file and the key."""

    @pytest.mark.parametrize(
        ("name", "change", "message"),
        [
            (
                "money.yaml",
                lambda d: d["coefficients"][1].update(coefficient="một"),
                "money.yaml: coefficients[1].coefficient: «một» không phải số.",
            ),
            (
                "money.yaml",
                lambda d: d["coefficients"][0].update(coefficient=0.3),
                "money.yaml: coefficients[0].coefficient: phải là chuỗi số thập phân",
            ),
            (
                "money.yaml",
                lambda d: d["base_salary"][1].update(vnd=-5),
                "money.yaml: base_salary[1].vnd: phải là số nguyên dương",
            ),
            (
                "money.yaml",
                lambda d: d["base_salary"][2].update({"from": dt.date(2024, 1, 1)}),
                "money.yaml: base_salary[2].from: các mức phải theo thứ tự ngày tăng dần.",
            ),
            (
                "money.yaml",
                lambda d: d["coefficients"][2].update(instrument="ND_99_2099"),
                "money.yaml: coefficients[2].instrument: không có văn bản «ND_99_2099»",
            ),
            (
                "money.yaml",
                lambda d: d["coefficients"][3].update(recipient="group"),
                "money.yaml: coefficients[3].recipient: phải là một trong individual, collective.",
            ),
            (
                "instruments.yaml",
                lambda d: d["instruments"][2].update(effective_from="1/7/2025"),
                "instruments.yaml: instruments[2].effective_from: phải là ngày dạng YYYY-MM-DD.",
            ),
            (
                "instruments.yaml",
                lambda d: d["instruments"][1].update(effective_to=dt.date(2025, 7, 1)),
                "instruments.yaml: instruments: «ND_98_2023» và «ND_152_2025» có hiệu lực "
                "chồng nhau.",
            ),
            (
                "instruments.yaml",
                lambda d: d["instruments"][0].pop("basis_line"),
                "instruments.yaml: instruments[0].basis_line: thiếu hoặc không phải chuỗi.",
            ),
        ],
    )
    def test_bad_value_names_file_and_key(
        self, tmp_path: Path, name: str, change: object, message: str
    ) -> None:
        """The error names the file and the key path of the bad value."""
        directory = _copy(tmp_path)
        _edit(directory, name, change)
        with pytest.raises(LawDataError) as info:
            load_law(directory)
        assert str(info.value).startswith(message)

    def test_unreadable_yaml_names_the_file(self, tmp_path: Path) -> None:
        """A YAML syntax error: the file's name and the parser's message."""
        directory = _copy(tmp_path)
        (directory / "money.yaml").write_text("base_salary: [\n", encoding="utf-8")
        with pytest.raises(LawDataError, match=r"^money\.yaml: không đọc được tệp"):
            load_law(directory)
