"""Award money: the law's values by the decision's date, the highest amount only, rounding up to
10,000 VND, VND formatting, amounts in Vietnamese words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from rules.law import shipped_law
from thidua.domain.money import (
    amount_in_words_vi,
    award_amount,
    award_money,
    format_vnd,
    highest_only,
    not_paid_note,
    number_to_words_vi,
)

LAW = shipped_law()


@pytest.mark.parametrize(
    ("code", "collective", "on", "coefficient", "base", "amount"),
    [
        # Decree 98, base salary 1,800,000 until 30/6/2024
        ("LDTT", False, dt.date(2024, 6, 30), "0.3", 1_800_000, 540_000),
        ("CSTDCS", False, dt.date(2024, 6, 30), "1.0", 1_800_000, 1_800_000),
        ("TTLDTT", True, dt.date(2024, 6, 30), "0.8", 1_800_000, 1_440_000),
        # Decree 98, base salary 2,340,000 from 1/7/2024
        ("LDTT", False, dt.date(2024, 7, 1), "0.3", 2_340_000, 710_000),  # 702,000 rounded up
        ("CSTDCS", False, dt.date(2024, 12, 23), "1.0", 2_340_000, 2_340_000),
        ("TTLDTT", True, dt.date(2024, 12, 23), "0.8", 2_340_000, 1_880_000),  # 1,872,000 up
        ("TTLDXS", True, dt.date(2024, 12, 23), "1.5", 2_340_000, 3_510_000),
        # Decree 152 from 1/7/2025, same coefficients
        ("CSTDCS", False, dt.date(2025, 7, 1), "1.0", 2_340_000, 2_340_000),
        ("TTLDXS", True, dt.date(2025, 12, 30), "1.5", 2_340_000, 3_510_000),
        # 2,530,000 from 1/7/2026 (unconfirmed)
        ("LDTT", False, dt.date(2026, 7, 1), "0.3", 2_530_000, 760_000),  # 759,000 rounded up
        # the Director's Giấy khen: 0.3 an individual, 0.6 a collective
        ("GIAY_KHEN", False, dt.date(2024, 12, 23), "0.3", 2_340_000, 710_000),
        ("GIAY_KHEN", True, dt.date(2024, 12, 23), "0.6", 2_340_000, 1_410_000),  # 1,404,000 up
        ("GIAY_KHEN", True, dt.date(2025, 12, 30), "0.6", 2_340_000, 1_410_000),
    ],
)
def test_award_money_by_the_decision_date(
    code: str, collective: bool, on: dt.date, coefficient: str, base: int, amount: int
) -> None:
    """Coefficient of the decree in force × base salary in force on the decision's date."""
    money = award_money(LAW, code, on, collective=collective)
    assert money is not None
    assert (money.coefficient, money.base_salary, money.amount) == (
        Decimal(coefficient),
        base,
        amount,
    )
    assert isinstance(money.coefficient, Decimal)


def test_award_money_cites_the_decree_in_force() -> None:
    """The coefficient's article: Decree 98 art. 54 until 30/6/2025, Decree 152 art. 50 after."""
    before = award_money(LAW, "CSTDCS", dt.date(2025, 6, 30), collective=False)
    after = award_money(LAW, "CSTDCS", dt.date(2025, 7, 1), collective=False)
    assert before is not None and before.basis == "Điều 54 Nghị định số 98/2023/NĐ-CP"
    assert after is not None and after.basis == "Điều 50 Nghị định số 152/2025/NĐ-CP"


def test_no_money_without_a_coefficient() -> None:
    """The provincial Bằng khen is the province's to pay; an unknown code has none."""
    on = dt.date(2024, 12, 23)
    assert award_money(LAW, "BANG_KHEN_UBND_TINH", on, collective=False) is None
    assert award_money(LAW, "NO_SUCH_TITLE", on, collective=False) is None
    assert award_money(LAW, "TTLDTT", on, collective=False) is None  # a collective's title


class TestHighestOnly:
    """One achievement at one time is paid the highest amount only."""

    def test_cstdcs_holder_is_paid_cstdcs_only(self) -> None:
        """LĐTT 710,000 + CSTĐCS 2,340,000: the CSTĐCS amount, LĐTT 0."""
        on = dt.date(2024, 12, 23)
        assert highest_only({"LDTT": 710_000, "CSTDCS": 2_340_000}, on, LAW) == {
            "LDTT": 0,
            "CSTDCS": 2_340_000,
        }

    def test_ttldxs_over_ttldtt_under_decree_152(self) -> None:
        """A collective with TTLĐTT and TTLĐXS in 2025: the TTLĐXS amount only."""
        on = dt.date(2025, 12, 30)
        assert highest_only({"TTLDTT": 1_880_000, "TTLDXS": 3_510_000}, on, LAW) == {
            "TTLDTT": 0,
            "TTLDXS": 3_510_000,
        }

    def test_other_achievements_are_paid_on_their_own(self) -> None:
        """The movement's Giấy khen rewards another achievement: paid beside the title."""
        on = dt.date(2024, 12, 23)
        amounts = {"LDTT": 710_000, "CSTDCS": 2_340_000, "GIAY_KHEN": 710_000}
        assert highest_only(amounts, on, LAW) == {
            "LDTT": 0,
            "CSTDCS": 2_340_000,
            "GIAY_KHEN": 710_000,
        }

    def test_a_single_award_keeps_its_amount(self) -> None:
        """Nothing to compare: the amount stays."""
        assert highest_only({"LDTT": 710_000}, dt.date(2024, 12, 23), LAW) == {"LDTT": 710_000}

    def test_the_note_cites_the_principle_in_force(self) -> None:
        """The note names the paid title and the principle's article of the decree in force."""
        note = not_paid_note("Chiến sĩ thi đua cơ sở", LAW, dt.date(2025, 12, 30))
        assert note == (
            "Không chi; nhận mức cao nhất: Chiến sĩ thi đua cơ sở "
            "(Điều 49 Nghị định số 152/2025/NĐ-CP)"
        )


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
