"""Award money: rounding up to 10,000 VND, VND formatting, amounts in Vietnamese words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rules.registry import RulesRegistry
from thidua.domain.money import (
    BASE_SALARY_2024,
    COEFFICIENTS,
    FORM_COEFFICIENTS,
    amount_in_words_vi,
    award_amount,
    coefficient_for,
    format_vnd,
    number_to_words_vi,
    title_award_amount,
)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("CSTDCS", 2_340_000), ("LDTT", 710_000), ("TTLDXS", 3_510_000), ("TTLDTT", 1_880_000)],
)
def test_title_amounts_2024(code: str, expected: int) -> None:
    assert award_amount(COEFFICIENTS[code], BASE_SALARY_2024) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("CSTDCS", 2_340_000),
        ("LDTT", 710_000),  # 702,000 rounded up
        ("TTLDXS", 3_510_000),
        ("TTLDTT", 1_880_000),  # 1,872,000 rounded up
        ("GIAY_KHEN", None),  # no coefficient in the ruleset
        ("NO_SUCH_TITLE", None),
    ],
)
def test_title_award_amount_from_the_shipped_ruleset(code: str, expected: int | None) -> None:
    """The ruleset's coefficient parameter × its base salary, rounded up to 10,000."""
    ruleset = RulesRegistry.from_directory().get("ntm-2024", "1")
    assert title_award_amount(ruleset, code) == expected


@pytest.mark.parametrize(
    ("coefficient", "base", "expected"),
    [
        (Decimal("0.3"), 2_340_000, 710_000),  # 702,000 rounds up
        (Decimal("1.0"), 2_340_000, 2_340_000),  # exact multiple stays
        (Decimal("0.8"), 2_340_000, 1_880_000),  # 1,872,000
        (Decimal("1.5"), 2_340_000, 3_510_000),  # exact
        (Decimal("0.3"), 1_800_000, 540_000),  # exact at the 2023 base salary
        (Decimal("0"), 2_340_000, 0),
        (Decimal("1"), 10_001, 20_000),  # one dong over a step
        (Decimal("1"), 10_000, 10_000),
        (Decimal("1"), 9_999, 10_000),
        (Decimal("1"), 1, 10_000),
    ],
)
def test_award_amount_rounds_up_to_10000(coefficient: Decimal, base: int, expected: int) -> None:
    assert award_amount(coefficient, base) == expected


def test_award_amount_accepts_float_exactly() -> None:
    assert award_amount(0.3, 2_340_000) == 710_000  # type: ignore[arg-type]


def test_award_amount_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        award_amount(Decimal("-0.3"), 2_340_000)


def test_coefficients_default_and_giay_khen_setting() -> None:
    assert {
        "CSTDCS": Decimal("1.0"),
        "LDTT": Decimal("0.3"),
        "TTLDXS": Decimal("1.5"),
        "TTLDTT": Decimal("0.8"),
    } == COEFFICIENTS
    assert FORM_COEFFICIENTS["GIAY_KHEN"] == Decimal("0.3")
    assert coefficient_for("GIAY_KHEN") == Decimal("0.3")
    assert coefficient_for("GIAY_KHEN", collective=True) == Decimal("0.6")
    assert coefficient_for("TTLDTT", collective=True) == Decimal("0.8")
    assert coefficient_for("BANG_KHEN_UBND_TINH") is None


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0"), (999, "999"), (1_000, "1.000"), (710_000, "710.000"), (18_340_000, "18.340.000")],
)
def test_format_vnd(n: int, text: str) -> None:
    assert format_vnd(n) == text


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"),
        (1, "một"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi bốn"),
        (25, "hai mươi lăm"),
        (55, "năm mươi lăm"),
        (100, "một trăm"),
        (101, "một trăm lẻ một"),
        (105, "một trăm lẻ năm"),
        (110, "một trăm mười"),
        (111, "một trăm mười một"),
        (115, "một trăm mười lăm"),
        (121, "một trăm hai mươi mốt"),
        (1_000, "một nghìn"),
        (1_001, "một nghìn không trăm lẻ một"),
        (1_010, "một nghìn không trăm mười"),
        (1_055, "một nghìn không trăm năm mươi lăm"),
        (10_000, "mười nghìn"),
        (15_000, "mười lăm nghìn"),
        (21_000, "hai mươi mốt nghìn"),
        (100_500, "một trăm nghìn năm trăm"),
        (710_000, "bảy trăm mười nghìn"),
        (1_000_000, "một triệu"),
        (1_000_005, "một triệu không trăm lẻ năm"),
        (2_340_000, "hai triệu ba trăm bốn mươi nghìn"),
        (18_340_000, "mười tám triệu ba trăm bốn mươi nghìn"),
        (1_000_000_000, "một tỷ"),
        (1_000_001_000, "một tỷ không trăm lẻ một nghìn"),
        (
            999_999_999_999,
            "chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu "
            "chín trăm chín mươi chín nghìn chín trăm chín mươi chín",
        ),
    ],
)
def test_number_to_words_vi(n: int, words: str) -> None:
    assert number_to_words_vi(n) == words


def test_linh_variant() -> None:
    assert number_to_words_vi(105, zero_ten="linh") == "một trăm linh năm"
    assert amount_in_words_vi(2_005_000, zero_ten="linh") == (
        "Hai triệu không trăm linh năm nghìn đồng"
    )


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (710_000, "Bảy trăm mười nghìn đồng"),
        (2_340_000, "Hai triệu ba trăm bốn mươi nghìn đồng"),
        (1_880_000, "Một triệu tám trăm tám mươi nghìn đồng"),
        (0, "Không đồng"),
    ],
)
def test_amount_in_words_vi(n: int, text: str) -> None:
    assert amount_in_words_vi(n) == text


@pytest.mark.parametrize("n", [-1, 1_000_000_000_000])
def test_words_out_of_range(n: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        number_to_words_vi(n)
