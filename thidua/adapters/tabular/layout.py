"""The flat column layout of a nomination list: one nomination per row, header on row 1.

Empty cells mean "not given" so the facts contract's defaults apply. Lists are written in one
cell (``;`` or a line break between items); initiatives as ``mã:cấp:năm[:applied]`` and past
years as ``năm:xếp_loại:danh_hiệu+danh_hiệu``; yes/no cells in Vietnamese or English.
"""

from __future__ import annotations

import re
from typing import Any

from thidua.app.ports.tabular import RowError

SUBMISSION_COLUMNS = ("movement", "unit")
INT_COLUMNS = frozenset(
    {
        "year",
        "months_worked",
        "maternity_months",
        "research_accepted",
        "members_total",
        "members_ldtt",
        "members_cstdcs",
        "members_htnv_or_better",
        "members_disciplined",
        "female_members",
    }
)
BOOL_COLUMNS = frozenset({"under_review", "guidance_on_time", "propagated_to_all_staff"})
MOVEMENT_COLUMNS = ("c1", "c2", "c3", "c4")
DOSSIER_COLUMNS = ("achievement_report", "review_minutes", "evidence")
COLUMNS: tuple[str, ...] = (
    "movement",
    "unit",
    "kind",
    "id",
    "year",
    "rating",
    "months_worked",
    "maternity_months",
    "discipline",
    "under_review",
    "research_accepted",
    "gender",
    "c1",
    "c2",
    "c3",
    "c4",
    "initiatives",
    "history",
    "achievement_report",
    "review_minutes",
    "evidence",
    "unit_type",
    "members_total",
    "members_ldtt",
    "members_cstdcs",
    "members_htnv_or_better",
    "members_disciplined",
    "female_members",
    "guidance_on_time",
    "propagated_to_all_staff",
)
KNOWN = frozenset(COLUMNS)
_TRUE = frozenset({"có", "co", "true", "1", "x", "yes", "đúng", "c"})
_FALSE = frozenset({"không", "khong", "false", "0", "no", "sai", "k"})
_APPLIED = frozenset({"applied", "da_ap_dung", "đã áp dụng", "ap_dung", "x", "có", "true", "1"})


class _CellError(Exception):
    pass


def text_of(value: Any) -> str | None:
    """A cell as text (None when empty); a whole float as an integer (Excel's numbers)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def header_name(value: Any) -> str:
    """A header cell as a column name (``Months Worked`` → ``months_worked``)."""
    return (text_of(value) or "").lower().replace(" ", "_")


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        try:
            f = float(text.replace(",", "."))
        except ValueError:
            raise _CellError("phải là số nguyên") from None
        if not f.is_integer():
            raise _CellError("phải là số nguyên") from None
        return int(f)


def _bool(value: Any, text: str) -> bool:
    if isinstance(value, bool):
        return value
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise _CellError("phải là có/không (có, không, true, false, 1, 0, x)")


def _items(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;\n]", text) if p.strip()]


def _initiatives(text: str) -> list[dict[str, Any]]:
    """``SK-1:co_so:2024:applied; SK-2:tinh:2024`` (level may be omitted: ``SK-3:2024``)."""
    out: list[dict[str, Any]] = []
    for n, part in enumerate(_items(text), start=1):
        bits = [b.strip() for b in part.split(":")]
        if len(bits) == 2:
            bits = [bits[0], "", bits[1]]
        if len(bits) not in (3, 4) or not bits[0]:
            raise _CellError(
                f"sáng kiến thứ {n} «{part}» phải có dạng mã:cấp:năm[:applied], "
                "ví dụ SK-1:co_so:2024:applied"
            )
        try:
            year = _int(bits[2])
        except _CellError:
            raise _CellError(f"sáng kiến thứ {n} «{part}»: năm phải là số nguyên") from None
        item: dict[str, Any] = {"id": bits[0], "year": year}
        if bits[1]:
            item["level"] = bits[1]
        if len(bits) == 4 and bits[3]:
            if bits[3].lower() not in _APPLIED and bits[3].lower() not in _FALSE:
                raise _CellError(
                    f"sáng kiến thứ {n} «{part}»: phần thứ tư chỉ được là applied (đã áp dụng)"
                )
            item["applied"] = bits[3].lower() in _APPLIED
        out.append(item)
    return out


def _history(text: str) -> list[dict[str, Any]]:
    """``2023:HTXSNV:LDTT+CSTDCS; 2022:HTTNV`` (rating and titles may be omitted)."""
    out: list[dict[str, Any]] = []
    for n, part in enumerate(_items(text), start=1):
        bits = [b.strip() for b in part.split(":")]
        if len(bits) > 3:
            raise _CellError(
                f"năm thứ {n} «{part}» phải có dạng năm:xếp_loại:danh_hiệu+danh_hiệu, "
                "ví dụ 2023:HTXSNV:LDTT+CSTDCS"
            )
        try:
            year = _int(bits[0])
        except _CellError:
            raise _CellError(f"năm thứ {n} «{part}»: năm phải là số nguyên") from None
        item: dict[str, Any] = {"year": year}
        if len(bits) > 1 and bits[1]:
            item["rating"] = bits[1]
        if len(bits) > 2 and bits[2]:
            item["titles"] = [t.strip() for t in bits[2].split("+") if t.strip()]
        out.append(item)
    return out


def flat_to_raw(row: int, cells: dict[str, Any]) -> tuple[dict[str, Any], list[RowError]]:
    """One flat row (column → cell value) → a raw submission dict, plus its cells' errors."""
    errors: list[RowError] = []
    raw: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    movement: dict[str, Any] = {}
    dossier: dict[str, Any] = {}
    for column, value in cells.items():
        text = text_of(value)
        if text is None:
            continue
        try:
            if column in SUBMISSION_COLUMNS:
                raw[column] = text
            elif column in INT_COLUMNS:
                facts[column] = (
                    value if isinstance(value, int) and not isinstance(value, bool) else _int(text)
                )
            elif column in BOOL_COLUMNS:
                facts[column] = _bool(value, text)
            elif column in MOVEMENT_COLUMNS:
                movement[column] = text.lower()
            elif column == "initiatives":
                facts["initiatives"] = _initiatives(text)
            elif column == "history":
                facts["history"] = _history(text)
            elif column == "evidence":
                dossier["evidence"] = _items(text)
            elif column in DOSSIER_COLUMNS:
                dossier[column] = text
            elif column in ("kind", "rating", "discipline", "gender", "unit_type"):
                facts[column] = text.upper() if column == "rating" else text.lower()
            else:
                facts[column] = text
        except _CellError as exc:
            errors.append(RowError(row, column, str(exc)))
    if movement:
        facts["movement"] = movement
    raw["facts"] = facts
    if dossier:
        raw["dossier"] = dossier
    return raw, errors
