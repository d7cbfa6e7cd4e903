"""The organisation's vocabulary: unit kinds, and how a unit kind reads in the facts contract."""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    LEADERSHIP = "leadership"  # Ban Giám đốc / lãnh đạo cơ quan
    DIVISION = "division"  # phòng chuyên môn, Văn phòng, Thanh tra
    PUBLIC_SERVICE_UNIT = "public_service_unit"  # đơn vị sự nghiệp trực thuộc


#: The facts contract's ``unit_type`` (rules/facts.py) of a collective of each kind; the
#: leadership is not a collective nominee.
FACTS_UNIT_TYPE: dict[UnitKind, str] = {
    UnitKind.DIVISION: "phong",
    UnitKind.PUBLIC_SERVICE_UNIT: "don_vi_su_nghiep",
}
