"""Sample (fictitious) organisation data for demos, seeding and tests.

Models the Department of Labour, Invalids and Social Affairs of Bình Phước province
(Sở Lao động – Thương binh và Xã hội tỉnh Bình Phước): its leadership, divisions (phòng),
public service units (đơn vị sự nghiệp), about sixty staff, one sample user account per role
and the 2024 "chung sức xây dựng nông thôn mới" emulation movement.

All people here are invented; any resemblance to real persons is coincidental.
This module is pure data: importing it has no side effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

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

UNITS: tuple[SampleUnit, ...] = (
    SampleUnit("BGD", "Ban Giám đốc", "leadership", "BGĐ"),
    SampleUnit("VP", "Văn phòng Sở", "division", "VP"),
    SampleUnit("TTRA", "Thanh tra Sở", "division", "TTr"),
    SampleUnit("LDVL", "Phòng Lao động – Việc làm – An toàn lao động", "division", "LĐ-VL-ATLĐ"),
    SampleUnit("GDNN", "Phòng Giáo dục nghề nghiệp", "division", "GDNN"),
    SampleUnit("NCC", "Phòng Người có công", "division", "NCC"),
    SampleUnit("BTXH", "Phòng Bảo trợ xã hội", "division", "BTXH"),
    SampleUnit("TEBDG", "Phòng Trẻ em – Bình đẳng giới", "division", "TE-BĐG"),
    SampleUnit("TTDVVL", "Trung tâm Dịch vụ việc làm", "public_service_unit", "TTDVVL"),
    SampleUnit("TTCTXH", "Trung tâm Công tác xã hội", "public_service_unit", "TTCTXH"),
    SampleUnit("CSCN", "Cơ sở cai nghiện ma túy tỉnh", "public_service_unit", "CSCNMT"),
)

# The first staff member listed for each non-leadership unit is that unit's head.
STAFF: tuple[SampleStaff, ...] = (
    # Ban Giám đốc
    SampleStaff("NV001", "Trương Minh Khôi", "nam", "BGD", "Giám đốc", 1970),
    SampleStaff("NV002", "Nguyễn Thị Thu Hằng", "nu", "BGD", "Phó Giám đốc", 1973),
    SampleStaff("NV003", "Lê Văn Thắng", "nam", "BGD", "Phó Giám đốc", 1972),
    SampleStaff("NV004", "Phạm Hữu Lộc", "nam", "BGD", "Phó Giám đốc", 1975),
    # Văn phòng Sở
    SampleStaff("NV005", "Trần Thị Bích Ngọc", "nu", "VP", "Chánh Văn phòng", 1976),
    SampleStaff("NV006", "Hoàng Văn Dũng", "nam", "VP", "Phó Chánh Văn phòng", 1980),
    SampleStaff("NV007", "Vũ Thị Hồng Nhung", "nu", "VP", "Kế toán", 1985),
    SampleStaff("NV008", "Đặng Minh Tuấn", "nam", "VP", "Chuyên viên", 1990),
    SampleStaff("NV009", "Bùi Thị Lan Anh", "nu", "VP", "Chuyên viên", 1992),
    SampleStaff("NV010", "Ngô Thị Mai", "nu", "VP", "Nhân viên", 1988),
    SampleStaff("NV011", "Dương Văn Hiếu", "nam", "VP", "Nhân viên", 1983),
    # Thanh tra Sở
    SampleStaff("NV012", "Huỳnh Văn Phúc", "nam", "TTRA", "Chánh Thanh tra", 1974),
    SampleStaff("NV013", "Phan Thị Kim Oanh", "nu", "TTRA", "Phó Chánh Thanh tra", 1979),
    SampleStaff("NV014", "Lý Minh Trí", "nam", "TTRA", "Thanh tra viên", 1986),
    SampleStaff("NV015", "Đỗ Thị Thanh Hương", "nu", "TTRA", "Thanh tra viên", 1987),
    SampleStaff("NV016", "Hồ Văn Nam", "nam", "TTRA", "Chuyên viên", 1993),
    # Phòng Lao động – Việc làm – An toàn lao động
    SampleStaff("NV017", "Võ Thanh Sơn", "nam", "LDVL", "Trưởng phòng", 1975),
    SampleStaff("NV018", "Nguyễn Thị Ngọc Hân", "nu", "LDVL", "Phó Trưởng phòng", 1982),
    SampleStaff("NV019", "Trần Văn Hải", "nam", "LDVL", "Chuyên viên chính", 1981),
    SampleStaff("NV020", "Lê Thị Thùy Dung", "nu", "LDVL", "Chuyên viên", 1991),
    SampleStaff("NV021", "Phạm Minh Khoa", "nam", "LDVL", "Chuyên viên", 1994),
    SampleStaff("NV022", "Hoàng Thị Yến", "nu", "LDVL", "Chuyên viên", 1995),
    # Phòng Giáo dục nghề nghiệp
    SampleStaff("NV023", "Đinh Thị Phương Thảo", "nu", "GDNN", "Trưởng phòng", 1977),
    SampleStaff("NV024", "Mai Văn Tâm", "nam", "GDNN", "Phó Trưởng phòng", 1980),
    SampleStaff("NV025", "Tạ Ngọc Quang", "nam", "GDNN", "Chuyên viên chính", 1983),
    SampleStaff("NV026", "Cao Thị Diễm My", "nu", "GDNN", "Chuyên viên", 1992),
    SampleStaff("NV027", "Lương Hữu Nghĩa", "nam", "GDNN", "Chuyên viên", 1990),
    # Phòng Người có công
    SampleStaff("NV028", "Phan Văn Tài", "nam", "NCC", "Trưởng phòng", 1973),
    SampleStaff("NV029", "Huỳnh Thị Mỹ Linh", "nu", "NCC", "Phó Trưởng phòng", 1981),
    SampleStaff("NV030", "Nguyễn Hữu Toàn", "nam", "NCC", "Chuyên viên chính", 1979),
    SampleStaff("NV031", "Trần Thị Hoài Thương", "nu", "NCC", "Chuyên viên", 1989),
    SampleStaff("NV032", "Vũ Ngọc Bảo", "nam", "NCC", "Chuyên viên", 1993),
    SampleStaff("NV033", "Lâm Thị Kiều Trinh", "nu", "NCC", "Chuyên viên", 1996),
    # Phòng Bảo trợ xã hội
    SampleStaff("NV034", "Lê Thị Minh Nguyệt", "nu", "BTXH", "Trưởng phòng", 1976),
    SampleStaff("NV035", "Đặng Văn Lợi", "nam", "BTXH", "Phó Trưởng phòng", 1982),
    SampleStaff("NV036", "Bùi Thanh Tùng", "nam", "BTXH", "Chuyên viên chính", 1980),
    SampleStaff("NV037", "Dương Thị Ngọc Trâm", "nu", "BTXH", "Chuyên viên", 1990),
    SampleStaff("NV038", "Ngô Minh Hiển", "nam", "BTXH", "Chuyên viên", 1992),
    SampleStaff("NV039", "Phạm Thị Thanh Tâm", "nu", "BTXH", "Chuyên viên", 1994),
    # Phòng Trẻ em – Bình đẳng giới
    SampleStaff("NV040", "Hồ Thị Thu Trang", "nu", "TEBDG", "Trưởng phòng", 1978),
    SampleStaff("NV041", "Nguyễn Văn Phong", "nam", "TEBDG", "Phó Trưởng phòng", 1983),
    SampleStaff("NV042", "Trương Thị Ánh Tuyết", "nu", "TEBDG", "Chuyên viên", 1991),
    SampleStaff("NV043", "Lý Thị Hạnh", "nu", "TEBDG", "Chuyên viên", 1993),
    SampleStaff("NV044", "Võ Minh Đức", "nam", "TEBDG", "Chuyên viên", 1995),
    # Trung tâm Dịch vụ việc làm
    SampleStaff("NV045", "Đỗ Văn Thành", "nam", "TTDVVL", "Giám đốc Trung tâm", 1974),
    SampleStaff("NV046", "Trần Thị Ngọc Hà", "nu", "TTDVVL", "Phó Giám đốc Trung tâm", 1980),
    SampleStaff("NV047", "Lê Thị Kim Chi", "nu", "TTDVVL", "Kế toán", 1986),
    SampleStaff("NV048", "Hoàng Minh Nhật", "nam", "TTDVVL", "Viên chức", 1990),
    SampleStaff("NV049", "Phan Thị Quỳnh Như", "nu", "TTDVVL", "Viên chức", 1993),
    SampleStaff("NV050", "Nguyễn Thành Long", "nam", "TTDVVL", "Viên chức", 1991),
    # Trung tâm Công tác xã hội
    SampleStaff("NV051", "Huỳnh Thị Ngọc Lan", "nu", "TTCTXH", "Giám đốc Trung tâm", 1975),
    SampleStaff("NV052", "Vũ Văn Quyết", "nam", "TTCTXH", "Phó Giám đốc Trung tâm", 1981),
    SampleStaff("NV053", "Bùi Thị Thu Hà", "nu", "TTCTXH", "Kế toán", 1987),
    SampleStaff("NV054", "Đặng Thị Hồng Vân", "nu", "TTCTXH", "Viên chức", 1992),
    SampleStaff("NV055", "Tô Văn Hùng", "nam", "TTCTXH", "Nhân viên", 1985),
    # Cơ sở cai nghiện ma túy tỉnh
    SampleStaff("NV056", "Phạm Văn Cường", "nam", "CSCN", "Giám đốc Cơ sở", 1972),
    SampleStaff("NV057", "Hồ Văn Trung", "nam", "CSCN", "Phó Giám đốc Cơ sở", 1979),
    SampleStaff("NV058", "Ngô Thị Thanh Xuân", "nu", "CSCN", "Viên chức", 1988),
    SampleStaff("NV059", "Dương Hữu Phước", "nam", "CSCN", "Viên chức", 1990),
    SampleStaff("NV060", "Lê Văn Tiến", "nam", "CSCN", "Nhân viên", 1986),
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

MOVEMENT = SampleMovement(
    code="NTM-2024",
    name=(
        "Công chức, viên chức, người lao động Sở Lao động – Thương binh và Xã hội "
        "chung sức xây dựng nông thôn mới"
    ),
    year=2024,
    plan_number="318/KH-SLĐTBXH",
    plan_date=date(2024, 8, 12),
    opens=date(2024, 8, 15),
    closes=date(2024, 12, 20),
    description=(
        "Phong trào thi đua năm 2024 (giai đoạn 2021–2025) dành cho các phòng chuyên môn, "
        "đơn vị sự nghiệp trực thuộc và toàn thể công chức, viên chức, người lao động của Sở, "
        "gồm bốn nội dung: (1) thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới, "
        "gắn với Cuộc vận động “Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh” và "
        "phong trào “Cả nước chung tay vì người nghèo – Không để ai bị bỏ lại phía sau”; "
        "(2) hoàn thành và vượt các chỉ tiêu nhiệm vụ chính trị năm 2024, trọng tâm là giảm "
        "nghèo, giáo dục nghề nghiệp, lao động và việc làm; (3) làm tốt các chính sách an sinh "
        "xã hội, có sáng kiến, mô hình hay, cách làm mới giúp tháo gỡ vướng mắc và đẩy nhanh "
        "xây dựng nông thôn mới, nông thôn mới nâng cao, nông thôn mới kiểu mẫu; (4) tuyên "
        "truyền, vận động cán bộ, doanh nghiệp và người dân đóng góp trí tuệ, công sức, nguồn "
        "lực (xã hội hóa) và tạo đồng thuận xã hội. Việc khen thưởng phải thực chất, khách "
        "quan, không chạy theo thành tích."
    ),
)
