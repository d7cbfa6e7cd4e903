"""Sample (fictitious) organisation data for demos, seeding and tests.

Models the Department of Labour, Invalids and Social Affairs of Bình Phước province
(Sở Lao động – Thương binh và Xã hội tỉnh Bình Phước): its leadership, divisions (phòng),
public service units (đơn vị sự nghiệp), about sixty staff, one sample user account per role
and the 2024 "chung sức xây dựng nông thôn mới" emulation movement.

All people here are invented; any resemblance to real persons is coincidental.
The units, staff and movement are read from the sample data set's files
(``thidua/datasets/sample/``), the one place they are written; the accounts are here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import yaml

__all__ = [
    "ACCOUNTS",
    "AGENCY_CODE",
    "DEPARTMENT_SHORT",
    "MOVEMENT",
    "PROVINCE",
    "SAMPLE_DATASET",
    "STAFF",
    "UNITS",
    "AccountRole",
    "Gender",
    "SampleAccount",
    "SampleMovement",
    "SampleStaff",
    "SampleUnit",
    "UnitKind",
]

UnitKind = Literal["leadership", "division", "public_service_unit"]
Gender = Literal["nam", "nu"]
AccountRole = Literal[
    "unit_officer",
    "unit_head",
    "office",
    "council_secretary",
    "director",
    "rules_admin",
    "auditor",
    "pipeline",
    "admin",
]


@dataclass(frozen=True)
class SampleUnit:
    """An organisational unit of the Department."""

    code: str
    name: str
    kind: UnitKind
    short: str


@dataclass(frozen=True)
class SampleStaff:
    """A (fictitious) staff member belonging to one unit."""

    code: str
    full_name: str
    gender: Gender
    unit_code: str
    position: str
    birth_year: int


@dataclass(frozen=True)
class SampleAccount:
    """A sample user account holding one role."""

    username: str
    display_name: str
    role: AccountRole
    unit_code: str | None
    staff_code: str | None


@dataclass(frozen=True)
class SampleMovement:
    """An emulation movement (phong trào thi đua) launched by a plan (kế hoạch)."""

    code: str
    name: str
    year: int
    plan_number: str
    plan_date: date
    opens: date
    closes: date
    description: str


#: The sample Department as files, loaded by the same use cases as any agency's data set.
SAMPLE_DATASET = Path(__file__).resolve().parents[1] / "datasets" / "sample"

AGENCY_CODE = "SLDTBXH-BP"
DEPARTMENT_SHORT = "SLĐTBXH"
PROVINCE = "Bình Phước"


def _csv(name: str) -> list[dict[str, str]]:
    with (SAMPLE_DATASET / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


#: The units and staff of the data set's files (the first staff member listed for each
#: non-leadership unit is that unit's head).
UNITS: tuple[SampleUnit, ...] = tuple(
    SampleUnit(r["code"], r["name"], r["kind"], r["abbreviation"])  # type: ignore[arg-type]
    for r in _csv("units.csv")
)
STAFF: tuple[SampleStaff, ...] = tuple(
    SampleStaff(
        r["code"],
        r["full_name"],
        r["gender"],  # type: ignore[arg-type]
        r["unit"],
        r["position"],
        int(r["birth_year"]),
    )
    for r in _csv("staff.csv")
)


ACCOUNTS: tuple[SampleAccount, ...] = (
    # Unit emulation officers (cán bộ phụ trách thi đua) and unit heads
    SampleAccount("canbo.vp", "Bùi Thị Lan Anh", "unit_officer", "VP", "NV009"),
    SampleAccount("truongphong.vp", "Trần Thị Bích Ngọc", "unit_head", "VP", "NV005"),
    SampleAccount("canbo.ttra", "Hồ Văn Nam", "unit_officer", "TTRA", "NV016"),
    SampleAccount("truongphong.ttra", "Huỳnh Văn Phúc", "unit_head", "TTRA", "NV012"),
    SampleAccount("canbo.ldvl", "Lê Thị Thùy Dung", "unit_officer", "LDVL", "NV020"),
    SampleAccount("truongphong.ldvl", "Võ Thanh Sơn", "unit_head", "LDVL", "NV017"),
    SampleAccount("canbo.gdnn", "Cao Thị Diễm My", "unit_officer", "GDNN", "NV026"),
    SampleAccount("truongphong.gdnn", "Đinh Thị Phương Thảo", "unit_head", "GDNN", "NV023"),
    SampleAccount("canbo.ncc", "Trần Thị Hoài Thương", "unit_officer", "NCC", "NV031"),
    SampleAccount("truongphong.ncc", "Phan Văn Tài", "unit_head", "NCC", "NV028"),
    SampleAccount("canbo.btxh", "Ngô Minh Hiển", "unit_officer", "BTXH", "NV038"),
    SampleAccount("truongphong.btxh", "Lê Thị Minh Nguyệt", "unit_head", "BTXH", "NV034"),
    SampleAccount("canbo.tebdg", "Lý Thị Hạnh", "unit_officer", "TEBDG", "NV043"),
    SampleAccount("truongphong.tebdg", "Hồ Thị Thu Trang", "unit_head", "TEBDG", "NV040"),
    SampleAccount("canbo.ttdvvl", "Hoàng Minh Nhật", "unit_officer", "TTDVVL", "NV048"),
    SampleAccount("truongphong.ttdvvl", "Đỗ Văn Thành", "unit_head", "TTDVVL", "NV045"),
    SampleAccount("canbo.ttctxh", "Đặng Thị Hồng Vân", "unit_officer", "TTCTXH", "NV054"),
    SampleAccount("truongphong.ttctxh", "Huỳnh Thị Ngọc Lan", "unit_head", "TTCTXH", "NV051"),
    SampleAccount("canbo.cscn", "Ngô Thị Thanh Xuân", "unit_officer", "CSCN", "NV058"),
    SampleAccount("truongphong.cscn", "Phạm Văn Cường", "unit_head", "CSCN", "NV056"),
    # Department-wide roles
    SampleAccount("vanphong", "Đặng Minh Tuấn", "office", "VP", "NV008"),
    SampleAccount("thuky.hoidong", "Hoàng Văn Dũng", "council_secretary", "VP", "NV006"),
    SampleAccount("giamdoc", "Trương Minh Khôi", "director", "BGD", "NV001"),
    SampleAccount("quantri.quydinh1", "Quản trị quy định 1", "rules_admin", None, None),
    SampleAccount("quantri.quydinh2", "Quản trị quy định 2", "rules_admin", None, None),
    SampleAccount("kiemtoan", "Lý Minh Trí", "auditor", "TTRA", "NV014"),
    SampleAccount("quantri.hethong", "Quản trị hệ thống", "admin", None, None),
    SampleAccount(
        "pipeline.ldvl", "Tiếp nhận tự động – Phòng LĐ-VL-ATLĐ", "pipeline", "LDVL", None
    ),
)


def _movement() -> SampleMovement:
    m = yaml.safe_load((SAMPLE_DATASET / "movements.yaml").read_text(encoding="utf-8"))
    return SampleMovement(
        code=m["code"],
        name=m["name"],
        year=m["year"],
        plan_number=m["plan"]["number"],
        plan_date=m["plan"]["date"],
        opens=m["opens"],
        closes=m["closes"],
        description=m["description"],
    )


#: The data set's movement (``movements.yaml``).
MOVEMENT = _movement()
