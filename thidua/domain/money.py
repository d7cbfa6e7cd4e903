"""Award money: one formula from the law's dated values, VND formatting, amounts in words.

Award = coefficient × base salary (mức lương cơ sở) **in force on the decision's date**, rounded
**up** to the next 10,000 VND (Decree 152/2025/NĐ-CP art. 49, domain.md §6). The coefficient of
each title and form (Giấy khen included) and the base salary are dated data in ``rules/law/``
(:mod:`rules.law`), chosen by the decision's date; the ruleset's ``coef_*`` and
``base_salary_vnd`` parameters no longer drive money. For one achievement at one time only the
highest amount is paid (:func:`highest_only`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Final

from rules.law import HIGHEST_AMOUNT_ONLY, LawBook

__all__ = [
    "ROUNDING_STEP",
    "AwardMoney",
    "amount_in_words_vi",
    "award_amount",
    "award_money",
    "format_vnd",
    "highest_only",
    "not_paid_note",
    "number_to_words_vi",
]

#: Awards are rounded up to a multiple of this many VND.
ROUNDING_STEP: Final = 10_000

MAX_WORDS_AMOUNT: Final = 999_999_999_999


@dataclass(frozen=True)
class AwardMoney:
    """The money of one award on a date: its coefficient, the base salary, the amount."""

    code: str
    coefficient: Decimal
    base_salary: int
    amount: int
    basis: str
    """ "Điều 50 Nghị định số 152/2025/NĐ-CP": where the coefficient is set."""


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


def award_money(law: LawBook, code: str, on: dt.date, *, collective: bool) -> AwardMoney | None:
    """The money of ``code`` decided on ``on``: the coefficient of the decree in force that day
    × the base salary in force that day (None when the law sets no coefficient for it)."""
    coef = law.coefficient(code, on, collective=collective)
    if coef is None:
        return None
    base = law.base_salary(on).vnd
    return AwardMoney(code, coef.value, base, award_amount(coef.value, base), coef.basis)


def highest_only(amounts: Mapping[str, int], on: dt.date, law: LawBook) -> dict[str, int]:
    """One nominee's amounts by code: within each group of titles the law counts as one
    achievement (LĐTT and CSTĐCS; TTLĐTT and TTLĐXS), only the highest is paid and the others get
    0, while the principle is in force on ``on``; codes outside the groups keep their amount.
    Of equal highest amounts the first in ``amounts``' order is paid."""
    out = dict(amounts)
    principle = law.principle(HIGHEST_AMOUNT_ONLY, on)
    if principle is None:
        return out
    for group in principle.groups:
        present = [c for c in amounts if c in group]
        if len(present) < 2:
            continue
        paid = max(present, key=lambda c: amounts[c])
        for code in present:
            if code != paid:
                out[code] = 0
    return out


def not_paid_note(paid_title: str, law: LawBook, on: dt.date) -> str:
    """Why an award is not paid: the same achievement is paid the highest amount only.

    "Không chi; nhận mức cao nhất: Chiến sĩ thi đua cơ sở (Điều 53 Nghị định số 98/2023/NĐ-CP)"
    """
    principle = law.principle(HIGHEST_AMOUNT_ONLY, on)
    where = (
        f" ({principle.article} {principle.instrument.kind_name} số {principle.instrument.number})"
        if principle is not None
        else ""
    )
    return f"Không chi; nhận mức cao nhất: {paid_title}{where}"


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
