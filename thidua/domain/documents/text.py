"""Wording helpers shared by the documents: dates, counts, percentages, award phrases.

Pure text in the conventions of Decree 30/2020/NĐ-CP (administrative documents); the builders in
:mod:`thidua.domain.documents` and the layout in :mod:`thidua.adapters.documents.layout` use them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from thidua.domain.documents.models import FORM_CODES, Agency

__all__ = [
    "award_phrase",
    "award_verb",
    "count_vi",
    "date_line",
    "date_long_vi",
    "date_short_vi",
    "number_symbol",
    "percent_vi",
    "threshold_vi",
    "who_vi",
]


def date_long_vi(d: dt.date) -> str:
    """ "ngày 05 tháng 01 năm 2024": day < 10 and months 1–2 get a leading zero (Decree 30)."""
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def date_line(place: str, d: dt.date) -> str:
    return f"{place}, {date_long_vi(d)}"


def date_short_vi(d: dt.date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def number_symbol(number: str, kind: str, agency: Agency) -> str:
    """ "Số: 125/QĐ-SLĐTBXH"; a full symbol is kept; an empty number leaves a blank (draft)."""
    if "/" in number:
        return f"Số: {number}"
    if not number.strip():
        return f"Số:        /{kind}-{agency.short}"
    return f"Số: {number.strip()}/{kind}-{agency.short}"


def count_vi(n: int) -> str:
    """Counts in running text are written with two digits: 03, 12."""
    return f"{n:02d}"


def percent_vi(value: Decimal) -> str:
    """A ratio as a Vietnamese percentage with a decimal comma: 0.9091 -> "90,9%"."""
    pct = (value * 100).quantize(Decimal("0.1"))
    text = f"{pct:f}".replace(".", ",")
    if text.endswith(",0"):
        text = text[:-2]
    return f"{text}%"


def threshold_vi(threshold: Decimal) -> str:
    """ "từ 80% trở lên"; a threshold of exactly 50% means a majority: "trên 50%"."""
    if threshold == Decimal("0.5"):
        return "trên 50%"
    return f"từ {percent_vi(threshold)} trở lên"


def award_phrase(code: str, title_vi: str) -> str:
    """ "danh hiệu “Lao động tiên tiến”" for a title; the form's name for a form."""
    if code in FORM_CODES:
        return title_vi
    bare = title_vi.removeprefix("danh hiệu ").strip('“”"')
    return f"danh hiệu “{bare}”"


def award_verb(code: str) -> str:
    """ "tặng" for a form (Giấy khen, Bằng khen); "công nhận" for an emulation title."""
    return "tặng" if code in FORM_CODES else "công nhận"


def who_vi(people: int, teams: int) -> str:
    """ "02 tập thể, 03 cá nhân": collectives before individuals (a zero count is left out)."""
    parts = []
    if teams:
        parts.append(f"{count_vi(teams)} tập thể")
    if people:
        parts.append(f"{count_vi(people)} cá nhân")
    return ", ".join(parts)
