"""Award money: coefficient × base salary, VND formatting and amounts in Vietnamese words.

Award = coefficient × base salary (mức lương cơ sở), rounded **up** to the next 10,000 VND.
Title coefficients follow Decree 98/2023/NĐ-CP art. 54 (see /work/shared/domain.md §6).

The Director's certificate of merit (``GIAY_KHEN``) is a *form* of commendation, not a title;
its coefficient is not given in domain.md. ``FORM_COEFFICIENTS`` holds it as a setting:
0.3 × base salary for an individual, twice that for a collective (our reading of Decree
98/2023/NĐ-CP on forms of commendation; **unconfirmed**: check before relying on it).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from rules.registry import LoadedRuleset

__all__ = [
    "BASE_SALARY_2024",
    "COEFFICIENTS",
    "COLLECTIVE_FORM_MULTIPLIER",
    "FORM_COEFFICIENTS",
    "ROUNDING_STEP",
    "amount_in_words_vi",
    "award_amount",
    "coefficient_for",
    "format_vnd",
    "number_to_words_vi",
    "title_award_amount",
]

#: Base salary (mức lương cơ sở) from 1 July 2024, in VND.
BASE_SALARY_2024: Final = 2_340_000

#: Awards are rounded up to a multiple of this many VND.
ROUNDING_STEP: Final = 10_000

#: Title coefficients (Decree 98/2023/NĐ-CP, art. 54).
COEFFICIENTS: dict[str, Decimal] = {
    "CSTDCS": Decimal("1.0"),
    "LDTT": Decimal("0.3"),
    "TTLDXS": Decimal("1.5"),
    "TTLDTT": Decimal("0.8"),
}

#: Coefficients of forms of commendation for an individual (setting; unconfirmed, see module doc).
FORM_COEFFICIENTS: dict[str, Decimal] = {
    "GIAY_KHEN": Decimal("0.3"),
}

#: A collective receives this multiple of the individual amount for a form of commendation.
COLLECTIVE_FORM_MULTIPLIER: Final = Decimal(2)

MAX_WORDS_AMOUNT: Final = 999_999_999_999


def coefficient_for(code: str, *, collective: bool = False) -> Decimal | None:
    """The coefficient of a title or form (``None`` if the code carries no money here)."""
    if code in COEFFICIENTS:
        return COEFFICIENTS[code]
    if code in FORM_COEFFICIENTS:
        coef = FORM_COEFFICIENTS[code]
        return coef * COLLECTIVE_FORM_MULTIPLIER if collective else coef
    return None


def award_amount(coefficient: Decimal, base_salary: int) -> int:
    """``coefficient × base_salary`` rounded up to the next 10,000 VND.

    >>> award_amount(Decimal("0.3"), 2_340_000)
    710000
    >>> award_amount(Decimal("1.0"), 2_340_000)
    2340000
    """
    coef = coefficient if isinstance(coefficient, Decimal) else Decimal(str(coefficient))
    if coef < 0 or base_salary < 0:
        raise ValueError("coefficient and base salary must not be negative")
    steps = (coef * base_salary / ROUNDING_STEP).to_integral_value(rounding=ROUND_CEILING)
    return int(steps) * ROUNDING_STEP


def title_award_amount(ruleset: LoadedRuleset, code: str) -> int | None:
    """The award of title ``code`` under ``ruleset``: its coefficient parameter × the ruleset's
    ``base_salary_vnd``, rounded up as :func:`award_amount` (None when either is missing)."""
    title = ruleset.titles.get(code)
    if title is None or title.award_coefficient_param is None:
        return None
    coef = ruleset.params.get(title.award_coefficient_param)
    base = ruleset.params.get("base_salary_vnd")
    if not isinstance(coef, int | float) or not isinstance(base, int | float):
        return None
    if isinstance(coef, bool) or isinstance(base, bool):
        return None
    return award_amount(Decimal(str(coef)), int(base))


def format_vnd(n: int) -> str:
    """Format with a dot as thousands separator: ``710000 -> "710.000"``."""
    return f"{n:,}".replace(",", ".")


_DIGITS: Final = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_SCALES: Final = ("", "nghìn", "triệu", "tỷ")


def _three_digits(n: int, *, full: bool, zero_ten: str) -> list[str]:
    """Words of a 0..999 group. ``full``: a higher group precedes, so read "không trăm"."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(zero_ten)
            words.append(_DIGITS[units])
        return words
    if tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(_DIGITS[units])
    return words


def number_to_words_vi(n: int, *, zero_ten: str = "lẻ") -> str:
    """Vietnamese words for 0..999,999,999,999 (lower case, no unit).

    ``zero_ten`` is the word for a zero tens digit: "lẻ" (default) or "linh".
    """
    if n < 0 or n > MAX_WORDS_AMOUNT:
        raise ValueError(f"number out of range 0..{MAX_WORDS_AMOUNT}: {n}")
    if zero_ten not in ("lẻ", "linh"):
        raise ValueError("zero_ten must be 'lẻ' or 'linh'")
    if n == 0:
        return "không"
    groups: list[int] = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    words: list[str] = []
    top = len(groups) - 1
    for index in range(top, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        words += _three_digits(group, full=index < top, zero_ten=zero_ten)
        if _SCALES[index]:
            words.append(_SCALES[index])
    return " ".join(words)


def amount_in_words_vi(n: int, *, zero_ten: str = "lẻ") -> str:
    """An amount of money in words, capitalised, ending in "đồng".

    >>> amount_in_words_vi(710_000)
    'Bảy trăm mười nghìn đồng'
    """
    words = number_to_words_vi(n, zero_ten=zero_ten)
    return f"{words[0].upper()}{words[1:]} đồng"
